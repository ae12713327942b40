"""Parsing of OCPI request parameters. Every failure is an OCPI 2001 that names the parameter."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.http import QueryDict

from .exceptions import invalid_parameter

# RFC 3339 as OCPI uses it: UTC with Z or without a designator; an explicit offset is accepted leniently (§14.18).
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$")
_INT_RE = re.compile(r"^[+-]?\d{1,18}$")


def parse_datetime(value: str, field: str) -> datetime:
    value = value.strip()
    if not _DATETIME_RE.match(value):
        raise invalid_parameter(field, "expected an RFC 3339 date-time in UTC, such as 2024-06-30T21:59:59Z.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise invalid_parameter(field, str(error)) from error
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def query_int(query: QueryDict, field: str, *, default: int, minimum: int) -> int:
    raw = query.get(field)
    if raw is None:
        return default
    if not _INT_RE.match(raw.strip()):
        raise invalid_parameter(field, f"'{raw[:40]}' is not an integer.")
    value = int(raw)
    if value < minimum:
        raise invalid_parameter(field, f"must be {minimum} or more.")
    return value


def query_datetime(query: QueryDict, field: str) -> datetime | None:
    raw = query.get(field)
    if raw is None:
        return None
    return parse_datetime(raw, field)


def path_id(value: str, field: str, *, max_length: int = 36) -> str:
    """A CiString id from the URL: printable ASCII up to its length, otherwise 2001."""
    if not value or len(value) > max_length:
        raise invalid_parameter(field, f"must be 1 to {max_length} characters.")
    if not all(0x20 <= ord(ch) <= 0x7E for ch in value):
        raise invalid_parameter(field, "must be printable ASCII.")
    return value
