"""The OCPI 2.2.1 Location codec: Location, EVSE and Connector models to OCPI JSON and back (mod_locations.asciidoc).

Output: optional fields without a value are left out (never null), DateTimes are UTC with a Z, coordinates are the
stored strings, opening_times is rebuilt from ``twentyfourseven``, RegularHours and ExceptionalPeriod, and EVSEs and
connectors keep their insertion order. Serialize querysets from ``chargepoints.selectors.location_list_for_sync`` so
that a page of locations costs a fixed number of queries.

Input: OCPI JSON becomes the domain's ``LocationInput``/``EvseInput``/``ConnectorInput``. Types, lengths and enums
are checked strictly (a number where a string belongs is an error), unknown fields are ignored, and every error
names its field, e.g. ``evses[0].connectors[1].max_voltage``. An OCPI object is complete, so an optional field that
is absent clears the stored value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from operator import attrgetter
from typing import Any, cast

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.settings import api_settings

from chargepoints import validators as domain_validators
from chargepoints.enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    EvseStatus,
    Facility,
    ImageCategory,
    ParkingRestriction,
    ParkingType,
    PowerType,
    TokenType,
)
from chargepoints.models import EVSE, Connector, ExceptionalPeriod, Location
from chargepoints.selectors import synced
from chargepoints.services import ConnectorInput, EvseInput, LocationInput
from ocpi_api.core.envelope import format_datetime
from ocpi_api.core.fields import BoolField, DateTimeField, EnumField, IntField, StringField, UrlField
from ocpi_api.core.quick_read import plain, quick_reader
from ocpi_api.modules.common import (
    EMPTY,
    DisplayTextSerializer,
    EnergyMixSerializer,
    GeoLocationSerializer,
    OcpiSerializer,
)


def _enum_list(choices: Any) -> serializers.ListField:
    return serializers.ListField(child=EnumField(choices), required=False, allow_null=True)


# --- Sub-objects (OCPI 2.2.1 mod_locations.asciidoc, Data types) ------------------------------------------------------


class AdditionalGeoLocationSerializer(GeoLocationSerializer):
    name = DisplayTextSerializer(required=False, allow_null=True)


class ImageSerializer(OcpiSerializer):
    url = UrlField()
    thumbnail = UrlField(required=False)
    category = EnumField(ImageCategory.choices)
    type = StringField(max_length=4, ascii_only=True)
    width = IntField(required=False, min_value=0, max_value=99999)
    height = IntField(required=False, min_value=0, max_value=99999)


class BusinessDetailsSerializer(OcpiSerializer):
    name = StringField(max_length=100)
    website = UrlField(required=False)
    logo = ImageSerializer(required=False, allow_null=True)


class PublishTokenTypeSerializer(OcpiSerializer):
    uid = StringField(max_length=36, ascii_only=True, required=False)
    type = EnumField(TokenType.choices, required=False)
    visual_number = StringField(max_length=64, required=False)
    issuer = StringField(max_length=64, required=False)
    group_id = StringField(max_length=36, ascii_only=True, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not any(attrs.get(key) for key in ("uid", "visual_number", "group_id")):
            raise serializers.ValidationError("Needs at least one of uid, visual_number or group_id.")
        if attrs.get("uid") and not attrs.get("type"):
            raise serializers.ValidationError({"type": "Required when uid is set."})
        if attrs.get("visual_number") and not attrs.get("issuer"):
            raise serializers.ValidationError({"issuer": "Required when visual_number is set."})
        return attrs


class RegularHoursSerializer(OcpiSerializer):
    weekday = IntField(min_value=1, max_value=7)
    period_begin = StringField(max_length=5)
    period_end = StringField(max_length=5)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for key in ("period_begin", "period_end"):
            if not domain_validators.HOUR_MINUTE_RE.match(attrs[key]):
                raise serializers.ValidationError({key: "Must be HH:MM between 00:00 and 23:59."})
        if attrs["period_end"] <= attrs["period_begin"]:
            raise serializers.ValidationError({"period_end": "Must be later than period_begin."})
        return attrs


class ExceptionalPeriodSerializer(OcpiSerializer):
    period_begin = DateTimeField()
    period_end = DateTimeField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["period_end"] <= attrs["period_begin"]:
            raise serializers.ValidationError({"period_end": "Must be later than period_begin."})
        return attrs


class HoursSerializer(OcpiSerializer):
    """Hours. On output it reads the location itself: twentyfourseven and the prefetched hours and exceptions."""

    twentyfourseven = BoolField()
    regular_hours = RegularHoursSerializer(many=True, required=False, allow_null=True)
    exceptional_openings = ExceptionalPeriodSerializer(many=True, required=False, allow_null=True)
    exceptional_closings = ExceptionalPeriodSerializer(many=True, required=False, allow_null=True)

    def get_attribute(self, instance: Location) -> Location:
        return instance

    def to_representation(self, instance: Location) -> dict[str, Any] | None:  # type: ignore[override]
        if instance.twentyfourseven is None:
            return None
        periods = synced(instance, "exceptional_periods")
        return {
            key: value
            for key, value in {
                "twentyfourseven": instance.twentyfourseven,
                "regular_hours": [_regular_hours_to_ocpi(h) for h in synced(instance, "regular_hours")],
                "exceptional_openings": [
                    _exceptional_period_to_ocpi(p) for p in periods if p.kind == ExceptionalPeriod.Kind.OPENING
                ],
                "exceptional_closings": [
                    _exceptional_period_to_ocpi(p) for p in periods if p.kind == ExceptionalPeriod.Kind.CLOSING
                ],
            }.items()
            if value not in EMPTY
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        regular = attrs.get("regular_hours") or []
        if attrs["twentyfourseven"] and regular:
            raise serializers.ValidationError({"regular_hours": "Only allowed when twentyfourseven is false."})
        if not attrs["twentyfourseven"] and not regular:
            raise serializers.ValidationError({"regular_hours": "Required when twentyfourseven is false."})
        return {
            "twentyfourseven": attrs["twentyfourseven"],
            "regular_hours": [dict(h) for h in regular],
            "exceptional_openings": [dict(p) for p in attrs.get("exceptional_openings") or []],
            "exceptional_closings": [dict(p) for p in attrs.get("exceptional_closings") or []],
        }


class StatusScheduleSerializer(OcpiSerializer):
    period_begin = DateTimeField()
    period_end = DateTimeField(required=False)
    status = EnumField(EvseStatus.choices)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Stored as JSON, so the times are kept as OCPI strings.
        return {
            key: format_datetime(value) if isinstance(value, datetime) else value
            for key, value in attrs.items()
            if value is not None
        }


# --- Connector, EVSE, Location (mod_locations.asciidoc, Object description) -------------------------------------------


class ConnectorSerializer(OcpiSerializer):
    id = StringField(source="connector_id", max_length=36, ascii_only=True)
    standard = EnumField(ConnectorType.choices)
    format = EnumField(ConnectorFormat.choices)
    power_type = EnumField(PowerType.choices)
    max_voltage = IntField(min_value=0)
    max_amperage = IntField(min_value=0)
    max_electric_power = IntField(min_value=0, required=False)
    tariff_ids = serializers.ListField(
        child=StringField(max_length=36, ascii_only=True), required=False, allow_null=True
    )
    terms_and_conditions = UrlField(required=False)
    last_updated = DateTimeField()


class EvseSerializer(OcpiSerializer):
    uid = StringField(max_length=36, ascii_only=True)
    evse_id = StringField(max_length=48, ascii_only=True, required=False)
    status = EnumField(EvseStatus.choices)
    status_schedule = StatusScheduleSerializer(many=True, required=False, allow_null=True)
    capabilities = _enum_list(Capability.choices)
    connectors = ConnectorSerializer(many=True, allow_empty=False)
    floor_level = StringField(max_length=4, required=False)
    coordinates = GeoLocationSerializer(source="*", required=False)
    physical_reference = StringField(max_length=16, required=False)
    directions = DisplayTextSerializer(many=True, required=False, allow_null=True)
    parking_restrictions = _enum_list(ParkingRestriction.choices)
    images = ImageSerializer(many=True, required=False, allow_null=True)
    last_updated = DateTimeField()


class LocationSerializer(OcpiSerializer):
    country_code = StringField(max_length=2, ascii_only=True)
    party_id = StringField(max_length=3, ascii_only=True)
    id = StringField(source="ocpi_id", max_length=36, ascii_only=True)
    publish = BoolField()
    publish_allowed_to = PublishTokenTypeSerializer(many=True, required=False, allow_null=True)
    name = StringField(max_length=255, required=False)
    address = StringField(max_length=255)
    city = StringField(max_length=45)
    postal_code = StringField(max_length=10, required=False)
    state = StringField(max_length=45, required=False)
    country = StringField(max_length=3)
    coordinates = GeoLocationSerializer(source="*")
    related_locations = AdditionalGeoLocationSerializer(many=True, required=False, allow_null=True)
    parking_type = EnumField(ParkingType.choices, required=False)
    evses = EvseSerializer(many=True, required=False, allow_null=True)
    directions = DisplayTextSerializer(many=True, required=False, allow_null=True)
    operator = BusinessDetailsSerializer(required=False, allow_null=True)
    suboperator = BusinessDetailsSerializer(required=False, allow_null=True)
    owner = BusinessDetailsSerializer(required=False, allow_null=True)
    facilities = _enum_list(Facility.choices)
    time_zone = StringField(max_length=255, validators=[domain_validators.validate_time_zone])
    opening_times = HoursSerializer(required=False, allow_null=True)
    charging_when_closed = BoolField(required=False)
    images = ImageSerializer(many=True, required=False, allow_null=True)
    energy_mix = EnergyMixSerializer(required=False, allow_null=True)
    last_updated = DateTimeField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("publish_allowed_to") and attrs["publish"]:
            raise serializers.ValidationError({"publish_allowed_to": "Only allowed when publish is false."})
        return attrs


# --- Output -------------------------------------------------------------------------------------------------------


Writer = Callable[[Any], dict[str, Any]]


def _writer(serializer: serializers.Serializer[Any], **overrides: Callable[[Any], Any]) -> Writer:
    """``serializer.to_representation`` of a model instance, without DRF's work per object and field.

    DRF walks its bound fields and resolves each source through its generic ``get_attribute`` for every object,
    which was most of the serializing time of a page of locations. Here the fields are read once from the serializer,
    which stays the one definition of the output, and each value is converted by that same field. ``overrides``
    give a field's output from the instance itself: children, ``source="*"`` sub-objects, opening_times.
    """
    steps: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any] | None]] = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        if name in overrides:
            steps.append((name, overrides[name], None))
        else:
            steps.append((name, attrgetter(".".join(field.source_attrs)), field.to_representation))

    def write(instance: Any) -> dict[str, Any]:
        data = {}
        for name, read, represent in steps:
            value = read(instance)
            if represent is not None and value is not None:
                value = represent(value)
            if value not in EMPTY:
                data[name] = value
        return data

    return write


_regular_hours_to_ocpi = _writer(RegularHoursSerializer())
_exceptional_period_to_ocpi = _writer(ExceptionalPeriodSerializer())
_coordinates_to_ocpi = _writer(GeoLocationSerializer())
_connector_to_ocpi = _writer(ConnectorSerializer())
_evse_to_ocpi = _writer(
    EvseSerializer(),
    coordinates=_coordinates_to_ocpi,
    connectors=lambda evse: [_connector_to_ocpi(connector) for connector in synced(evse, "connectors")],
)
_location_to_ocpi = _writer(
    LocationSerializer(),
    coordinates=_coordinates_to_ocpi,
    evses=lambda location: [_evse_to_ocpi(evse) for evse in synced(location, "evses")],
    opening_times=HoursSerializer().to_representation,
)


def location_to_ocpi(location: Location) -> dict[str, Any]:
    return _location_to_ocpi(location)


def locations_to_ocpi(locations: Iterable[Location]) -> list[dict[str, Any]]:
    """A page of locations; pass a queryset from ``location_list_for_sync`` (prefetched, no per-object queries)."""
    return [_location_to_ocpi(location) for location in locations]


def evse_to_ocpi(evse: EVSE) -> dict[str, Any]:
    return _evse_to_ocpi(evse)


def connector_to_ocpi(connector: Connector) -> dict[str, Any]:
    return _connector_to_ocpi(connector)


_EVSE_STATUS_FIELDS = {name: EvseSerializer().fields[name] for name in ("status", "last_updated")}


def evse_status_to_ocpi(evse: EVSE) -> dict[str, Any]:
    """The part of an EVSE's output that a status change alters: status and last_updated."""
    return {name: field.to_representation(getattr(evse, name)) for name, field in _EVSE_STATUS_FIELDS.items()}


# --- Input --------------------------------------------------------------------------------------------------------

# An OCPI object is complete: what it leaves out is cleared, so that re-sending a smaller object removes old values.
_LOCATION_DEFAULTS: dict[str, Any] = {
    "publish_allowed_to": [],
    "name": "",
    "postal_code": "",
    "state": "",
    "related_locations": [],
    "parking_type": "",
    "evses": [],
    "directions": [],
    "operator": None,
    "suboperator": None,
    "owner": None,
    "facilities": [],
    "opening_times": None,
    "charging_when_closed": None,
    "images": [],
    "energy_mix": None,
}
_EVSE_DEFAULTS: dict[str, Any] = {
    "evse_id": "",
    "status_schedule": [],
    "capabilities": [],
    "floor_level": "",
    "latitude": "",
    "longitude": "",
    "physical_reference": "",
    "directions": [],
    "parking_restrictions": [],
    "images": [],
}
_CONNECTOR_DEFAULTS: dict[str, Any] = {"max_electric_power": None, "tariff_ids": [], "terms_and_conditions": ""}


def _complete(data: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    values = {key: value for key, value in data.items() if key != "last_updated" and value is not None}
    return {**defaults, **values}


def _connector_input(data: Mapping[str, Any]) -> ConnectorInput:
    return cast(ConnectorInput, _complete(data, _CONNECTOR_DEFAULTS))


def _evse_input(data: Mapping[str, Any]) -> EvseInput:
    evse = _complete(data, _EVSE_DEFAULTS)
    evse["connectors"] = [_connector_input(c) for c in data["connectors"]]
    return cast(EvseInput, evse)


def _location_input(data: Mapping[str, Any]) -> LocationInput:
    location = _complete(data, _LOCATION_DEFAULTS)
    location["evses"] = [_evse_input(e) for e in data.get("evses") or []]
    return cast(LocationInput, location)


def _error_paths(detail: Any, path: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"evses[0].connectors[1].max_voltage": [messages]}. Errors of the object as a
    whole get Django's ``__all__`` key."""
    if isinstance(detail, Mapping):
        errors: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(key, int):
                child = f"{path}[{key}]"
            elif key == api_settings.NON_FIELD_ERRORS_KEY:
                child = path
            else:
                child = f"{path}.{key}" if path else str(key)
            for name, messages in _error_paths(value, child).items():
                errors.setdefault(name, []).extend(messages)
        return errors
    if isinstance(detail, list) and any(isinstance(item, Mapping | list) for item in detail):
        errors = {}
        for index, item in enumerate(detail):
            for name, messages in _error_paths(item, f"{path}[{index}]").items():
                errors.setdefault(name, []).extend(messages)
        return errors
    messages = detail if isinstance(detail, list) else [detail]
    return {path or NON_FIELD_ERRORS: [str(message) for message in messages]}


# One instance per type, reused: a new serializer deep-copies its whole field tree, which is most of the cost of
# reading a location. Validation keeps no state on the instance, so sharing it is safe. Each has its quick reader
# (``core.quick_read``): valid input is read without DRF's per-field machinery, and anything else is read again by
# the serializer, so that errors are DRF's.
_LOCATION_READER = LocationSerializer()
_EVSE_READER = EvseSerializer()
_CONNECTOR_READER = ConnectorSerializer()
_QUICK = {id(reader): quick_reader(reader) for reader in (_LOCATION_READER, _EVSE_READER, _CONNECTOR_READER)}


def _validated(reader: serializers.Serializer[Any], data: Any) -> dict[str, Any]:
    try:
        return cast(dict[str, Any], _QUICK[id(reader)](data))
    except (serializers.ValidationError, DjangoValidationError):
        pass
    try:
        validated = reader.run_validation(data)
    except serializers.ValidationError as error:
        raise DjangoValidationError(_error_paths(error.detail)) from error
    return cast(dict[str, Any], plain(validated))


def location_input_from_ocpi(data: Any) -> LocationInput:
    """An OCPI Location as the domain's input. Raises Django's ``ValidationError`` keyed by field path."""
    return _location_input(_validated(_LOCATION_READER, data))


def evse_input_from_ocpi(data: Any) -> EvseInput:
    return _evse_input(_validated(_EVSE_READER, data))


def connector_input_from_ocpi(data: Any) -> ConnectorInput:
    return _connector_input(_validated(_CONNECTOR_READER, data))
