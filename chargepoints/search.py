"""The station finder: the one search over our stations, shared by the partner API, the public map and staff pages.

Filters fall into three groups, and the grouping is the semantics:

- **Location** filters (place, facilities, operator, text, city, country, open now) look at the location.
- **EVSE** filters (capabilities, parking restrictions, status, available now) and **connector** filters (power,
  power type, standard, format) must all hold for *one and the same EVSE* with one connector that meets every
  connector filter: "CCS, ≥ 50 kW, card payment, available" finds a location where one charger offers all four, not
  one where a free 11 kW Type 2 stands next to a busy rapid charger. REMOVED EVSEs never match unless the status
  filter asks for them.

Place uses plain SQL that runs on SQLite and PostgreSQL: a bounding box on the indexed ``lat``/``lon`` columns, then
the exact great-circle (haversine) distance with SQL math functions (Django provides them on SQLite), ordered by
distance in the database so that pages stay cheap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from operator import and_
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import ASin, Coalesce, Cos, Least, Power, Radians, Sin, Sqrt
from django.utils import timezone

from .enums import Capability, ConnectorFormat, ConnectorType, EvseStatus, Facility, ParkingRestriction, PowerType
from .models import EVSE, Connector, ExceptionalPeriod, Location, RegularHours
from .opening_hours import open_now_q

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180


@dataclass(frozen=True)
class Near:
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class BoundingBox:
    """South-west and north-east corners. ``west > east`` means the box crosses the antimeridian."""

    south: float
    west: float
    north: float
    east: float


def _check_enum(errors: dict[str, str], name: str, values: Iterable[str], allowed: Sequence[str]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        errors[name] = f"unknown value(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}."


@dataclass(frozen=True)
class StationFilters:
    """What a searcher asks for. Every field is optional; list fields are tuples so the object stays hashable.

    Raises ``ValidationError`` naming the field when a value is out of range or not a known enum value.
    """

    near: Near | None = None
    bbox: BoundingBox | None = None
    min_power_kw: float | None = None
    power_types: tuple[str, ...] = ()  # any of
    connector_standards: tuple[str, ...] = ()  # any of
    connector_formats: tuple[str, ...] = ()  # any of
    capabilities: tuple[str, ...] = ()  # all of, on one EVSE
    open_now: bool = False
    available_now: bool = False
    facilities: tuple[str, ...] = ()  # all of
    parking_restrictions: tuple[str, ...] = ()  # all of, on one EVSE
    operator: str = ""  # operator name, case-insensitive
    text: str = ""  # every word must occur in name, address, city, postal code, location id, EVSE id or uid
    city: str = ""  # case-insensitive
    status: str = ""  # an EVSE in this status
    country: str = ""  # ISO 3166-1 alpha-3
    # Faces for the public and for partners see only published, roaming-enabled locations with a live EVSE.
    public_only: bool = False

    def __post_init__(self) -> None:
        errors: dict[str, str] = {}
        if self.near is not None:
            if not -90 <= self.near.lat <= 90:
                errors["latitude"] = "latitude must be between -90 and 90."
            if not -180 <= self.near.lon <= 180:
                errors["longitude"] = "longitude must be between -180 and 180."
            if not 0 < self.near.radius_km <= 1000:
                errors["radius_km"] = "radius_km must be greater than 0 and at most 1000."
        if self.bbox is not None:
            box = self.bbox
            if not (-90 <= box.south <= box.north <= 90 and -180 <= box.west <= 180 and -180 <= box.east <= 180):
                errors["bbox"] = (
                    "bbox must be south,west,north,east with -90 ≤ south ≤ north ≤ 90 and longitudes in ±180."
                )
        if self.near is not None and self.bbox is not None:
            errors["bbox"] = "give either a point with a radius or a bounding box, not both."
        if self.min_power_kw is not None and not 0 <= self.min_power_kw <= 10_000:
            errors["min_power_kw"] = "min_power_kw must be between 0 and 10000."
        _check_enum(errors, "power_types", self.power_types, PowerType.values)
        _check_enum(errors, "connector_standards", self.connector_standards, ConnectorType.values)
        _check_enum(errors, "connector_formats", self.connector_formats, ConnectorFormat.values)
        _check_enum(errors, "capabilities", self.capabilities, Capability.values)
        _check_enum(errors, "facilities", self.facilities, Facility.values)
        _check_enum(errors, "parking_restrictions", self.parking_restrictions, ParkingRestriction.values)
        if self.status:
            _check_enum(errors, "status", [self.status], EvseStatus.values)
        if errors:
            raise ValidationError(errors)

    @property
    def has_evse_filters(self) -> bool:
        return bool(self.capabilities or self.parking_restrictions or self.status or self.available_now)

    @property
    def has_connector_filters(self) -> bool:
        return bool(self.min_power_kw or self.power_types or self.connector_standards or self.connector_formats)


# --- Building blocks ------------------------------------------------------------------------------------------


def _json_list_has_all(field_name: str, values: Iterable[str]) -> Q:
    """Membership in a JSON list of strings, on both databases.

    PostgreSQL's ``@>`` is exact (and indexable); SQLite has no JSON containment, so there we look for the quoted
    value in the JSON text, which is exact for lists of enum strings.
    """
    values = list(values)
    if not values:
        return Q()
    if connection.features.supports_json_field_contains:
        return Q(**{f"{field_name}__contains": values})
    return reduce(and_, (Q(**{f"{field_name}__icontains": f'"{value}"'}) for value in values))


def bounding_box_q(box: BoundingBox) -> Q:
    lat = Q(lat__gte=box.south, lat__lte=box.north)
    if box.west <= box.east:
        return lat & Q(lon__gte=box.west, lon__lte=box.east)
    return lat & (Q(lon__gte=box.west) | Q(lon__lte=box.east))


def box_around(near: Near) -> BoundingBox:
    """The smallest latitude/longitude box that holds the whole circle (a superset; distance decides exactly)."""
    dlat = near.radius_km / KM_PER_DEGREE_LATITUDE
    south, north = near.lat - dlat, near.lat + dlat
    if south <= -90 or north >= 90:
        return BoundingBox(south=max(south, -90), west=-180, north=min(north, 90), east=180)
    # Meridians converge: at the box's widest latitude (the one nearest a pole) a degree of longitude is shortest.
    dlon = math.degrees(math.asin(min(1.0, math.sin(math.radians(dlat)) / math.cos(math.radians(near.lat)))))
    dlon = max(dlon, dlat / math.cos(math.radians(max(abs(south), abs(north)))))
    if dlon >= 180:
        return BoundingBox(south=south, west=-180, north=north, east=180)
    west, east = near.lon - dlon, near.lon + dlon
    if west < -180:
        west += 360
    if east > 180:
        east -= 360
    return BoundingBox(south=south, west=west, north=north, east=east)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; the same formula as :func:`distance_expression`, for results and references."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_expression(lat: float, lon: float) -> Any:
    """Haversine distance in km from (lat, lon) to each row's ``lat``/``lon``, as a SQL expression."""
    phi = math.radians(lat)
    half_dlat = (Radians(F("lat")) - Value(phi)) / Value(2.0)
    half_dlon = (Radians(F("lon")) - Value(math.radians(lon))) / Value(2.0)
    a = Power(Sin(half_dlat), 2) + Value(math.cos(phi)) * Cos(Radians(F("lat"))) * Power(Sin(half_dlon), 2)
    return Value(2 * EARTH_RADIUS_KM) * ASin(Least(Value(1.0), Sqrt(a), output_field=FloatField()))


def connector_q(filters: StationFilters, prefix: str = "") -> Q:
    q = Q()
    if filters.min_power_kw:
        q &= Q(**{f"{prefix}rated_power_w__gte": math.ceil(filters.min_power_kw * 1000)})
    if filters.power_types:
        q &= Q(**{f"{prefix}power_type__in": filters.power_types})
    if filters.connector_standards:
        q &= Q(**{f"{prefix}standard__in": filters.connector_standards})
    if filters.connector_formats:
        q &= Q(**{f"{prefix}format__in": filters.connector_formats})
    return q


def _matching_evses(filters: StationFilters) -> QuerySet[EVSE]:
    evses = EVSE.objects.filter(location=OuterRef("pk"))
    evses = evses.filter(status=filters.status) if filters.status else evses.exclude(status=EvseStatus.REMOVED)
    if filters.available_now:
        evses = evses.filter(status=EvseStatus.AVAILABLE)
    evses = evses.filter(_json_list_has_all("capabilities", filters.capabilities))
    evses = evses.filter(_json_list_has_all("parking_restrictions", filters.parking_restrictions))
    if filters.has_connector_filters:
        evses = evses.filter(Exists(Connector.objects.filter(connector_q(filters), evse=OuterRef("pk"))))
    return evses


class _InArrayOf(Func):
    """``pk = ANY(ARRAY(subquery))`` (PostgreSQL): the subquery runs once, first, and its ids are a value that the
    primary key's index can look up as one arm of a BitmapOr. ``pk IN (subquery)`` is a join, which no BitmapOr
    can hold."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY(ARRAY"
    output_field = BooleanField()


def _text_q(text: str) -> Q:
    """Every word occurs in the location's name, address, city, postal code or id, or in one of its EVSEs' ids.

    On PostgreSQL every arm of the OR is answered by an index, so a search reads only the matching rows at any page:
    the location columns by their trigram indexes (migration 0011), the EVSE ids by theirs, in a subquery whose
    locations' ids are looked up by the primary key (``_InArrayOf``). An EXISTS on the EVSEs inside the OR can use no
    index at all: the database then tests every location.
    """
    per_word = []
    for word in text.split():
        evses = EVSE.objects.filter(Q(evse_id__icontains=word) | Q(uid__icontains=word)).order_by()
        by_evse = (
            Q(_InArrayOf(F("pk"), Subquery(evses.values("location_id"))))
            if connection.vendor == "postgresql"
            else Q(pk__in=evses.values("location_id"))
        )
        per_word.append(
            Q(name__icontains=word)
            | Q(address__icontains=word)
            | Q(city__icontains=word)
            | Q(postal_code__icontains=word)
            | Q(ocpi_id__icontains=word)
            | by_evse
        )
    return reduce(and_, per_word, Q())


def _live_evses() -> QuerySet[EVSE]:
    return EVSE.objects.exclude(status=EvseStatus.REMOVED)


def _per_location(queryset: QuerySet[Any], value: Any) -> Subquery:
    """A scalar subquery aggregating ``queryset`` (already filtered on ``OuterRef('pk')``) per location.

    Correlated subqueries instead of JOIN + GROUP BY: the database computes them only for the rows of the page.
    """
    return Subquery(
        queryset.order_by()
        .values("location_id" if queryset.model is EVSE else "evse__location_id")
        .annotate(value=value)
        .values("value"),
        output_field=IntegerField(),
    )


# --- The selector ---------------------------------------------------------------------------------------------


def station_matches(*, filters: StationFilters, now: datetime | None = None) -> QuerySet[Location]:
    """Locations that match ``filters``: the filters alone, with no per-row figures and no ordering (for counts,
    extents and the map's clusters). ``now`` defaults to the current time (for ``open_now``)."""
    now = now or timezone.now()
    locations = Location.objects.all()
    if filters.public_only:
        locations = locations.filter(publish=True, roaming_enabled=True)
    if filters.near is not None:
        locations = locations.filter(bounding_box_q(box_around(filters.near)))
    if filters.bbox is not None:
        locations = locations.filter(bounding_box_q(filters.bbox))
    if filters.country:
        locations = locations.filter(country=filters.country.upper())
    if filters.city:
        locations = locations.filter(city__iexact=filters.city)
    if filters.operator:
        locations = locations.filter(operator__name__iexact=filters.operator)
    locations = locations.filter(_json_list_has_all("facilities", filters.facilities))
    if filters.text.strip():
        locations = locations.filter(_text_q(filters.text))
    if filters.has_evse_filters or filters.has_connector_filters or filters.public_only:
        locations = locations.filter(Exists(_matching_evses(filters)))
    if filters.near is not None:
        locations = locations.annotate(distance_km=distance_expression(filters.near.lat, filters.near.lon)).filter(
            distance_km__lte=filters.near.radius_km
        )
    if filters.open_now:
        # One query for the zones in play, so that the local clock is computed once per zone, not per row.
        zones = locations.order_by().values_list("time_zone", flat=True).distinct()
        locations = locations.filter(open_now_q(now=now, time_zones=list(zones)))
    return locations.order_by()


def station_figures(locations: QuerySet[Location]) -> QuerySet[Location]:
    """``locations`` with their per-row figures: ``max_power_w``, ``evse_count`` and ``available_count`` (live EVSEs
    only), as correlated subqueries that the database computes only for the rows it returns."""
    live = _live_evses().filter(location=OuterRef("pk"))
    return locations.annotate(
        max_power_w=Coalesce(
            _per_location(
                Connector.objects.filter(evse__location=OuterRef("pk")).exclude(evse__status=EvseStatus.REMOVED),
                Max("rated_power_w"),
            ),
            0,
        ),
        evse_count=Coalesce(_per_location(live, Count("pk")), 0),
        available_count=Coalesce(_per_location(live.filter(status=EvseStatus.AVAILABLE), Count("pk")), 0),
    )


def station_search(*, filters: StationFilters, now: datetime | None = None) -> QuerySet[Location]:
    """Locations that match ``filters``, annotated for display and ready to paginate.

    Annotations: those of :func:`station_figures` and, when searching near a point, ``distance_km``. Ordered by
    distance when ``near`` is given, otherwise by name and id. EVSEs (without REMOVED ones) with their connectors,
    regular hours and exceptional periods are prefetched, so a page costs the same handful of queries whatever its
    size. ``now`` defaults to the current time (for ``open_now``).
    """
    locations = station_figures(station_matches(filters=filters, now=now)).prefetch_related(
        # Explicit orderings: the models' default ones join the parent table for nothing.
        Prefetch(
            "evses",
            queryset=_live_evses()
            .order_by("id")
            .prefetch_related(Prefetch("connectors", queryset=Connector.objects.order_by("id"))),
        ),
        Prefetch("regular_hours", queryset=RegularHours.objects.order_by("weekday", "period_begin")),
        Prefetch("exceptional_periods", queryset=ExceptionalPeriod.objects.order_by("period_begin")),
    )
    if filters.near is not None:
        return locations.order_by("distance_km", "id")
    return locations.order_by("name", "id")


# --- Sorting the staff station list -----------------------------------------------------------------------------

# Whitelisted sort keys and their columns. Each order is the column list of an index and ends in a unique column, so a
# sorted page is an index scan and paging is stable. The figures (EVSEs, power, available) are per-row aggregates that
# no index holds, so they do not sort.
STATION_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "id": ("country_code", "party_id", "ocpi_id"),
    "city": ("city", "name", "id"),
}
STATION_DEFAULT_SORT = "name"


def station_sort_key(value: str | None) -> str:
    """``value`` ("city", "-name", …) if it is a known sort key, ascending or descending, else the default."""
    value = (value or "").strip()
    return value if value.removeprefix("-") in STATION_SORTS else STATION_DEFAULT_SORT


def stations_sorted(locations: QuerySet[Location], sort: str) -> QuerySet[Location]:
    """``locations`` in the order of the sort key ``sort`` (see ``station_sort_key``); a leading "-" reverses it."""
    sort = station_sort_key(sort)
    fields = STATION_SORTS[sort.removeprefix("-")]
    return locations.order_by(*(f"-{field}" for field in fields) if sort.startswith("-") else fields)
