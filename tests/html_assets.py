"""Checks that a page loads nothing from another host (pages never use a CDN)."""

import re

# A script or stylesheet whose address names a host, and any URL that points at a CDN.
_FOREIGN_ASSET = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"'](?:https?:)?//", re.IGNORECASE)
_CDN_URL = re.compile(r"(?:https?:)?//[^\"'\s]*cdn", re.IGNORECASE)


def foreign_assets(html: str) -> list[str]:
    return _FOREIGN_ASSET.findall(html) + _CDN_URL.findall(html)
