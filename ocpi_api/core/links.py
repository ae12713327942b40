"""Absolute URLs of our own OCPI endpoints, as we advertise them to partners."""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request


def absolute_url(request: Request | None, path: str) -> str:
    """URLs we advertise: from the request a partner reached us with, else from PORTAL_BASE_URL."""
    if request is not None:
        return request.build_absolute_uri(path)
    return str(settings.PORTAL_BASE_URL).rstrip("/") + path
