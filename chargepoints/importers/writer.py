"""The write path of bulk imports: new locations in a few multi-row INSERTs, the others through ``location_upsert``.

Every object is validated exactly as ``location_upsert`` validates it (the same model validators, the same paths in
the messages); only the saving differs. A record that fails validation is reported and never stops its batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError

from ..enums import EvseStatus
from ..evse_rows import evse_status_to_write, new_connector_rows, validate_row
from ..models import EVSE, Connector, ExceptionalPeriod, Location, LocationRepair, RegularHours
from ..services import EVSE_SCALARS, LOCATION_SCALARS, LocationInput
from .repairs import Repair
from .rows import insert_rows


@dataclass
class NewLocation:
    data: LocationInput
    import_hash: str
    repairs: Sequence[Repair]


@dataclass
class _Prepared:
    location: Location
    evses: list[tuple[EVSE, list[Connector]]]
    regular: list[RegularHours]
    exceptions: list[ExceptionalPeriod]


def _prepare(item: NewLocation, now: datetime) -> _Prepared:
    """The unsaved rows of one location, validated; raises ``ValidationError`` naming the field."""
    data = item.data
    location = Location(**{f: data[f] for f in LOCATION_SCALARS if f in data})  # type: ignore[literal-required]
    opening = data.get("opening_times")
    location.twentyfourseven = None if opening is None else opening.get("twentyfourseven")
    location.import_hash = item.import_hash
    validate_row(location, "", exclude=["lat", "lon", "rated_power_w"])
    location.lat, location.lon = float(location.latitude), float(location.longitude)
    location.created = location.last_updated = now
    evses = []
    uids: set[str] = set()
    imported = bool(data.get("source"))
    for index, evse_data in enumerate(data.get("evses", [])):
        prefix = f"evses[{index}]."
        connectors = evse_data.get("connectors") or []
        if not connectors:
            raise ValidationError({f"{prefix}connectors": "An EVSE needs at least one connector."})
        # location_id given (None until the location is saved): spares ForeignKey.get_default per row.
        evse = EVSE(location_id=None, **{f: evse_data[f] for f in EVSE_SCALARS if f in evse_data})  # type: ignore[misc,literal-required]
        # A data set's status is a snapshot, not live: the same rule as location_upsert (kept as import_status).
        status = evse_status_to_write(evse_data, None, imported=imported, prefix=prefix)
        if imported:
            evse.import_status = evse_data.get("status", EvseStatus.UNKNOWN)
        if status is not None:
            evse.status = status
        if evse.uid in uids:
            raise ValidationError({"evses": "Two EVSEs of this location have the same uid."})
        uids.add(evse.uid)
        validate_row(evse, prefix, exclude=["location"])
        evse.last_updated = now
        plugs = new_connector_rows(connectors, prefix)
        for connector in plugs:
            connector.last_updated = now
        evses.append((evse, plugs))
    regular = [
        RegularHours(weekday=h["weekday"], period_begin=h["period_begin"], period_end=h["period_end"])
        for h in (opening or {}).get("regular_hours", [])
    ]
    if opening is not None and opening.get("twentyfourseven") is False and not regular:
        raise ValidationError({"opening_times.regular_hours": "Required when the location is not open 24/7."})
    for index, hours in enumerate(regular):
        validate_row(hours, f"opening_times.regular_hours[{index}].", exclude=["location"])
    exceptions = [
        ExceptionalPeriod(kind=kind, period_begin=p["period_begin"], period_end=p["period_end"])
        for kind, key in (("opening", "exceptional_openings"), ("closing", "exceptional_closings"))
        for p in (opening or {}).get(key, [])  # type: ignore[attr-defined]
    ]
    for index, period in enumerate(exceptions):
        validate_row(period, f"opening_times.exceptional_{period.kind}s[{index}].", exclude=["location"])
    return _Prepared(location, evses, regular, exceptions)


def prepare_new_locations(
    items: Sequence[NewLocation], now: datetime
) -> tuple[list[tuple[NewLocation, _Prepared]], list[tuple[NewLocation, ValidationError]]]:
    """Validate new locations; the valid ones are ready for ``locations_create_bulk``."""
    ready, failed = [], []
    for item in items:
        try:
            ready.append((item, _prepare(item, now)))
        except ValidationError as error:
            failed.append((item, error))
    return ready, failed


def locations_create_bulk(ready: Sequence[tuple[NewLocation, _Prepared]], now: datetime) -> list[Location]:
    """Insert prepared locations with everything below them, one INSERT per table. Call inside a transaction.

    Sends no signal: the import announces what it created once, with ``locations_imported``.
    """
    locations = [prepared.location for _, prepared in ready]
    insert_rows(Location, locations)
    evses, connectors, hours, periods, repairs = [], [], [], [], []
    for (item, prepared), location in zip(ready, locations, strict=True):
        for evse, plugs in prepared.evses:
            evse.location = location
            evses.append((evse, plugs))
        for row in prepared.regular:
            row.location = location
            hours.append(row)
        for period in prepared.exceptions:
            period.location = location
            periods.append(period)
        repairs += repair_rows(location, item.repairs, now)
    insert_rows(EVSE, [evse for evse, _ in evses])
    for evse, plugs in evses:
        for connector in plugs:
            connector.evse = evse
            connectors.append(connector)
    insert_rows(Connector, connectors)
    insert_rows(RegularHours, hours)
    insert_rows(ExceptionalPeriod, periods)
    insert_rows(LocationRepair, repairs)
    return locations


def repair_rows(location: Location, repairs: Sequence[Repair], now: datetime) -> list[LocationRepair]:
    return [
        LocationRepair(
            location_id=location.pk,  # the id, not the instance: the FK descriptor is slow per row
            rule=repair.rule,
            field=repair.field[:255],
            before=repair.before,
            after=repair.after,
            derived=repair.derived,
            imported_at=now,
        )
        for repair in repairs
    ]


def location_repairs_replace(location: Location, repairs: Sequence[Repair], now: datetime) -> None:
    """A re-imported location's repairs: those staff have not dealt with yet are replaced by the new ones."""
    LocationRepair.objects.filter(location=location, status=LocationRepair.Status.OPEN).delete()
    LocationRepair.objects.bulk_create(repair_rows(location, repairs, now))
