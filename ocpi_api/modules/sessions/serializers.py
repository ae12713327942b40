"""OCPI 2.2.1 Session (mod_sessions.asciidoc, Session Object) and the JSON of the parts it shares with the CDR:
CdrToken, ChargingPeriod, Price.

Output only: sessions are ours. Numbers leave as JSON numbers with the digits we store (energy to the Wh or finer,
hours to OCPI's 4 decimals, money to 4), optional fields without a value are left out, DateTimes are UTC with a Z.
The DRF serializers below describe the same output for the OpenAPI schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from chargepoints.authorization import AuthMethod
from chargepoints.enums import TokenType
from chargepoints.models import ChargingSession
from chargepoints.sessions.enums import SessionStatus
from chargepoints.sessions.pricing import PeriodFacts
from chargepoints.sessions.selectors import session_period_facts
from ocpi_api.core.envelope import format_datetime
from ocpi_api.core.fields import BoolField, DateTimeField, EnumField
from ocpi_api.modules.common import ChargingPeriodSerializer, PriceSerializer

NOT_AVAILABLE = "#NA"  # OCPI's value for a required string that genuinely has no value (OCPI 2.2.1 types.asciidoc)
AUTH_METHODS = AuthMethod.values


def number(value: Decimal) -> int | float:
    """A Decimal as a JSON number with exactly its digits (at most 15 significant ones here, so a float is exact
    in JSON's text form). JSON-native, so the same dict can be rendered or stored in an outbox row."""
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        return int(normalized)
    return float(normalized)


def price_json(excl_vat: Decimal | None, incl_vat: Decimal | None) -> dict[str, Any] | None:
    if excl_vat is None:
        return None
    out: dict[str, Any] = {"excl_vat": number(excl_vat)}
    if incl_vat is not None:
        out["incl_vat"] = number(incl_vat)
    return out


def cdr_token_json(*, country_code: str, party_id: str, uid: str, token_type: str, contract_id: str) -> dict[str, Any]:
    return {
        "country_code": country_code,
        "party_id": party_id,
        "uid": uid,
        "type": token_type,
        "contract_id": contract_id,
    }


def charging_periods_json(periods: Sequence[PeriodFacts], *, session_only: bool) -> list[dict[str, Any]]:
    out = []
    for period in periods:
        item: dict[str, Any] = {
            "start_date_time": format_datetime(period.start),
            "dimensions": [
                {"type": str(kind), "volume": number(volume)}
                for kind, volume in period.dimensions(session_only=session_only)
            ],
        }
        if period.tariff_id:
            item["tariff_id"] = period.tariff_id
        out.append(item)
    return out


def session_json(session: ChargingSession) -> dict[str, Any]:
    """The whole Session. A still-running period ends at the charger's last report."""
    location = session.cdr_location
    out: dict[str, Any] = {
        "country_code": session.country_code,
        "party_id": session.party_id,
        "id": session.ocpi_id,
        "start_date_time": format_datetime(session.start_date_time),
    }
    if session.end_date_time is not None:
        out["end_date_time"] = format_datetime(session.end_date_time)
    out["kwh"] = number(session.kwh)
    out["cdr_token"] = cdr_token_json(
        country_code=session.token_country_code,
        party_id=session.token_party_id,
        uid=session.token_uid,
        token_type=session.token_type,
        contract_id=session.token_contract_id,
    )
    out["auth_method"] = session.auth_method
    if session.authorization_reference:
        out["authorization_reference"] = session.authorization_reference
    out["location_id"] = location["id"]
    out["evse_uid"] = location.get("evse_uid") or NOT_AVAILABLE
    out["connector_id"] = session.connector_id or NOT_AVAILABLE
    if session.meter_id:
        out["meter_id"] = session.meter_id
    # Without a tariff nobody can say what the session costs, nor in which currency (its CDR is held for review).
    out["currency"] = session.currency or NOT_AVAILABLE
    periods = session_period_facts(session=session) if session.status != SessionStatus.RESERVATION else []
    out["charging_periods"] = charging_periods_json(periods, session_only=True)
    total_cost = price_json(session.total_cost_excl_vat, session.total_cost_incl_vat)
    if total_cost is not None:
        out["total_cost"] = total_cost
    out["status"] = session.status
    out["last_updated"] = format_datetime(session.last_updated)
    return out


def sessions_json(sessions: Iterable[ChargingSession]) -> list[dict[str, Any]]:
    return [session_json(session) for session in sessions]


# --- Schema of the output (OpenAPI) -------------------------------------------------------------------------------


class CdrTokenSerializer(serializers.Serializer[Any]):
    country_code = serializers.CharField(max_length=2)
    party_id = serializers.CharField(max_length=3)
    uid = serializers.CharField(max_length=36)
    type = serializers.ChoiceField(choices=TokenType.values)
    contract_id = serializers.CharField(max_length=36)


class SessionSerializer(serializers.Serializer[Any]):
    country_code = serializers.CharField(max_length=2)
    party_id = serializers.CharField(max_length=3)
    id = serializers.CharField(max_length=36)
    start_date_time = serializers.CharField(max_length=25)
    end_date_time = serializers.CharField(max_length=25, required=False)
    kwh = serializers.FloatField()
    cdr_token = CdrTokenSerializer()
    auth_method = serializers.ChoiceField(choices=AUTH_METHODS)
    authorization_reference = serializers.CharField(max_length=36, required=False)
    location_id = serializers.CharField(max_length=36)
    evse_uid = serializers.CharField(max_length=36)
    connector_id = serializers.CharField(max_length=36)
    meter_id = serializers.CharField(max_length=255, required=False)
    currency = serializers.CharField(max_length=3)
    charging_periods = ChargingPeriodSerializer(many=True)
    total_cost = PriceSerializer(required=False)
    status = serializers.ChoiceField(choices=SessionStatus.values)
    last_updated = serializers.CharField(max_length=25)


class ChargingPreferencesSerializer(serializers.Serializer[Any]):
    """Input of PUT charging_preferences."""

    profile_type = EnumField(["CHEAP", "FAST", "GREEN", "REGULAR"])
    departure_time = DateTimeField(required=False)
    energy_need = serializers.FloatField(required=False, allow_null=True, min_value=0)
    discharge_allowed = BoolField(required=False)
