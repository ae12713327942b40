"""OCPP timestamps (ISO 8601; the library does not check ``format: date-time``), read defensively."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime


def parse_timestamp(value: Any) -> datetime | None:
    """An aware UTC datetime, or None when the value is no timestamp. A naive time is taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_timestamp(value: datetime) -> str:
    """UTC with a ``Z``: chargers set their clock from it (OCPP-J 1.6 §3.1.4 dates)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
