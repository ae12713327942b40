"""Station search for partners: the query parameters in, the matching stations out.

Parameters use OCPI's own enum values (ConnectorType, PowerType, Capability, Facility, ParkingRestriction), so an
eMSP can pass through what it already knows. List parameters take several values, comma-separated or repeated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chargepoints.enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    EvseStatus,
    Facility,
    ParkingRestriction,
    PowerType,
)
from chargepoints.search import BoundingBox, Near, StationFilters
from chargepoints.search_results import ConnectorSummary, PriceExample, StationResult
from ocpi_api.core.fields import DateTimeField
from ocpi_api.core.params import PAGING_MAX
from ocpi_api.modules.common import GeoLocationSerializer

DEFAULT_RADIUS_KM = 10.0
SEARCH_DEFAULT_PAGE_SIZE = 20
# Each result is priced with the tariff engine, so pages are smaller than the OCPI Locations maximum.
SEARCH_MAX_PAGE_SIZE = 200


class EnumListField(serializers.ListField):
    """Values of one OCPI enum, given as ``a,b`` or as a repeated parameter. An unknown value names the parameter."""

    def __init__(self, *, allowed: Sequence[str], **kwargs: Any) -> None:
        self.allowed = list(allowed)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", f"One or more of {', '.join(self.allowed)}; comma-separated or repeated.")
        # The child documents the values in the schema; to_internal_value below does the checking.
        super().__init__(child=serializers.ChoiceField(choices=self.allowed), **kwargs)

    def to_internal_value(self, data: Any) -> list[str]:
        raw = data if isinstance(data, list) else [data]
        values = [part.strip() for item in raw for part in str(item).split(",") if part.strip()]
        unknown = [value for value in values if value not in self.allowed]
        if unknown:
            raise serializers.ValidationError(
                f"unknown value {', '.join(repr(u) for u in unknown)}; allowed: {', '.join(self.allowed)}."
            )
        return list(dict.fromkeys(values))


@extend_schema_field(OpenApiTypes.STR)
class BboxField(serializers.Field[BoundingBox, str, str, Any]):
    def to_internal_value(self, data: Any) -> BoundingBox:
        parts = str(data).split(",")
        try:
            south, west, north, east = (float(part) for part in parts)
        except ValueError as error:
            raise serializers.ValidationError("must be four numbers: south,west,north,east.") from error
        if not (-90 <= south <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
            raise serializers.ValidationError(
                "must be south,west,north,east with -90 <= south <= north <= 90 and longitudes within ±180 "
                "(west > east crosses the antimeridian)."
            )
        return BoundingBox(south=south, west=west, north=north, east=east)


class StationSearchQuerySerializer(serializers.Serializer[Any]):
    latitude = serializers.FloatField(
        required=False, min_value=-90, max_value=90, help_text="Search around this point (with longitude)."
    )
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    radius_km = serializers.FloatField(
        required=False,
        help_text=f"Radius around the point, more than 0 and at most 1000; default {DEFAULT_RADIUS_KM:g}.",
    )
    bbox = BboxField(required=False, help_text="south,west,north,east in degrees; instead of a point.")
    min_power_kw = serializers.FloatField(required=False, min_value=0, max_value=10_000)
    power_type = EnumListField(allowed=PowerType.values)
    connector_standard = EnumListField(allowed=ConnectorType.values)
    connector_format = EnumListField(allowed=ConnectorFormat.values)
    capability = EnumListField(allowed=Capability.values, help_text="All of these, on one EVSE.")
    facility = EnumListField(allowed=Facility.values, help_text="All of these.")
    parking_restriction = EnumListField(allowed=ParkingRestriction.values, help_text="All of these, on one EVSE.")
    evse_status = serializers.ChoiceField(
        required=False, choices=EvseStatus.values, help_text="An EVSE in this status."
    )
    open_now = serializers.BooleanField(required=False, help_text="Open now in the location's own time zone.")
    available_now = serializers.BooleanField(required=False, help_text="An EVSE that matches is AVAILABLE now.")
    operator = serializers.CharField(required=False, max_length=255, help_text="Operator name, case-insensitive.")
    city = serializers.CharField(required=False, max_length=45)
    country = serializers.RegexField(r"^[A-Za-z]{3}$", required=False, help_text="ISO 3166-1 alpha-3.")
    q = serializers.CharField(
        required=False, max_length=100, help_text="Free text: name, address, city, location id, EVSE id."
    )
    offset = serializers.IntegerField(required=False, min_value=0, max_value=PAGING_MAX, default=0)
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=PAGING_MAX,
        default=SEARCH_DEFAULT_PAGE_SIZE,
        help_text=f"Page size; capped at {SEARCH_MAX_PAGE_SIZE} (X-Limit).",
    )

    def validate_radius_km(self, value: float) -> float:
        if not 0 < value <= 1000:
            raise serializers.ValidationError("must be more than 0 and at most 1000.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_lat, has_lon = "latitude" in attrs, "longitude" in attrs
        if has_lat != has_lon:
            raise serializers.ValidationError(
                {"longitude" if has_lat else "latitude": "latitude and longitude go together."}
            )
        if "radius_km" in attrs and not has_lat:
            raise serializers.ValidationError({"radius_km": "needs latitude and longitude."})
        if has_lat and "bbox" in attrs:
            raise serializers.ValidationError({"bbox": "give either latitude/longitude or bbox, not both."})
        return attrs

    def filters(self) -> StationFilters:
        """The validated parameters as the domain's filters: public, roaming-enabled stations only."""
        data = self.validated_data
        near = None
        if "latitude" in data:
            near = Near(lat=data["latitude"], lon=data["longitude"], radius_km=data.get("radius_km", DEFAULT_RADIUS_KM))
        return StationFilters(
            near=near,
            bbox=data.get("bbox"),
            min_power_kw=data.get("min_power_kw"),
            power_types=tuple(data.get("power_type", ())),
            connector_standards=tuple(data.get("connector_standard", ())),
            connector_formats=tuple(data.get("connector_format", ())),
            capabilities=tuple(data.get("capability", ())),
            facilities=tuple(data.get("facility", ())),
            parking_restrictions=tuple(data.get("parking_restriction", ())),
            status=data.get("evse_status", ""),
            open_now=data.get("open_now", False),
            available_now=data.get("available_now", False),
            operator=data.get("operator", ""),
            city=data.get("city", ""),
            country=data.get("country", "").upper(),
            text=data.get("q", ""),
            public_only=True,
        )

    @property
    def page(self) -> tuple[int, int]:
        return self.validated_data["offset"], min(self.validated_data["limit"], SEARCH_MAX_PAGE_SIZE)


# --- Output -----------------------------------------------------------------------------------------------------


class ConnectorSummarySerializer(serializers.Serializer[ConnectorSummary]):
    standard = serializers.CharField(help_text="OCPI ConnectorType.")
    format = serializers.CharField(help_text="OCPI ConnectorFormat.")
    power_type = serializers.CharField(help_text="OCPI PowerType.")
    max_power_kw = serializers.FloatField()
    count = serializers.IntegerField(help_text="Connectors of this kind at the location.")
    available = serializers.IntegerField(help_text="Of those, on an AVAILABLE EVSE.")


class PriceExampleSerializer(serializers.Serializer[PriceExample]):
    tariff_id = serializers.CharField(help_text="The OCPI Tariff in force, as in the Tariffs module.")
    currency = serializers.CharField()
    energy_kwh = serializers.CharField(help_text="Decimal string: the energy priced, 20 kWh.")
    connector = serializers.CharField(
        source="connector_label", help_text="The connector priced: the most powerful that fits."
    )
    excl_vat = serializers.CharField(help_text="Decimal string, rounded to the currency's minor unit.")
    incl_vat = serializers.CharField(allow_null=True, help_text="Decimal string; null when the tariff gives no VAT.")


class StationSerializer(serializers.Serializer[StationResult]):
    """One matching location. Identifiers are the OCPI ones, so details can be fetched from the Locations module."""

    country_code = serializers.CharField(source="location.country_code")
    party_id = serializers.CharField(source="location.party_id")
    location_id = serializers.CharField(source="location.ocpi_id")
    name = serializers.CharField(source="location.name")
    address = serializers.CharField(source="location.address")
    city = serializers.CharField(source="location.city")
    postal_code = serializers.CharField(source="location.postal_code")
    country = serializers.CharField(source="location.country")
    coordinates = GeoLocationSerializer(source="location")
    time_zone = serializers.CharField(source="location.time_zone")
    operator = serializers.SerializerMethodField()
    facilities = serializers.ListField(child=serializers.CharField(), source="location.facilities")
    distance_km = serializers.FloatField(allow_null=True, help_text="From the search point; null without one.")
    max_power_kw = serializers.FloatField()
    evse_count = serializers.IntegerField()
    available_count = serializers.IntegerField()
    is_open = serializers.BooleanField(help_text="Open now, by opening hours and exceptions in the local time zone.")
    connectors = ConnectorSummarySerializer(many=True)
    price_example = PriceExampleSerializer(allow_null=True, help_text="20 kWh now on the connector that fits best.")
    last_updated = DateTimeField(source="location.last_updated")

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Operator name; null when none is known."))
    def get_operator(self, result: StationResult) -> str | None:
        operator = result.location.operator or {}
        return operator.get("name") or None
