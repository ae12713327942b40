"""The OCPI response envelope: every answer, success or error, has data, status_code, status_message and timestamp."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from django.utils import timezone

from .status import OcpiStatus


def format_datetime(value: datetime) -> str:
    """OCPI DateTime: RFC 3339 in UTC with a Z, at most 25 characters."""
    value = value.astimezone(UTC) if timezone.is_aware(value) else value
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text + "Z"


def envelope(data: Any, status_code: OcpiStatus = OcpiStatus.SUCCESS, message: str = "Success") -> dict[str, Any]:
    """``data`` is always present (null when an answer has no payload), so partners can rely on all four keys."""
    return {
        "data": data,
        "status_code": int(status_code),
        "status_message": message,
        "timestamp": format_datetime(timezone.now()),
    }


# What DRF's JSONRenderer escapes beyond JSON itself (JavaScript line terminators), so that our bytes equal its.
_LINE_TERMINATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


def json_bytes(value: Any) -> bytes:
    """``value`` encoded exactly as the API renders JSON (DRF's JSONRenderer: compact, UTF-8, U+2028 and U+2029
    escaped), by orjson, which is several times faster."""
    encoded = orjson.dumps(value)
    for raw, escaped in _LINE_TERMINATORS:
        if raw in encoded:
            encoded = encoded.replace(raw, escaped)
    return encoded


def envelope_of_encoded(items: Sequence[bytes]) -> bytes:
    """The success envelope of a list whose objects are JSON already: their bytes are joined, never decoded."""
    rest = json_bytes(envelope(None))
    assert rest.startswith(_NULL_DATA)
    return b'{"data":[' + b",".join(items) + b"]" + rest[len(_NULL_DATA) :]


_NULL_DATA = b'{"data":null'
