"""DRF fields for OCPI data types (digest §1.8), shared by the modules' serializers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from rest_framework import serializers


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
