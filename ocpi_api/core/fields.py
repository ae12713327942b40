"""DRF fields for OCPI data types (OCPI 2.2.1 types.asciidoc), shared by the modules' serializers."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from rest_framework import serializers

from .envelope import format_datetime
from .exceptions import OcpiError
from .params import as_utc, parse_datetime


class CiStringField(serializers.CharField):
    """CiString(n): printable ASCII, no control characters."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not all(0x20 <= ord(ch) <= 0x7E for ch in value):
            raise serializers.ValidationError("Only printable ASCII characters are allowed.")
        return value


class OcpiUrlField(serializers.CharField):
    """URL: string(255) with an http(s) scheme and a host. Looser than Django's URLValidator on purpose: partners
    in test set-ups use host names without a dot (http://emsp:8080/ocpi/versions)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 255)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018  (raises ValueError on a bad port)
        except ValueError as error:
            raise serializers.ValidationError("Not a valid URL.") from error
        if parts.scheme not in ("http", "https") or not parts.hostname or any(ch.isspace() for ch in value):
            raise serializers.ValidationError("Not a valid http(s) URL.")
        return value


class StringField(serializers.CharField):
    """string(n), or CiString(n) with ``ascii_only``. Only JSON strings are accepted; no CR, LF or TAB."""

    default_error_messages = {
        "not_a_string": "Must be a string.",
        "control": "May not contain line breaks or tabs.",
        "ascii": "May only contain printable ASCII characters.",
    }

    def __init__(self, *, ascii_only: bool = False, **kwargs: Any) -> None:
        self.ascii_only = ascii_only
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("allow_blank", not kwargs.get("required", True))
        if not kwargs.get("required", True):
            kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        if any(ch in data for ch in "\r\n\t"):
            self.fail("control")
        if self.ascii_only and not all(0x20 <= ord(ch) <= 0x7E for ch in data):
            self.fail("ascii")
        return super().to_internal_value(data)


class UrlField(StringField):
    """URL: string(255) with an http(s) scheme."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=255, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value and not re.match(r"^https?://[^\s/]+", value):
            raise serializers.ValidationError("Must be an http(s) URL.")
        return value


class IntField(serializers.IntegerField):
    """int: a JSON integer only (DRF would take "220" and 220.0 too)."""

    def __init__(self, **kwargs: Any) -> None:
        if not kwargs.get("required", True):
            kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError("Must be an integer.")
        return super().to_internal_value(data)


class NumberField(serializers.FloatField):
    """number for objects stored as JSON (Location, EnergyMix): read as the int or float it is, written unchanged.
    Money and pricing inputs use ``DecimalNumberField``."""

    def to_internal_value(self, data: Any) -> float | int:
        if not isinstance(data, int | float) or isinstance(data, bool):  # in this order mypy narrows data
            raise serializers.ValidationError("Must be a number.")
        super().to_internal_value(data)  # range checks
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class BoolField(serializers.BooleanField):
    """boolean: JSON true or false only (DRF would take "yes" and 1 too)."""

    def __init__(self, **kwargs: Any) -> None:
        if not kwargs.get("required", True):
            kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            raise serializers.ValidationError("Must be true or false.")
        return data


class EnumField(serializers.ChoiceField):
    def __init__(self, choices: Any, **kwargs: Any) -> None:
        if not kwargs.get("required", True):
            kwargs.setdefault("allow_null", True)
            kwargs.setdefault("allow_blank", True)
        super().__init__(choices=choices, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            raise serializers.ValidationError("Must be a string.")
        return super().to_internal_value(data)


_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$")


class DateTimeField(serializers.Field[datetime, str, str, Any]):
    """DateTime: RFC 3339 in UTC. Accepts Z or no zone designator, and leniently an offset (converted to UTC)."""

    def __init__(self, **kwargs: Any) -> None:
        if not kwargs.get("required", True):
            kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> datetime:
        if not isinstance(data, str) or not _DATETIME_RE.match(data):
            raise serializers.ValidationError("Must be an RFC 3339 date and time in UTC, e.g. 2015-06-29T20:39:09Z.")
        text = data.removesuffix("Z")
        if "." in text:  # Python 3.11 reads at most 6 fractional digits
            whole, rest = text.split(".", 1)
            digits = re.match(r"\d+", rest)
            assert digits is not None
            text = f"{whole}.{digits.group()[:6].ljust(6, '0')}{rest[digits.end() :]}"
        try:
            value = datetime.fromisoformat(text)
        except ValueError as error:
            raise serializers.ValidationError("Not a valid date and time.") from error
        try:
            return as_utc(value)
        except ValueError as error:
            raise serializers.ValidationError(f"{data} {error}") from error

    def to_representation(self, value: datetime | str) -> str:
        return value if isinstance(value, str) else format_datetime(value)


class OcpiDateTimeField(serializers.Field[datetime, str, str, Any]):
    """OCPI DateTime as Tariffs and CDR pricing read it: RFC 3339 in UTC, parsed like the query parameters
    (``core.params``); read with Z or without a designator, written with a Z."""

    def to_internal_value(self, data: Any) -> datetime:
        if not isinstance(data, str):
            raise serializers.ValidationError("Expected an RFC 3339 date-time string in UTC.")
        try:
            return parse_datetime(data, self.field_name or "value")
        except OcpiError as error:
            raise serializers.ValidationError(
                "Expected an RFC 3339 date-time in UTC, such as 2024-06-30T21:59:59Z."
            ) from error

    def to_representation(self, value: datetime) -> str:
        return format_datetime(value)


class DecimalNumberField(serializers.DecimalField):
    """OCPI number (4 decimals) read into a Decimal straight from the JSON text, written as a JSON number."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 16)
        kwargs.setdefault("decimal_places", 4)
        super().__init__(coerce_to_string=False, **kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, int | float | Decimal):
            raise serializers.ValidationError("Expected a JSON number.")
        value: Decimal = super().to_internal_value(data)
        return value
