"""Parsing of OCPI request parameters. Every failure is an OCPI 2001 that names the parameter."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.http import QueryDict

from .exceptions import invalid_parameter

# RFC 3339 as OCPI uses it: UTC with Z or without a designator; an explicit offset is accepted leniently (§14.18).
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$")
_INT_RE = re.compile(r"^[+-]?\d+$")
# The largest offset or limit we accept (PostgreSQL's integer): far beyond any real list, and offset + limit still
# fits the database's bigint, so no query parameter can overflow a query.
PAGING_MAX = 2**31 - 1
PATH_ID_PATTERN = "^[ -~]+$"  # printable ASCII, as CiString is


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC (naive means UTC). Raises ValueError when converting leaves the calendar, as
    9999-12-31T23:00:00-05:00 and 0001-01-01T00:00:00+01:00 do (Python's years run from 1 to 9999)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("lies outside the years 0001 to 9999 once converted to UTC.") from error


def parse_datetime(value: str, field: str) -> datetime:
    value = value.strip()
    if not _DATETIME_RE.match(value):
        raise invalid_parameter(field, "expected an RFC 3339 date-time in UTC, such as 2024-06-30T21:59:59Z.")
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError as error:
        raise invalid_parameter(field, str(error)) from error


def query_int(query: QueryDict, field: str, *, default: int, minimum: int, maximum: int = PAGING_MAX) -> int:
    raw = query.get(field)
    if raw is None:
        return default
    text = raw.strip()
    if not _INT_RE.match(text):
        raise invalid_parameter(field, f"'{raw[:40]}' is not an integer.")
    # Python refuses to convert more than 4300 digits: a number this long is out of range whatever its value.
    digits = text.lstrip("+-").lstrip("0")
    value = int(text) if len(digits) <= len(str(maximum)) else (-maximum - 1 if text[0] == "-" else maximum + 1)
    if value < minimum:
        raise invalid_parameter(field, f"must be {minimum} or more.")
    if value > maximum:
        raise invalid_parameter(field, f"must be {maximum} or less.")
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
