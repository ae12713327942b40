"""OCPI 2.2.1 CDR (mod_cdrs.asciidoc, CDR Object and Data types), output only: everything comes from the sealed
``billing.models.Cdr``.

The tariff is the snapshot taken at the session's start, so the eMSP can re-price the CDR from its own periods and
get our total_cost. Cost fields without a value are left out; a zero cost is sent (0 is free, absent is unknown).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework import serializers

from billing.models import Cdr
from chargepoints.sessions.tariffs import tariff_data_from_snapshot
from ocpi_api.core.envelope import format_datetime
from ocpi_api.modules.common import ChargingPeriodSerializer, GeoLocationSerializer, PriceSerializer
from ocpi_api.modules.sessions.serializers import (
    AUTH_METHODS,
    NOT_AVAILABLE,
    CdrTokenSerializer,
    cdr_token_json,
    charging_periods_json,
    number,
    price_json,
)
from ocpi_api.modules.tariffs.serializers import TariffSerializer, tariff_json


def _cdr_location(cdr: Cdr) -> dict[str, Any]:
    out: dict[str, Any] = {"id": cdr.location_id}
    if cdr.location_name:
        out["name"] = cdr.location_name
    out["address"] = cdr.location_address
    out["city"] = cdr.location_city
    if cdr.location_postal_code:
        out["postal_code"] = cdr.location_postal_code
    if cdr.location_state:
        out["state"] = cdr.location_state
    out["country"] = cdr.location_country
    out["coordinates"] = {"latitude": cdr.location_latitude, "longitude": cdr.location_longitude}
    out["evse_uid"] = cdr.evse_uid or NOT_AVAILABLE
    out["evse_id"] = cdr.evse_id or NOT_AVAILABLE
    out["connector_id"] = cdr.connector_id or NOT_AVAILABLE
    out["connector_standard"] = cdr.connector_standard
    out["connector_format"] = cdr.connector_format
    out["connector_power_type"] = cdr.connector_power_type
    return out


def _cost(cdr: Cdr, name: str) -> dict[str, Any] | None:
    return price_json(getattr(cdr, f"total_{name}_excl_vat"), getattr(cdr, f"total_{name}_incl_vat"))


def cdr_json(cdr: Cdr) -> dict[str, Any]:
    """The whole CDR; ``cdr.session`` is read for its id (select it with the CDR)."""
    out: dict[str, Any] = {
        "country_code": cdr.country_code,
        "party_id": cdr.party_id,
        "id": cdr.ocpi_id,
        "start_date_time": format_datetime(cdr.start_date_time),
        "end_date_time": format_datetime(cdr.end_date_time),
        "session_id": cdr.session.ocpi_id,
        "cdr_token": cdr_token_json(
            country_code=cdr.token_country_code,
            party_id=cdr.token_party_id,
            uid=cdr.token_uid,
            token_type=cdr.token_type,
            contract_id=cdr.token_contract_id,
        ),
        "auth_method": cdr.auth_method,
    }
    if cdr.authorization_reference:
        out["authorization_reference"] = cdr.authorization_reference
    out["cdr_location"] = _cdr_location(cdr)
    if cdr.meter_id:
        out["meter_id"] = cdr.meter_id
    out["currency"] = cdr.currency or NOT_AVAILABLE
    if cdr.tariff_snapshot is not None:
        tariff = tariff_data_from_snapshot(cdr.tariff_snapshot)
        tariff.setdefault("last_updated", cdr.start_date_time)
        out["tariffs"] = [tariff_json(tariff)]
    out["charging_periods"] = charging_periods_json(cdr.period_facts(), session_only=False)
    total_cost = _cost(cdr, "cost")
    if total_cost is None:  # the quality gate holds unpriced CDRs, and only issued ones go out
        raise ValueError(f"CDR {cdr.ocpi_id} has no price and cannot be sent.")
    out["total_cost"] = total_cost
    for name, quantity in (("fixed", None), ("energy", cdr.total_energy), ("time", cdr.total_time)):
        if quantity is not None:
            out[f"total_{name}"] = number(quantity)
        cost = _cost(cdr, f"{name}_cost")
        if cost is not None:
            out[f"total_{name}_cost"] = cost
    out["total_parking_time"] = number(cdr.total_parking_time)
    for name in ("parking", "reservation"):
        cost = _cost(cdr, f"{name}_cost")
        if cost is not None:
            out[f"total_{name}_cost"] = cost
    if cdr.invoice_reference_id:
        out["invoice_reference_id"] = cdr.invoice_reference_id
    if cdr.remark:
        out["remark"] = cdr.remark
    if cdr.credit:
        out["credit"] = True
        out["credit_reference_id"] = cdr.credit_reference_id
    out["last_updated"] = format_datetime(cdr.last_updated)
    return out


def cdrs_json(cdrs: Iterable[Cdr]) -> list[dict[str, Any]]:
    return [cdr_json(cdr) for cdr in cdrs]


# --- Schema of the output (OpenAPI) -------------------------------------------------------------------------------


class CdrLocationSerializer(serializers.Serializer[Any]):
    id = serializers.CharField(max_length=36)
    name = serializers.CharField(max_length=255, required=False)
    address = serializers.CharField(max_length=45)
    city = serializers.CharField(max_length=45)
    postal_code = serializers.CharField(max_length=10, required=False)
    state = serializers.CharField(max_length=20, required=False)
    country = serializers.CharField(max_length=3)
    coordinates = GeoLocationSerializer()
    evse_uid = serializers.CharField(max_length=36)
    evse_id = serializers.CharField(max_length=48)
    connector_id = serializers.CharField(max_length=36)
    connector_standard = serializers.CharField()
    connector_format = serializers.CharField()
    connector_power_type = serializers.CharField()


class CdrSerializer(serializers.Serializer[Any]):
    country_code = serializers.CharField(max_length=2)
    party_id = serializers.CharField(max_length=3)
    id = serializers.CharField(max_length=39)
    start_date_time = serializers.CharField(max_length=25)
    end_date_time = serializers.CharField(max_length=25)
    session_id = serializers.CharField(max_length=36, required=False)
    cdr_token = CdrTokenSerializer()
    auth_method = serializers.ChoiceField(choices=AUTH_METHODS)
    authorization_reference = serializers.CharField(max_length=36, required=False)
    cdr_location = CdrLocationSerializer()
    meter_id = serializers.CharField(max_length=255, required=False)
    currency = serializers.CharField(max_length=3)
    tariffs = TariffSerializer(many=True, required=False)
    charging_periods = ChargingPeriodSerializer(many=True)
    total_cost = PriceSerializer()
    total_fixed_cost = PriceSerializer(required=False)
    total_energy = serializers.FloatField()
    total_energy_cost = PriceSerializer(required=False)
    total_time = serializers.FloatField()
    total_time_cost = PriceSerializer(required=False)
    total_parking_time = serializers.FloatField(required=False)
    total_parking_cost = PriceSerializer(required=False)
    total_reservation_cost = PriceSerializer(required=False)
    remark = serializers.CharField(max_length=255, required=False)
    credit = serializers.BooleanField(required=False)
    credit_reference_id = serializers.CharField(max_length=39, required=False)
    last_updated = serializers.CharField(max_length=25)
