"""OCPI 2.2.1 Tariff (mod_tariffs.asciidoc, Object description) and the pricing part of a CDR (mod_cdrs.asciidoc).

Both directions for the Tariff: JSON → ``TariffInput`` (validated, with the editor's rules; a bad tariff is a DRF
ValidationError, which the OCPI core answers with 2001) and model → JSON (``TariffSerializer(tariff).data``: optional
fields without a value are omitted; DateTimes in UTC with a Z; numbers as JSON numbers). And the pricing engine's
inputs from OCPI JSON: a Tariff, and a CDR's charging periods; and the CDR's cost fields from a priced session.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ocpi_api.core.envelope import format_datetime
from ocpi_api.core.fields import CiStringField, DecimalNumberField, OcpiDateTimeField, OcpiUrlField
from ocpi_api.modules.common import (
    ChargingPeriodSerializer,
    DisplayTextSerializer,
    EnergyMixSerializer,
    PriceSerializer,
)
from tariffs import pricing
from tariffs import validators as rules
from tariffs.models import RESTRICTION_FIELDS, Tariff, TariffType
from tariffs.services import PriceInput, TariffElementInput, TariffInput, pricing_tariff, tariff_data

HUNDREDTH = Decimal("0.01")
_HOUR_MINUTE_RE = re.compile(r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")
_DATE_RE = re.compile(r"^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")


# --- Fields ---------------------------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class HourMinuteField(serializers.Field[time, str, str, Any]):
    """string(5) ``HH:MM``, local time of the Location."""

    def to_internal_value(self, data: Any) -> time:
        if not isinstance(data, str) or not _HOUR_MINUTE_RE.match(data):
            raise serializers.ValidationError("Expected a local time HH:MM between 00:00 and 23:59.")
        return time(int(data[:2]), int(data[3:]))

    def to_representation(self, value: time) -> str:
        return value.strftime("%H:%M")


@extend_schema_field(OpenApiTypes.DATE)
class LocalDateField(serializers.Field[date, str, str, Any]):
    """string(10) ``YYYY-MM-DD``, local date of the Location."""

    def to_internal_value(self, data: Any) -> date:
        if not isinstance(data, str) or not _DATE_RE.match(data):
            raise serializers.ValidationError("Expected a local date YYYY-MM-DD.")
        try:
            return date.fromisoformat(data)
        except ValueError as error:
            raise serializers.ValidationError(f"Not a calendar date: {error}.") from error

    def to_representation(self, value: date) -> str:
        return value.isoformat()


# --- Tariff ---------------------------------------------------------------------------------------------------------


class PriceComponentSerializer(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=list(rules.DIMENSIONS))
    price = DecimalNumberField()
    vat = DecimalNumberField(required=False, allow_null=True)
    step_size = serializers.IntegerField(min_value=0, max_value=2**31 - 1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = rules.component_errors(
            type=attrs["type"], price=attrs["price"], vat=attrs.get("vat"), step_size=attrs["step_size"]
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class TariffRestrictionsSerializer(serializers.Serializer[Any]):
    start_time = HourMinuteField(required=False, allow_null=True)
    end_time = HourMinuteField(required=False, allow_null=True)
    start_date = LocalDateField(required=False, allow_null=True)
    end_date = LocalDateField(required=False, allow_null=True)
    min_kwh = DecimalNumberField(required=False, allow_null=True)
    max_kwh = DecimalNumberField(required=False, allow_null=True)
    min_current = DecimalNumberField(required=False, allow_null=True)
    max_current = DecimalNumberField(required=False, allow_null=True)
    min_power = DecimalNumberField(required=False, allow_null=True)
    max_power = DecimalNumberField(required=False, allow_null=True)
    min_duration = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    max_duration = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    day_of_week = serializers.ListField(
        child=serializers.ChoiceField(choices=[d.value for d in pricing.DayOfWeek]), required=False, allow_null=True
    )
    reservation = serializers.ChoiceField(
        choices=[r.value for r in pricing.ReservationRestriction], required=False, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = rules.restriction_errors(attrs)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class TariffElementSerializer(serializers.Serializer[Any]):
    price_components = PriceComponentSerializer(many=True, allow_empty=False)
    restrictions = TariffRestrictionsSerializer(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        restrictions = attrs.get("restrictions") or {}
        errors = rules.element_errors(
            component_types=[c["type"] for c in attrs["price_components"]], reservation=restrictions.get("reservation")
        )
        if errors:
            raise serializers.ValidationError({"price_components": errors})
        return attrs


class TariffSerializer(serializers.Serializer[Tariff]):
    """Reads an OCPI Tariff into a ``TariffInput``; writes a ``tariffs.models.Tariff`` as an OCPI Tariff."""

    country_code = CiStringField(min_length=2, max_length=2)
    party_id = CiStringField(min_length=3, max_length=3)
    id = CiStringField(min_length=1, max_length=36)
    currency = serializers.CharField(min_length=3, max_length=3)
    type = serializers.ChoiceField(choices=TariffType.values, required=False, allow_null=True)
    tariff_alt_text = DisplayTextSerializer(many=True, required=False, allow_null=True)
    tariff_alt_url = OcpiUrlField(required=False, allow_null=True)
    min_price = PriceSerializer(required=False, allow_null=True)
    max_price = PriceSerializer(required=False, allow_null=True)
    elements = TariffElementSerializer(many=True, allow_empty=False)
    start_date_time = OcpiDateTimeField(required=False, allow_null=True)
    end_date_time = OcpiDateTimeField(required=False, allow_null=True)
    energy_mix = EnergyMixSerializer(required=False, allow_null=True)
    last_updated = OcpiDateTimeField()

    def to_representation(self, instance: Tariff) -> dict[str, Any]:
        return tariff_json(tariff_data(tariff=instance))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = rules.tariff_errors(
            currency=attrs["currency"],
            start_date_time=attrs.get("start_date_time"),
            end_date_time=attrs.get("end_date_time"),
            min_price=attrs.get("min_price"),
            max_price=attrs.get("max_price"),
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def tariff_json(data: TariffInput) -> dict[str, Any]:
    """An OCPI Tariff object, fields in the spec's order, optional fields without a value left out."""
    out: dict[str, Any] = {
        "country_code": data["country_code"],
        "party_id": data["party_id"],
        "id": data["id"],
        "currency": data["currency"],
    }
    if data.get("type"):
        out["type"] = data["type"]
    if data.get("tariff_alt_text"):
        out["tariff_alt_text"] = [{"language": t["language"], "text": t["text"]} for t in data["tariff_alt_text"]]
    if data.get("tariff_alt_url"):
        out["tariff_alt_url"] = data["tariff_alt_url"]
    for name in ("min_price", "max_price"):
        limit: PriceInput | None = data.get(name)  # type: ignore[assignment]
        if limit is not None:
            out[name] = _price_json(limit)
    out["elements"] = [_element_json(element) for element in data["elements"]]
    for name in ("start_date_time", "end_date_time"):
        moment: datetime | None = data.get(name)  # type: ignore[assignment]
        if moment is not None:
            out[name] = format_datetime(moment)
    if data.get("energy_mix"):
        out["energy_mix"] = _without_nulls(data["energy_mix"])
    out["last_updated"] = format_datetime(data["last_updated"])
    return out


def _price_json(price: PriceInput | pricing.Price) -> dict[str, Any]:
    excl, incl = (
        (price.excl_vat, price.incl_vat)
        if isinstance(price, pricing.Price)
        else (price["excl_vat"], price.get("incl_vat"))
    )
    out: dict[str, Any] = {"excl_vat": _number(excl)}
    if incl is not None:
        out["incl_vat"] = _number(incl)
    return out


def _element_json(element: TariffElementInput) -> dict[str, Any]:
    components = []
    for c in element["price_components"]:
        component: dict[str, Any] = {"type": c["type"], "price": _number(c["price"])}
        if c.get("vat") is not None:
            component["vat"] = _number(c["vat"])  # type: ignore[arg-type]
        component["step_size"] = c["step_size"]
        components.append(component)
    out: dict[str, Any] = {"price_components": components}
    restrictions = {k: v for k, v in (element.get("restrictions") or {}).items() if v not in (None, "", [])}
    if restrictions:
        out["restrictions"] = {
            name: _restriction_json(restrictions[name]) for name in RESTRICTION_FIELDS if name in restrictions
        }
    return out


def _number(value: Decimal) -> Decimal:
    """Numbers stay Decimal: DRF's JSON renderer writes them as JSON numbers (through float, which is exact for the
    at most 12 significant digits the model and the serializer allow), and ocpi_price writes them digit for digit.
    Trailing zeros beyond the second decimal go (the serializer reads 4 decimals): 2.0000 is written 2.00."""
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        return value.quantize(HUNDREDTH)
    return value.normalize()


def _restriction_json(value: Any) -> Any:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _number(value)
    return value


def flatten_errors(detail: Any, prefix: str = "") -> list[str]:
    """DRF error details as ``elements[0].price_components[1].price: message`` lines."""
    if isinstance(detail, Mapping):
        lines: list[str] = []
        for key, value in detail.items():
            if isinstance(key, int) or str(key).isdigit():  # DRF keys list items by position
                path = f"{prefix}[{key}]"
            elif key == "non_field_errors":
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            lines.extend(flatten_errors(value, path))
        return lines
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [f"{prefix or 'tariff'}: {item}" for item in detail]
        return [
            line for index, item in enumerate(detail) if item for line in flatten_errors(item, f"{prefix}[{index}]")
        ]
    return [f"{prefix or 'tariff'}: {detail}"]


def tariff_input(data: Any) -> TariffInput:
    """Validate an OCPI Tariff (already parsed JSON). Raises ``serializers.ValidationError``."""
    serializer = TariffSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    validated: TariffInput = _without_nulls(serializer.validated_data)
    return validated


def pricing_tariff_from_ocpi(data: Any) -> pricing.Tariff:
    return pricing_tariff(data=tariff_input(data))


def _without_nulls(value: Any) -> Any:
    """OCPI: an optional field that is null means the same as an absent one."""
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


# --- CDR: the parts the engine needs ----------------------------------------------------------------------------------


_VOLUME_TYPES = {"ENERGY", "TIME", "PARKING_TIME", "RESERVATION_TIME"}


class CdrPricingSerializer(serializers.Serializer[Any]):
    """The fields of an OCPI CDR that pricing reads; the rest of the CDR passes through untouched."""

    start_date_time = OcpiDateTimeField()
    end_date_time = OcpiDateTimeField()
    currency = serializers.CharField(min_length=3, max_length=3)
    charging_periods = ChargingPeriodSerializer(many=True, allow_empty=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end_date_time"] < attrs["start_date_time"]:
            raise serializers.ValidationError({"end_date_time": "is before start_date_time."})
        for index, period in enumerate(attrs["charging_periods"]):
            if period["start_date_time"] < attrs["start_date_time"]:
                raise serializers.ValidationError(
                    {f"charging_periods[{index}].start_date_time": "is before the CDR's start_date_time."}
                )
            for dimension in period["dimensions"]:
                if dimension["type"] in _VOLUME_TYPES and dimension["volume"] < 0:
                    raise serializers.ValidationError(
                        {f"charging_periods[{index}].dimensions": f"{dimension['type']} volume cannot be negative."}
                    )
        return attrs


_DURATIONS = {"TIME": "charging", "PARKING_TIME": "parking", "RESERVATION_TIME": "reservation"}
_MEASURED = {
    "MIN_CURRENT": "min_current",
    "MAX_CURRENT": "max_current",
    "MIN_POWER": "min_power",
    "MAX_POWER": "max_power",
}


def hours_to_duration(hours: Decimal) -> timedelta:
    """A CDR's hours as a duration, to the whole second. TIME's step unit is 1 s, and hours with OCPI's 4 decimals
    resolve 0.36 s: 0.6667 h is the 40 minutes it stands for, not 2400.12 s (which a 60 s step would bill as 41)."""
    return timedelta(seconds=int((hours * 3600).to_integral_value(rounding=ROUND_HALF_EVEN)))


def pricing_session_from_cdr(data: Any) -> pricing.Session:
    """A CDR's charging periods as engine input. ENERGY is kWh, TIME/PARKING_TIME/RESERVATION_TIME are hours.

    OCPI 2.2.1 has no field saying that a reservation expired unused; a CDR that holds reservation time but no
    charging or parking at all is such a reservation (the spec's reservation examples are priced that way)."""
    serializer = CdrPricingSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    cdr = serializer.validated_data
    periods = []
    for period in cdr["charging_periods"]:
        values: dict[str, Any] = {}
        for dimension in period["dimensions"]:
            kind, volume = dimension["type"], dimension["volume"]
            if kind == "ENERGY":
                values["energy"] = values.get("energy", Decimal(0)) + volume
            elif kind in _DURATIONS:
                name = _DURATIONS[kind]
                values[name] = values.get(name, timedelta(0)) + hours_to_duration(volume)
            elif kind in _MEASURED:
                values[_MEASURED[kind]] = volume
        periods.append(pricing.ChargingPeriod(start=period["start_date_time"], **values))
    used = any(p.energy or p.charging or p.parking for p in periods)
    reserved = any(p.reservation for p in periods)
    return pricing.Session(
        start=cdr["start_date_time"], periods=tuple(periods), reservation_expired=reserved and not used
    )


# --- CDR: the cost fields from a priced session -----------------------------------------------------------------------

COST_FIELDS = (
    "total_cost",
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_reservation_cost",
)


def cdr_priced(cdr: dict[str, Any], *, tariff: TariffInput, priced: pricing.PricedSession) -> dict[str, Any]:
    """``cdr`` with every cost field from ``priced`` (whatever it held before), ``tariffs`` set to the tariff used and
    each period's ``tariff_id`` pointing at it. The quantities (total_energy, total_time, total_parking_time) are the
    meter's and are only filled in when the CDR lacks them. Everything else passes through untouched; fields come
    out in the spec's order, unknown ones after them."""
    out = dict(cdr)
    out["tariffs"] = [tariff_json(tariff)]
    out["charging_periods"] = [{**period, "tariff_id": tariff["id"]} for period in cdr["charging_periods"]]
    for name in COST_FIELDS:
        out[name] = _price_json(getattr(priced, name))
    quantities = {
        "total_energy": priced.total_energy,
        "total_time": priced.total_time,
        "total_parking_time": priced.total_parking_time,
    }
    for name, value in quantities.items():
        if out.get(name) is None:
            out[name] = _number(value)
    ordered = {name: out.pop(name) for name in CDR_FIELDS if name in out}
    return ordered | out


CDR_FIELDS = (
    "country_code",
    "party_id",
    "id",
    "start_date_time",
    "end_date_time",
    "session_id",
    "cdr_token",
    "auth_method",
    "authorization_reference",
    "cdr_location",
    "meter_id",
    "currency",
    "tariffs",
    "charging_periods",
    "signed_data",
    "total_cost",
    "total_fixed_cost",
    "total_energy",
    "total_energy_cost",
    "total_time",
    "total_time_cost",
    "total_parking_time",
    "total_parking_cost",
    "total_reservation_cost",
    "remark",
    "invoice_reference_id",
    "credit",
    "credit_reference_id",
    "home_charging_compensation",
    "last_updated",
)
