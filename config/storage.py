"""The production static files storage."""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage

# HashedFilesMixin.patterns: per file glob, regexes or (regex, replacement) pairs.
_Patterns = tuple[tuple[str, tuple[Any, ...]], ...]


def _without_source_maps(patterns: _Patterns) -> _Patterns:
    def names_a_map(pattern: Any) -> bool:
        return "sourceMappingURL" in (pattern if isinstance(pattern, str) else pattern[0])

    return tuple((glob, tuple(p for p in found if not names_a_map(p))) for glob, found in patterns)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """whitenoise's hashed and compressed files, leaving ``sourceMappingURL`` comments alone.

    The vendored builds (Leaflet, its marker clusters, Bootstrap) are copied unchanged, comments included, but we
    ship no source maps: the stock storage refuses a comment whose map is missing, and collectstatic fails."""

    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
