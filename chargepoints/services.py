"""Writes to the station catalogue. Importers, the admin, staff pages and OCPI all change stations through here."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from .enums import EvseStatus
from .evse_rows import (
    check_connector_ids,
    connector_values,
    evse_status_to_write,
    new_connector_rows,
    validate_connector,
    validate_row,
)
from .models import EVSE, Connector, EvseStatusPeriod, ExceptionalPeriod, Location, RegularHours, touch_location
from .signals import evse_status_changed, evse_status_writing, location_changed
from .write_batch import WriteBatch


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


def _assign(instance: models.Model, values: Mapping[str, Any]) -> bool:
    """Set the given attributes and tell whether any of them changed."""
    changed = False
    for field, value in values.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed = True
    return changed


# The input fields copied as they are onto the model row (the bulk import writer builds its rows from them too).
LOCATION_SCALARS = [f for f in LocationInput.__annotations__ if f not in ("opening_times", "evses")]
EVSE_SCALARS = [f for f in EvseInput.__annotations__ if f not in ("connectors", "status")]


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
def location_upsert(*, data: LocationInput, announce: bool = True) -> UpsertResult:
    """Create or fully replace a location with its EVSEs, connectors and opening hours.

    The location is matched on its source record when it came from a data set, otherwise on its OCPI id. Nothing is
    saved when nothing changed, so re-importing the same data leaves ``last_updated`` alone. EVSEs that disappear
    from the data are set to REMOVED, never deleted. Raises ``ValidationError`` naming the offending field.
    ``announce=False`` is for bulk imports, which announce all their locations at once (``locations_imported``).
    """
    location = _find_location(data)
    created = location is None
    if location is None:
        location = Location()
    scalars = {f: data[f] for f in LOCATION_SCALARS if f in data}  # type: ignore[literal-required]
    changed = _assign(location, scalars)
    if "opening_times" in data:
        opening = data["opening_times"]
        changed |= _assign(location, {"twentyfourseven": None if opening is None else opening.get("twentyfourseven")})
    validate_row(location, "", exclude=["lat", "lon", "rated_power_w"])
    evses = data.get("evses", [])
    existing = {} if created else _current_evses(location)
    _check_evse_uids(location, evses, existing)
    if changed or created:
        location.save()
    if "opening_times" in data:
        changed |= _replace_opening_times(location, data["opening_times"], created)
    changed |= _sync_evses(location, evses, existing, created, imported=bool(data.get("source")))
    if changed and not created:
        location.refresh_from_db(fields=["last_updated"])
    if (changed or created) and announce:
        location_changed.send(sender=Location, location=location)
    return UpsertResult(location=location, created=created, changed=changed or created)


def _current_evses(location: Location) -> dict[str, EVSE]:
    # Ordering by id spares the join that the models' default ordering ("location", "id") needs.
    connectors = models.Prefetch("connectors", queryset=Connector.objects.order_by("id"))
    return {evse.uid: evse for evse in location.evses.order_by("id").prefetch_related(connectors)}


def _check_evse_uids(location: Location, evses: Sequence[EvseInput], existing: Mapping[str, EVSE]) -> None:
    uids = [e.get("uid") for e in evses if e.get("uid")]
    if len(uids) != len(set(uids)):
        raise ValidationError({"evses": "Two EVSEs of this location have the same uid."})
    unknown = [uid for uid in uids if uid not in existing]
    if not unknown:
        return
    taken = EVSE.objects.filter(uid__in=unknown)
    if location.pk:
        taken = taken.exclude(location=location)
    clash = taken.values_list("uid", "location__ocpi_id")[:1]
    if clash:
        uid, ocpi_id = clash[0]
        message = f"EVSE uid {uid} already belongs to location {ocpi_id}; uids are never reused."
        raise ValidationError({"evses.uid": message})


def _replace_opening_times(location: Location, opening: OpeningTimesInput | None, created: bool) -> bool:
    """Replace the hours and exceptions when they differ. Rows are bulk-created, so the location is touched once."""
    wanted_regular = [
        (h["weekday"], h["period_begin"], h["period_end"]) for h in (opening or {}).get("regular_hours", [])
    ]
    wanted_exceptions = [
        (kind, p["period_begin"], p["period_end"])
        for kind, key in (("opening", "exceptional_openings"), ("closing", "exceptional_closings"))
        for p in (opening or {}).get(key, [])  # type: ignore[attr-defined]
    ]
    if opening is not None and opening.get("twentyfourseven") is False and not wanted_regular:
        raise ValidationError({"opening_times.regular_hours": "Required when the location is not open 24/7."})
    if not created:
        # Ordering by id spares the join that the models' default ordering ("location", "id") needs.
        current_regular = list(
            location.regular_hours.order_by("id").values_list("weekday", "period_begin", "period_end")
        )
        current_exceptions = list(
            location.exceptional_periods.order_by("id").values_list("kind", "period_begin", "period_end")
        )
        if current_regular == wanted_regular and current_exceptions == wanted_exceptions:
            return False
        location.regular_hours.all().delete()
        location.exceptional_periods.all().delete()
    elif not wanted_regular and not wanted_exceptions:
        return False
    regular = [
        RegularHours(location=location, weekday=weekday, period_begin=begin, period_end=end)
        for weekday, begin, end in wanted_regular
    ]
    for index, hours in enumerate(regular):
        validate_row(hours, f"opening_times.regular_hours[{index}].", exclude=["location"])
    exceptions = [
        ExceptionalPeriod(location=location, kind=kind, period_begin=begin, period_end=end)
        for kind, begin, end in wanted_exceptions
    ]
    for index, period in enumerate(exceptions):
        validate_row(period, f"opening_times.exceptional_{period.kind}s[{index}].", exclude=["location"])
    RegularHours.objects.bulk_create(regular)
    ExceptionalPeriod.objects.bulk_create(exceptions)
    if not created:
        touch_location(location.pk, timezone.now())
    return True


def _sync_evses(
    location: Location, evses: Sequence[EvseInput], current: Mapping[str, EVSE], created: bool, *, imported: bool
) -> bool:
    changed = False
    existing = dict(current)
    new: list[tuple[EVSE, list[Connector]]] = []
    statuses: list[tuple[EVSE, str]] = []
    for index, evse_data in enumerate(evses):
        prefix = f"evses[{index}]."
        connectors = evse_data.get("connectors") or []
        if not connectors:
            raise ValidationError({f"{prefix}connectors": "An EVSE needs at least one connector."})
        evse = existing.pop(evse_data["uid"], None) if evse_data.get("uid") else None
        is_new = evse is None
        if evse is None:
            evse = EVSE(location=location)
        status = evse_status_to_write(evse_data, None if is_new else evse.status, imported=imported, prefix=prefix)
        values: dict[str, Any] = {f: evse_data[f] for f in EVSE_SCALARS if f in evse_data}  # type: ignore[literal-required]
        if imported:
            values["import_status"] = evse_data.get("status", EvseStatus.UNKNOWN)
        evse_changed = _assign(evse, values)
        if is_new and status is not None:
            evse.status = status
        validate_row(evse, prefix, exclude=["location"])
        if is_new:
            new.append((evse, new_connector_rows(connectors, prefix)))
            continue
        if evse_changed:
            evse.save()
        connectors_changed = _sync_connectors(evse, connectors, prefix)
        changed |= evse_changed or connectors_changed
        if status is not None and status != evse.status:
            statuses.append((evse, status))
    if new:
        _create_evses(location, new, created)
        changed = True
    statuses.extend((evse, EvseStatus.REMOVED) for evse in existing.values() if evse.status != EvseStatus.REMOVED)
    # A status change has one write path, which tells partners and cancels reservations of an EVSE out of service.
    for evse, status in statuses:
        changed |= evse_set_status(evse=evse, status=status)
    return changed


def _create_evses(location: Location, new: Sequence[tuple[EVSE, list[Connector]]], created: bool) -> None:
    """Insert new EVSEs and their connectors in two queries; save() would touch the parents once per row.

    On a location saved just now they share its timestamp; an existing location is touched once.
    """
    now = location.last_updated if created else timezone.now()
    for evse, _ in new:
        evse.last_updated = now
    EVSE.objects.bulk_create([evse for evse, _ in new])
    for evse, connectors in new:
        for connector in connectors:
            connector.evse = evse
            connector.last_updated = now
    Connector.objects.bulk_create([connector for _, connectors in new for connector in connectors])
    if not created:
        touch_location(location.pk, now)
        location.last_updated = now


def _sync_connectors(evse: EVSE, connectors: Sequence[ConnectorInput], prefix: str) -> bool:
    changed = False
    check_connector_ids(connectors, prefix)
    existing = {c.connector_id: c for c in evse.connectors.all()}
    for index, connector_data in enumerate(connectors):
        connector = existing.pop(connector_data.get("connector_id", ""), None) or Connector(evse=evse)
        if _assign(connector, connector_values(connector_data)) or connector.pk is None:
            validate_connector(connector, prefix, index)
            connector.save()
            changed = True
    if existing:
        Connector.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
        # A removed connector is a change of its EVSE and location (saving a connector does this for the others).
        evse.save(update_fields=["last_updated"])
        changed = True
    return changed


def evse_set_status(*, evse: EVSE, status: EvseStatus | str) -> bool:
    """Change an EVSE's live status. Returns whether anything changed.

    The EVSE's row, its location's stamp (``touch_location``), the status history (the open period closed, the new
    status's opened, at the EVSE's own change time) and what ``evse_status_writing``'s receivers add are written in
    one round trip (``WriteBatch``); ``evse_status_changed`` follows. No savepoint: the change is whole or not at all.
    """
    if status not in EvseStatus.values:
        raise ValidationError({"status": f"'{status}' is not an EVSE status."})
    if evse.status == status:
        return False
    old_status, evse.status, evse.last_updated = evse.status, status, timezone.now()
    with transaction.atomic(savepoint=False):
        writes = WriteBatch()
        when = connection.ops.adapt_datetimefield_value(evse.last_updated)
        sql = _status_sql()
        writes.add(sql.set_status, [str(status), when, evse.pk])
        writes.add(sql.touch_location, [when, evse.location_id])
        writes.add(sql.close_period, [when, evse.pk])
        writes.add(sql.open_period, [evse.pk, str(status), when])
        evse_status_writing.send(sender=EVSE, evse=evse, old_status=old_status, status=str(status), writes=writes)
        writes.execute()
        evse_status_changed.send(sender=EVSE, evse=evse, old_status=old_status, status=str(status))
    return True


@dataclass(frozen=True)
class _StatusSql:
    set_status: str
    touch_location: str
    close_period: str
    open_period: str


@functools.cache
def _status_sql() -> _StatusSql:
    """The status change's statements, written out: the ORM's compilation of them cost more than running them."""
    quote = connection.ops.quote_name
    evses, locations = quote(EVSE._meta.db_table), quote(Location._meta.db_table)
    periods = quote(EvseStatusPeriod._meta.db_table)
    # Only quoted names of our own models and placeholders; every value is a parameter.
    return _StatusSql(
        set_status=f"UPDATE {evses} SET {quote('status')} = %s, {quote('last_updated')} = %s WHERE {quote('id')} = %s",  # noqa: S608
        touch_location=f"UPDATE {locations} SET {quote('last_updated')} = %s WHERE {quote('id')} = %s",  # noqa: S608
        close_period=(
            f"UPDATE {periods} SET {quote('until')} = %s "  # noqa: S608
            f"WHERE {quote('evse_id')} = %s AND {quote('until')} IS NULL"
        ),
        open_period=(
            f"INSERT INTO {periods} ({quote('evse_id')}, {quote('status')}, {quote('since')}, {quote('until')}) "  # noqa: S608
            "VALUES (%s, %s, %s, NULL)"
        ),
    )


@transaction.atomic
def evses_set_status(*, evses: Iterable[EVSE], status: EvseStatus | str) -> int:
    """Bulk status change for staff actions; each EVSE is saved on its own so that its location is touched too."""
    return sum(evse_set_status(evse=evse, status=status) for evse in evses)


@transaction.atomic
def location_set_roaming(*, location: Location, enabled: bool) -> None:
    if location.roaming_enabled != enabled:
        location.roaming_enabled = enabled
        location.save(update_fields=["roaming_enabled", "last_updated", "lat", "lon"])
        location_changed.send(sender=Location, location=location)


def station_announce_change(
    *,
    location: Location,
    evse: EVSE | None = None,
    connector: Connector | None = None,
    changed_fields: Iterable[str] | None = None,
) -> None:
    """Announce an edit saved outside these services (the admin forms), in the caller's transaction.

    Pass the EVSE (and connector) when only that object changed, and ``changed_fields`` when only those fields did.
    """
    location_changed.send(
        sender=Location,
        location=location,
        evse=evse,
        connector=connector,
        changed_fields=frozenset(changed_fields or ()),
    )
