"""The JSON parser of every OCPI view: a body nested deeper than any OCPI object is refused, never a crash."""

from __future__ import annotations

from typing import Any

from rest_framework.parsers import JSONParser

from .exceptions import OcpiError, invalid_parameter

# OCPI's deepest object (a CDR's tariffs → elements → price_components) nests 7 levels; leave room for extensions.
MAX_JSON_DEPTH = 32


def json_depth(value: Any) -> int:
    """Nesting depth of parsed JSON (a scalar is 0), walked without recursion."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth + 1)
            pending.extend((child, depth + 1) for child in children)
    return deepest


class OcpiJSONParser(JSONParser):
    """DRF's JSON parser (which keeps Django's DATA_UPLOAD_MAX_MEMORY_SIZE check), with a nesting limit: Python's
    decoder gives up at about 1,000 levels with a RecursionError, and anything deep costs the serializers dearly."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise _too_deep() from error
        if json_depth(data) > MAX_JSON_DEPTH:
            raise _too_deep()
        return data


def _too_deep() -> OcpiError:
    return invalid_parameter("body", f"nested more than {MAX_JSON_DEPTH} levels deep.")
