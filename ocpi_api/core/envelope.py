"""The OCPI response envelope: every answer, success or error, has data, status_code, status_message and timestamp."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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
