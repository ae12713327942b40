"""Credentials object (OCPI 2.2.1 credentials.asciidoc, Credentials object), used to read partners' credentials and to
describe ours in the schema."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ocpi_api.core.fields import CiStringField, OcpiUrlField
from ocpi_api.core.status import Role
from ocpi_api.modules.locations.serializers import BusinessDetailsSerializer


class CredentialsRoleSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=[r.value for r in Role])
    business_details = BusinessDetailsSerializer()
    party_id = CiStringField(min_length=1, max_length=3)
    country_code = CiStringField(min_length=2, max_length=2)


def _printable_token(value: str) -> str:
    # Printable, non-whitespace ASCII only (U+0021..U+007E), so it survives an HTTP header unencoded.
    if not value or not all(0x21 <= ord(ch) <= 0x7E for ch in value):
        raise serializers.ValidationError("Must be 1 to 64 printable ASCII characters without whitespace.")
    return value


class CredentialsSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(max_length=64, trim_whitespace=False)
    url = OcpiUrlField()
    roles = CredentialsRoleSerializer(many=True, allow_empty=False)

    def validate_token(self, value: str) -> str:
        return _printable_token(value)

    def validate_roles(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        keys = [(r["role"], r["party_id"].upper(), r["country_code"].upper()) for r in value]
        if len(keys) != len(set(keys)):
            raise serializers.ValidationError("Each (role, party_id, country_code) may appear only once.")
        return value


class Credentials211Serializer(serializers.Serializer[Any]):
    """OCPI 2.1.1 credentials.md §3.1: one party, at the top level, and no roles."""

    token = serializers.CharField(max_length=64, trim_whitespace=False)
    url = OcpiUrlField()
    business_details = BusinessDetailsSerializer()
    party_id = CiStringField(min_length=1, max_length=3)
    country_code = CiStringField(min_length=2, max_length=2)

    def validate_token(self, value: str) -> str:
        return _printable_token(value)
