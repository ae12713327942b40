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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import reduce
from operator import and_
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import ASin, Coalesce, Cos, Least, Power, Radians, Sin, Sqrt
from django.utils import timezone

from tariffs import pricing
from tariffs.models import Tariff, TariffType
from tariffs.selectors import tariff_list
from tariffs.services import tariff_pricing

from .enums import Capability, ConnectorFormat, ConnectorType, EvseStatus, Facility, ParkingRestriction, PowerType
from .models import EVSE, Connector, ExceptionalPeriod, Location, RegularHours
from .opening_hours import is_open, open_now_q

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180
PRICE_EXAMPLE_KWH = Decimal(20)
# get_standard_display() flattens all 40 choices on every call; a page of results needs it hundreds of times.
STANDARD_LABELS: dict[str, str] = dict(ConnectorType.choices)


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


def _connector_q(filters: StationFilters, prefix: str = "") -> Q:
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
        evses = evses.filter(Exists(Connector.objects.filter(_connector_q(filters), evse=OuterRef("pk"))))
    return evses


def _text_q(text: str) -> Q:
    words = text.split()
    per_word = []
    for word in words:
        evse_match = EVSE.objects.filter(location=OuterRef("pk")).filter(
            Q(evse_id__icontains=word) | Q(uid__icontains=word)
        )
        per_word.append(
            Q(name__icontains=word)
            | Q(address__icontains=word)
            | Q(city__icontains=word)
            | Q(postal_code__icontains=word)
            | Q(ocpi_id__icontains=word)
            | Exists(evse_match)
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


def station_search(*, filters: StationFilters, now: datetime | None = None) -> QuerySet[Location]:
    """Locations that match ``filters``, annotated for display and ready to paginate.

    Annotations: ``max_power_w``, ``evse_count`` and ``available_count`` (live EVSEs only) and, when searching near a
    point, ``distance_km``. Ordered by distance when ``near`` is given, otherwise by name and id. EVSEs (without
    REMOVED ones) with their connectors, regular hours and exceptional periods are prefetched, so a page costs the
    same handful of queries whatever its size. ``now`` defaults to the current time (for ``open_now``).
    """
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

    live = _live_evses().filter(location=OuterRef("pk"))
    locations = locations.annotate(
        max_power_w=Coalesce(
            _per_location(
                Connector.objects.filter(evse__location=OuterRef("pk")).exclude(evse__status=EvseStatus.REMOVED),
                Max("rated_power_w"),
            ),
            0,
        ),
        evse_count=Coalesce(_per_location(live, Count("pk")), 0),
        available_count=Coalesce(_per_location(live.filter(status=EvseStatus.AVAILABLE), Count("pk")), 0),
    ).prefetch_related(
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


# --- Results for display --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectorSummary:
    """Connectors of one standard and power type at a location: "2 × CCS2 DC up to 150 kW, 1 free"."""

    standard: str
    standard_label: str
    power_type: str
    format: str
    max_power_kw: float
    count: int
    available: int


@dataclass(frozen=True)
class PriceExample:
    """What 20 kWh would cost if charging started now on the connector the searcher would pick."""

    tariff_id: str
    currency: str
    energy_kwh: Decimal
    power_kw: float
    connector_label: str
    excl_vat: Decimal
    incl_vat: Decimal | None


@dataclass(frozen=True)
class StationResult:
    location: Location
    distance_km: float | None
    max_power_kw: float
    evse_count: int
    available_count: int
    is_open: bool
    connectors: list[ConnectorSummary] = field(default_factory=list)
    price_example: PriceExample | None = None


def _summarise_connectors(location: Location) -> list[ConnectorSummary]:
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for evse in location.evses.all():
        for connector in evse.connectors.all():
            key = (connector.standard, connector.power_type, connector.format)
            group = groups.setdefault(key, {"max_w": 0, "count": 0, "available": 0, "label": ""})
            group["max_w"] = max(group["max_w"], connector.rated_power_w)
            group["count"] += 1
            group["available"] += evse.status == EvseStatus.AVAILABLE
            group["label"] = STANDARD_LABELS.get(connector.standard, connector.standard)
    summaries = [
        ConnectorSummary(
            standard=standard,
            standard_label=group["label"],
            power_type=power_type,
            format=fmt,
            max_power_kw=group["max_w"] / 1000,
            count=group["count"],
            available=group["available"],
        )
        for (standard, power_type, fmt), group in groups.items()
    ]
    return sorted(summaries, key=lambda s: (-s.max_power_kw, s.standard))


def _connector_fits(filters: StationFilters, connector: Connector) -> bool:
    """The connector filters of :func:`_connector_q`, for one prefetched connector."""
    return (
        (not filters.min_power_kw or connector.rated_power_w >= math.ceil(filters.min_power_kw * 1000))
        and (not filters.power_types or connector.power_type in filters.power_types)
        and (not filters.connector_standards or connector.standard in filters.connector_standards)
        and (not filters.connector_formats or connector.format in filters.connector_formats)
    )


def _chosen_connector(location: Location, filters: StationFilters) -> Connector | None:
    """The connector a searcher would use: the most powerful one that meets the connector filters."""
    connectors = [c for evse in location.evses.all() for c in evse.connectors.all()]
    fitting = [c for c in connectors if _connector_fits(filters, c)] or connectors
    return max(fitting, key=lambda c: (c.rated_power_w, -c.pk), default=None)


def _tariffs_by_id(locations: Sequence[Location]) -> dict[str, Tariff]:
    """Our own tariffs named by the page's connectors, valid for anyone (no payment or preference type)."""
    ids = {tariff_id for location in locations for evse in location.evses.all() for c in evse.connectors.all()
           for tariff_id in c.tariff_ids}  # fmt: skip
    if not ids:
        return {}
    tariffs = tariff_list().filter(
        ocpi_id__in=ids,
        country_code=settings.CPO_COUNTRY_CODE,
        party_id=settings.CPO_PARTY_ID,
        type__in=["", TariffType.REGULAR],
    )
    return {tariff.ocpi_id: tariff for tariff in tariffs}


def _price_example(
    location: Location, filters: StationFilters, tariffs: dict[str, Tariff], now: datetime
) -> PriceExample | None:
    connector = _chosen_connector(location, filters)
    if connector is None or connector.rated_power_w <= 0:
        return None
    power_kw = connector.rated_power_w / 1000
    session = pricing.Session(
        start=now,
        periods=(
            pricing.ChargingPeriod(
                start=now,
                energy=PRICE_EXAMPLE_KWH,
                charging=timedelta(hours=float(PRICE_EXAMPLE_KWH) / power_kw),
                max_power=Decimal(connector.rated_power_w) / 1000,
            ),
        ),
    )
    for tariff_id in connector.tariff_ids:
        tariff = tariffs.get(tariff_id)
        if tariff is None:
            continue
        try:
            priced = pricing.price_session(
                tariff=tariff_pricing(tariff=tariff), session=session, time_zone=location.time_zone
            )
        except (pricing.TariffNotApplicable, pricing.PricingInputError):
            continue  # not in force now, or not priceable: the next tariff id may be
        return PriceExample(
            tariff_id=tariff.ocpi_id,
            currency=priced.currency,
            energy_kwh=PRICE_EXAMPLE_KWH,
            power_kw=power_kw,
            connector_label=f"{STANDARD_LABELS.get(connector.standard, connector.standard)} {power_kw:g} kW",
            excl_vat=priced.total_cost.excl_vat,
            incl_vat=priced.total_cost.incl_vat,
        )
    return None


def station_results(
    *, locations: Iterable[Location], filters: StationFilters, now: datetime | None = None
) -> list[StationResult]:
    """Display data for one page of :func:`station_search` results.

    Adds the tariff in force with the price of 20 kWh on the connector the searcher would pick (the most powerful
    one that meets the connector filters), charging at its rated power from ``now``. Costs three queries (tariffs,
    elements, components) when the page names any tariff, whatever its size.
    """
    now = now or timezone.now()
    locations = list(locations)
    tariffs = _tariffs_by_id(locations)
    results = []
    for location in locations:
        distance = getattr(location, "distance_km", None)
        results.append(
            StationResult(
                location=location,
                distance_km=None if distance is None else float(distance),
                max_power_kw=location.max_power_w / 1000,  # type: ignore[attr-defined]
                evse_count=location.evse_count,  # type: ignore[attr-defined]
                available_count=location.available_count,  # type: ignore[attr-defined]
                is_open=is_open(location=location, now=now),
                connectors=_summarise_connectors(location),
                price_example=_price_example(location, filters, tariffs, now),
            )
        )
    return results


@dataclass(frozen=True)
class StationPage:
    total: int
    results: list[StationResult]


def station_page(
    *, filters: StationFilters, offset: int = 0, limit: int = 20, now: datetime | None = None
) -> StationPage:
    """One page of results with the total number of matches, for the API and the map.

    The total comes from a window count in the page query itself, so the filters are evaluated once, not once for the
    page and again for a COUNT; only a page past the end needs a separate count.
    """
    now = now or timezone.now()
    found = station_search(filters=filters, now=now)
    page = list(found.annotate(total_found=Window(Count("pk")))[offset : offset + limit])
    total = page[0].total_found if page else (found.count() if offset else 0)
    return StationPage(total=total, results=station_results(locations=page, filters=filters, now=now))
