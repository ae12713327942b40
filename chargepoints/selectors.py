"""Reads of the station catalogue. Prefetching lives here, so that pages and APIs have a constant query count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django_stubs_ext import StrOrPromise

from .enums import EvseStatus, PowerClass
from .models import EVSE, Connector, ExceptionalPeriod, Location, RegularHours


@dataclass(frozen=True)
class CatalogueOverview:
    locations: int
    roaming_locations: int
    evses: int
    connectors: int
    evses_by_status: dict[str, int]
    evses_by_power_class: dict[StrOrPromise, int]  # by label, shown in the reader's language

    @property
    def status_rows(self) -> list[tuple[str, StrOrPromise, int]]:
        """(status, its label, count) for the dashboard's table."""
        return [(status, EvseStatus(status).label, count) for status, count in self.evses_by_status.items()]


def catalogue_overview() -> CatalogueOverview:
    """Counts for the staff dashboard, in four queries whatever the size of the catalogue."""
    location_counts = Location.objects.aggregate(total=Count("pk"), roaming=Count("pk", filter=Q(roaming_enabled=True)))
    by_status = dict(EVSE.objects.values_list("status").annotate(n=Count("pk")).order_by())
    power_buckets = {
        power_class: Q(
            **({"max_power__gte": low} if low is not None else {}),
            **({"max_power__lt": high} if high is not None else {}),
        )
        for power_class, (low, high) in PowerClass.watt_ranges().items()
    }
    # Each live EVSE's most powerful connector by one GROUP BY over the connectors, then counted per class: a
    # subquery per EVSE took 1.4 s at 30,000 EVSEs.
    by_power = (
        Connector.objects.exclude(evse__status=EvseStatus.REMOVED)
        .values("evse_id")
        .annotate(max_power=Max("rated_power_w"))
        .order_by()
        .aggregate(**{str(power_class): Count("evse_id", filter=q) for power_class, q in power_buckets.items()})
    )
    return CatalogueOverview(
        locations=location_counts["total"],
        roaming_locations=location_counts["roaming"],
        evses=sum(by_status.values()),
        connectors=Connector.objects.count(),
        evses_by_status={status: by_status.get(status, 0) for status in EvseStatus.values},
        evses_by_power_class={power_class.label: by_power[str(power_class)] for power_class in power_buckets},
    )


def location_detail(*, pk: int) -> Location:
    """One location with everything its page shows, in a fixed number of queries."""
    return Location.objects.prefetch_related("evses__connectors", "regular_hours", "exceptional_periods").get(pk=pk)


def recently_changed_locations(*, limit: int = 8) -> QuerySet[Location]:
    return Location.objects.order_by("-last_updated", "-id")[:limit]


# Where location_list_for_sync puts each relation's children: "synced_evses" and so on (read them with synced()).
_SYNCED = "synced_"


def location_list_for_sync(*, date_from: datetime | None = None, date_to: datetime | None = None) -> QuerySet[Location]:
    """Locations shared with roaming partners, with everything OCPI sends, in a fixed number of queries per page.

    Ordered by last_updated then id, the order of OCPI pagination. ``date_from`` is inclusive and ``date_to``
    exclusive, as in the OCPI list parameters. Read the children with ``synced``.
    """
    locations = Location.objects.filter(roaming_enabled=True)
    if date_from is not None:
        locations = locations.filter(last_updated__gte=date_from)
    if date_to is not None:
        locations = locations.filter(last_updated__lt=date_to)
    # Children in insertion order; ordering by id spares the join that their default ordering would add. Plain lists
    # (to_attr) rather than prefetched managers: a manager's cache costs a queryset clone per object, which was a
    # third of the time of a page of 1,000 locations.
    return locations.prefetch_related(
        Prefetch("evses", queryset=EVSE.objects.order_by("id"), to_attr=f"{_SYNCED}evses"),
        Prefetch(
            f"{_SYNCED}evses__connectors", queryset=Connector.objects.order_by("id"), to_attr=f"{_SYNCED}connectors"
        ),
        Prefetch("regular_hours", queryset=RegularHours.objects.order_by("id"), to_attr=f"{_SYNCED}regular_hours"),
        Prefetch(
            "exceptional_periods",
            queryset=ExceptionalPeriod.objects.order_by("id"),
            to_attr=f"{_SYNCED}exceptional_periods",
        ),
    ).order_by("last_updated", "id")


def synced(instance: Location | EVSE, relation: str) -> list[Any]:
    """The children of a location or EVSE by relation name ("evses", "connectors", "regular_hours",
    "exceptional_periods"): as ``location_list_for_sync`` loaded them, or from the database for an object loaded
    elsewhere."""
    loaded: list[Any] | None = getattr(instance, f"{_SYNCED}{relation}", None)
    return loaded if loaded is not None else list(getattr(instance, relation).all())
