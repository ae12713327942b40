"""Writes to the station catalogue. Importers, the admin, staff pages and OCPI all change stations through here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import models, transaction

from .enums import EvseStatus
from .models import EVSE, Connector, ExceptionalPeriod, Location, RegularHours
from .signals import evse_status_changed


class ConnectorInput(TypedDict, total=False):
    connector_id: str
    standard: str
    format: str
    power_type: str
    max_voltage: int
    max_amperage: int
    max_electric_power: int | None
    tariff_ids: list[str]
    terms_and_conditions: str


class EvseInput(TypedDict, total=False):
    uid: str
    evse_id: str
    status: str
    status_schedule: list[dict[str, Any]]
    capabilities: list[str]
    floor_level: str
    latitude: str
    longitude: str
    physical_reference: str
    directions: list[dict[str, Any]]
    parking_restrictions: list[str]
    images: list[dict[str, Any]]
    connectors: list[ConnectorInput]


class RegularHoursInput(TypedDict):
    weekday: int
    period_begin: str
    period_end: str


class ExceptionalPeriodInput(TypedDict):
    period_begin: datetime
    period_end: datetime


class OpeningTimesInput(TypedDict, total=False):
    twentyfourseven: bool
    regular_hours: list[RegularHoursInput]
    exceptional_openings: list[ExceptionalPeriodInput]
    exceptional_closings: list[ExceptionalPeriodInput]


class LocationInput(TypedDict, total=False):
    country_code: str
    party_id: str
    ocpi_id: str
    publish: bool
    publish_allowed_to: list[dict[str, Any]]
    roaming_enabled: bool
    name: str
    address: str
    city: str
    postal_code: str
    state: str
    country: str
    latitude: str
    longitude: str
    related_locations: list[dict[str, Any]]
    parking_type: str
    directions: list[dict[str, Any]]
    operator: dict[str, Any] | None
    suboperator: dict[str, Any] | None
    owner: dict[str, Any] | None
    facilities: list[str]
    time_zone: str
    opening_times: OpeningTimesInput | None
    charging_when_closed: bool | None
    images: list[dict[str, Any]]
    energy_mix: dict[str, Any] | None
    source: str
    source_ref: str
    evses: list[EvseInput]


@dataclass(frozen=True)
class UpsertResult:
    location: Location
    created: bool
    changed: bool


def _prefixed(error: ValidationError, prefix: str) -> ValidationError:
    """Re-raise a model validation error with the path of the nested object, e.g. ``evses[1].connectors[0].``."""
    if hasattr(error, "error_dict"):
        return ValidationError(
            {f"{prefix}{field}": [m for e in errors for m in e.messages] for field, errors in error.error_dict.items()}
        )
    return ValidationError([f"{prefix}{message}" for message in error.messages])


def _assign(instance: models.Model, values: Mapping[str, Any]) -> bool:
    """Set the given attributes and tell whether any of them changed."""
    changed = False
    for field, value in values.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed = True
    return changed


def _validate(instance: models.Model, prefix: str, exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise _prefixed(error, prefix) from error


_LOCATION_SCALARS = [f for f in LocationInput.__annotations__ if f not in ("opening_times", "evses")]
_EVSE_SCALARS = [f for f in EvseInput.__annotations__ if f != "connectors"]


def _find_location(data: LocationInput) -> Location | None:
    queryset = Location.objects.select_for_update()
    if data.get("source") and data.get("source_ref"):
        return queryset.filter(source=data["source"], source_ref=data["source_ref"]).first()
    if "ocpi_id" in data:
        return queryset.filter(
            country_code=data.get("country_code", Location._meta.get_field("country_code").get_default()),
            party_id=data.get("party_id", Location._meta.get_field("party_id").get_default()),
            ocpi_id=data["ocpi_id"],
        ).first()
    return None


@transaction.atomic
def location_upsert(*, data: LocationInput) -> UpsertResult:
    """Create or fully replace a location with its EVSEs, connectors and opening hours.

    The location is matched on its source record when it came from a data set, otherwise on its OCPI id. Nothing is
    saved when nothing changed, so re-importing the same data leaves ``last_updated`` alone. EVSEs that disappear
    from the data are set to REMOVED, never deleted. Raises ``ValidationError`` naming the offending field.
    """
    location = _find_location(data)
    created = location is None
    if location is None:
        location = Location()
    scalars = {f: data[f] for f in _LOCATION_SCALARS if f in data}  # type: ignore[literal-required]
    changed = _assign(location, scalars)
    if "opening_times" in data:
        opening = data["opening_times"]
        changed |= _assign(location, {"twentyfourseven": None if opening is None else opening.get("twentyfourseven")})
    _validate(location, "", exclude=["lat", "lon", "rated_power_w"])
    evses = data.get("evses", [])
    _check_evse_uids(location, evses)
    if changed or created:
        location.save()
    if "opening_times" in data:
        changed |= _replace_opening_times(location, data["opening_times"])
    changed |= _sync_evses(location, evses)
    if changed and not created:
        location.refresh_from_db(fields=["last_updated"])
    return UpsertResult(location=location, created=created, changed=changed or created)


def _check_evse_uids(location: Location, evses: Sequence[EvseInput]) -> None:
    uids = [e.get("uid") for e in evses if e.get("uid")]
    if len(uids) != len(set(uids)):
        raise ValidationError({"evses": "Two EVSEs of this location have the same uid."})
    taken = EVSE.objects.filter(uid__in=uids)
    if location.pk:
        taken = taken.exclude(location=location)
    clash = taken.select_related("location").first()
    if clash:
        message = f"EVSE uid {clash.uid} already belongs to location {clash.location.ocpi_id}; uids are never reused."
        raise ValidationError({"evses.uid": message})


def _replace_opening_times(location: Location, opening: OpeningTimesInput | None) -> bool:
    wanted_regular = [
        (h["weekday"], h["period_begin"], h["period_end"]) for h in (opening or {}).get("regular_hours", [])
    ]
    wanted_exceptions = [
        (kind, p["period_begin"], p["period_end"])
        for kind, key in (("opening", "exceptional_openings"), ("closing", "exceptional_closings"))
        for p in (opening or {}).get(key, [])  # type: ignore[attr-defined]
    ]
    current_regular = list(location.regular_hours.values_list("weekday", "period_begin", "period_end"))
    current_exceptions = list(location.exceptional_periods.values_list("kind", "period_begin", "period_end"))
    if current_regular == wanted_regular and current_exceptions == wanted_exceptions:
        return False
    location.regular_hours.all().delete()
    location.exceptional_periods.all().delete()
    for index, (weekday, begin, end) in enumerate(wanted_regular):
        hours = RegularHours(location=location, weekday=weekday, period_begin=begin, period_end=end)
        _validate(hours, f"opening_times.regular_hours[{index}].", exclude=["location"])
        hours.save()
    for index, (kind, begin, end) in enumerate(wanted_exceptions):
        period = ExceptionalPeriod(location=location, kind=kind, period_begin=begin, period_end=end)
        _validate(period, f"opening_times.exceptional_{kind}s[{index}].", exclude=["location"])
        period.save()
    if opening is not None and opening.get("twentyfourseven") is False and not wanted_regular:
        raise ValidationError({"opening_times.regular_hours": "Required when the location is not open 24/7."})
    return True


def _sync_evses(location: Location, evses: Sequence[EvseInput]) -> bool:
    changed = False
    existing = {evse.uid: evse for evse in location.evses.prefetch_related("connectors")} if location.pk else {}
    for index, evse_data in enumerate(evses):
        prefix = f"evses[{index}]."
        connectors = evse_data.get("connectors") or []
        if not connectors:
            raise ValidationError({f"{prefix}connectors": "An EVSE needs at least one connector."})
        evse = existing.pop(evse_data["uid"], None) if evse_data.get("uid") else None
        is_new = evse is None
        if evse is None:
            evse = EVSE(location=location)
        evse_changed = _assign(evse, {f: evse_data[f] for f in _EVSE_SCALARS if f in evse_data})  # type: ignore[literal-required]
        _validate(evse, prefix, exclude=["location"])
        if is_new or evse_changed:
            evse.save()
        connectors_changed = _sync_connectors(evse, connectors, prefix, is_new)
        changed |= is_new or evse_changed or connectors_changed
    for evse in existing.values():
        if evse.status != EvseStatus.REMOVED:
            evse.status = EvseStatus.REMOVED
            evse.save()
            changed = True
    return changed


def _sync_connectors(evse: EVSE, connectors: Sequence[ConnectorInput], prefix: str, is_new: bool) -> bool:
    changed = False
    existing = {} if is_new else {c.connector_id: c for c in evse.connectors.all()}
    seen: set[str] = set()
    for index, connector_data in enumerate(connectors):
        connector_prefix = f"{prefix}connectors[{index}]."
        connector_id = connector_data.get("connector_id", "")
        if connector_id in seen:
            raise ValidationError({f"{connector_prefix}id": f"Connector id {connector_id} appears twice in this EVSE."})
        seen.add(connector_id)
        connector = existing.pop(connector_id, None) or Connector(evse=evse)
        values = {"max_electric_power": None, "tariff_ids": [], "terms_and_conditions": "", **connector_data}
        if _assign(connector, values) or connector.pk is None:
            _validate(connector, connector_prefix, exclude=["evse", "rated_power_w"])
            connector.save()
            changed = True
    for connector in existing.values():
        connector.delete()
        changed = True
    return changed


@transaction.atomic
def evse_set_status(*, evse: EVSE, status: EvseStatus | str) -> bool:
    """Change an EVSE's live status. Returns whether anything changed."""
    if status not in EvseStatus.values:
        raise ValidationError({"status": f"'{status}' is not an EVSE status."})
    if evse.status == status:
        return False
    old_status, evse.status = evse.status, status
    evse.save(update_fields=["status", "last_updated"])
    evse_status_changed.send(sender=EVSE, evse=evse, old_status=old_status, status=str(status))
    return True


@transaction.atomic
def evses_set_status(*, evses: Iterable[EVSE], status: EvseStatus | str) -> int:
    """Bulk status change for staff actions; each EVSE is saved on its own so that its location is touched too."""
    return sum(evse_set_status(evse=evse, status=status) for evse in evses)


def location_set_roaming(*, location: Location, enabled: bool) -> None:
    if location.roaming_enabled != enabled:
        location.roaming_enabled = enabled
        location.save(update_fields=["roaming_enabled", "last_updated", "lat", "lon"])
