"""OCPI 2.2.1 Token (mod_tokens.asciidoc, Token Object) both ways, and the objects of real-time authorization
(AuthorizationInfo Object, LocationReferences class).

Input is strict on types, lengths and enums and tolerant of unknown fields; output leaves out optional fields
without a value.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from chargepoints.authorization import WhitelistType
from chargepoints.enums import TokenType
from ocpi_api.core.envelope import format_datetime
from ocpi_api.core.fields import BoolField, DateTimeField, EnumField, StringField
from ocpi_api.models import EmspToken, ProfileType
from ocpi_api.modules.common import DisplayTextSerializer, OcpiSerializer

ALLOWED_TYPES = ["ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"]


class EnergyContractSerializer(OcpiSerializer):
    supplier_name = StringField(max_length=64)
    contract_id = StringField(max_length=64, required=False)


class TokenSerializer(OcpiSerializer):
    country_code = StringField(min_length=2, max_length=2, ascii_only=True)
    party_id = StringField(min_length=3, max_length=3, ascii_only=True)
    uid = StringField(min_length=1, max_length=36, ascii_only=True)
    type = EnumField(TokenType.choices)
    contract_id = StringField(min_length=1, max_length=36, ascii_only=True)
    visual_number = StringField(max_length=64, required=False)
    issuer = StringField(min_length=1, max_length=64)
    group_id = StringField(max_length=36, ascii_only=True, required=False)
    valid = BoolField()
    whitelist = EnumField(WhitelistType.choices)
    language = StringField(min_length=2, max_length=2, required=False)
    default_profile_type = EnumField(ProfileType.choices, required=False)
    energy_contract = EnergyContractSerializer(required=False, allow_null=True)
    last_updated = DateTimeField()


def token_input(data: Any, *, partial: bool = False) -> dict[str, Any]:
    """A validated Token (or the fields of a PATCH). Raises DRF's ValidationError, which the core answers with 2001."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"body": "Expected a Token object."})
    serializer = TokenSerializer(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    validated = dict(serializer.validated_data)
    if validated.get("energy_contract") is not None:
        validated["energy_contract"] = dict(validated["energy_contract"])
    return validated


def token_json(token: EmspToken) -> dict[str, Any]:
    out: dict[str, Any] = {
        "country_code": token.country_code,
        "party_id": token.party_id,
        "uid": token.uid,
        "type": token.type,
        "contract_id": token.contract_id,
    }
    if token.visual_number:
        out["visual_number"] = token.visual_number
    out["issuer"] = token.issuer
    if token.group_id:
        out["group_id"] = token.group_id
    out["valid"] = token.valid
    out["whitelist"] = token.whitelist
    if token.language:
        out["language"] = token.language
    if token.default_profile_type:
        out["default_profile_type"] = token.default_profile_type
    if token.energy_contract:
        out["energy_contract"] = {k: v for k, v in token.energy_contract.items() if v not in (None, "")}
    out["last_updated"] = format_datetime(token.last_updated)
    return out


# --- Real-time authorization: what we send and what the eMSP answers ------------------------------------------------


class LocationReferencesSerializer(OcpiSerializer):
    location_id = StringField(min_length=1, max_length=36, ascii_only=True)
    evse_uids = serializers.ListField(
        child=StringField(max_length=36, ascii_only=True), required=False, allow_null=True
    )


class AuthorizationInfoSerializer(OcpiSerializer):
    """The eMSP's answer. Its ``token`` is read loosely: we act on ``allowed``, and a partner's slightly wrong token
    echo must not turn a clear ALLOWED or BLOCKED into "no answer"."""

    allowed = EnumField(ALLOWED_TYPES)
    token = serializers.DictField(required=False, allow_null=True)
    location = LocationReferencesSerializer(required=False, allow_null=True)
    authorization_reference = StringField(max_length=36, ascii_only=True, required=False)
    info = DisplayTextSerializer(required=False, allow_null=True)


def authorization_info(data: Any) -> dict[str, Any]:
    """Validate an AuthorizationInfo. Raises DRF's ValidationError."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"data": "Expected an AuthorizationInfo object."})
    serializer = AuthorizationInfoSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
