"""What the station maps draw (the public map and the staff map): the area our stations cover, and the stations in
a bounding box as markers, or as clusters counted by the database when there are too many to send.

Every function here costs a fixed number of queries whatever the number of stations: the extent is one aggregate,
an area is a count and then either the markers (one query, plus one for the time zones in play on the public map) or
the clusters (one GROUP BY over a grid whose cells shrink as the map zooms in). The area filter is the indexed
``lat``/``lon`` bounding box of the station search.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    Avg,
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Floor
from django.utils import timezone

from .enums import EvseStatus
from .models import EVSE, Location
from .opening_hours import open_now_q
from .search import BoundingBox, StationFilters, bounding_box_q, station_matches

# Above this many stations in the area the database clusters them: 2,000 markers are a few hundred kB of JSON and
# still draw smoothly (the browser clusters them again); 10,000 are neither.
MARKER_LIMIT = 2000
# Cluster cells are about this many screen pixels wide at the zoom asked for (a Web Mercator tile is 256 px).
CLUSTER_CELL_PX = 80
WORLD = BoundingBox(south=-90, west=-180, north=90, east=180)
FAULTED = (EvseStatus.OUTOFORDER, EvseStatus.INOPERATIVE)
IN_USE = (EvseStatus.CHARGING, EvseStatus.BLOCKED, EvseStatus.RESERVED)


@dataclass(frozen=True)
class MapMarker:
    id: int
    lat: float
    lon: float
    name: str
    state: str  # public: free, busy, closed; staff: available, charging, fault, unknown

    def as_json(self) -> list[Any]:
        return [self.id, self.lat, self.lon, self.name, self.state]


@dataclass(frozen=True)
class MapCluster:
    lat: float
    lon: float
    count: int
    bounds: BoundingBox

    def as_json(self) -> dict[str, Any]:
        box = self.bounds
        return {
            "lat": self.lat,
            "lon": self.lon,
            "count": self.count,
            "bounds": [box.south, box.west, box.north, box.east],
        }


@dataclass(frozen=True)
class MapArea:
    total: int
    markers: list[MapMarker]
    clusters: list[MapCluster]  # instead of markers, when ``total`` is above MARKER_LIMIT


def station_extent(*, filters: StationFilters, now: datetime | None = None) -> BoundingBox | None:
    """The smallest box holding every station that matches ``filters``; None when none does."""
    box = station_matches(filters=filters, now=now).aggregate(
        south=Min("lat"), west=Min("lon"), north=Max("lat"), east=Max("lon")
    )
    if box["south"] is None:
        return None
    return BoundingBox(south=box["south"], west=box["west"], north=box["north"], east=box["east"])


def cluster_cell_degrees(zoom: int) -> float:
    """The width in degrees of a cluster cell at ``zoom``: CLUSTER_CELL_PX screen pixels."""
    return 360 / (256 * 2.0 ** max(0, min(zoom, 22))) * CLUSTER_CELL_PX


def map_area(
    *, filters: StationFilters, area: BoundingBox, zoom: int, staff: bool, now: datetime | None = None
) -> MapArea:
    """The stations that match ``filters`` inside ``area``: markers, or clusters above MARKER_LIMIT.

    A marker's state is the public one (free, busy, closed now) or, for ``staff``, the EVSEs' worst status (any EVSE
    faulted, else any available, else any in use, else unknown).
    """
    now = now or timezone.now()
    found = station_matches(filters=filters, now=now).filter(bounding_box_q(area))
    total = found.count()
    if total > MARKER_LIMIT:
        return MapArea(total=total, markers=[], clusters=_clusters(found, cluster_cell_degrees(zoom)))
    rows = _staff_states(found) if staff else _public_states(found, now)
    markers = [MapMarker(id=pk, lat=lat, lon=lon, name=name, state=state) for pk, lat, lon, name, state in rows]
    return MapArea(total=total, markers=markers, clusters=[])


def _clusters(found: QuerySet[Location], cell: float) -> list[MapCluster]:
    groups = (
        found.annotate(cell_y=Floor(F("lat") / Value(cell)), cell_x=Floor(F("lon") / Value(cell)))
        .values("cell_y", "cell_x")
        .annotate(
            n=Count("id"),
            mean_lat=Avg("lat"),
            mean_lon=Avg("lon"),
            south=Min("lat"),
            west=Min("lon"),
            north=Max("lat"),
            east=Max("lon"),
        )
        .order_by("cell_y", "cell_x")
    )
    return [
        MapCluster(
            lat=group["mean_lat"],
            lon=group["mean_lon"],
            count=group["n"],
            bounds=BoundingBox(south=group["south"], west=group["west"], north=group["north"], east=group["east"]),
        )
        for group in groups
    ]


def _evses_in(statuses: tuple[str, ...]) -> Coalesce:
    """The number of the location's EVSEs in one of ``statuses``, as a correlated subquery (per returned row)."""
    evses = EVSE.objects.filter(location=OuterRef("pk"), status__in=statuses).order_by()
    return Coalesce(
        Subquery(evses.values("location_id").annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0
    )


def _public_states(found: QuerySet[Location], now: datetime) -> list[tuple[int, float, float, str, str]]:
    zones = list(found.values_list("time_zone", flat=True).distinct())
    rows = found.annotate(
        free=_evses_in((EvseStatus.AVAILABLE,)),
        open=ExpressionWrapper(open_now_q(now=now, time_zones=zones), output_field=BooleanField()),
    ).values_list("id", "lat", "lon", "name", "address", "free", "open")
    return [
        (pk, lat, lon, name or address, "closed" if not is_open else "free" if free else "busy")
        for pk, lat, lon, name, address, free, is_open in rows
    ]


def _staff_states(found: QuerySet[Location]) -> list[tuple[int, float, float, str, str]]:
    rows = found.annotate(
        faulted=_evses_in(FAULTED), available=_evses_in((EvseStatus.AVAILABLE,)), in_use=_evses_in(IN_USE)
    ).values_list("id", "lat", "lon", "name", "address", "faulted", "available", "in_use")
    return [
        (
            pk,
            lat,
            lon,
            name or address,
            "fault" if faulted else "available" if available else "charging" if in_use else "unknown",
        )
        for pk, lat, lon, name, address, faulted, available, in_use in rows
    ]
