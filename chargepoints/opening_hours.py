"""Is a location open at a given instant? One rule, evaluated two ways: in SQL for search, in Python for display.

The rule (OCPI 2.2.1 Hours, with our reading of the gaps):

- An exceptional closing that covers the instant closes the location, whatever else says.
- Otherwise it is open when it is open 24/7, when no opening hours were given (``twentyfourseven`` is null),
  when an exceptional opening covers the instant, or when a regular period of the local weekday covers the local
  time of day.
- Periods include their beginning and exclude their end. Regular periods are compared to the local time truncated
  to the minute, and a period ending at ``23:59`` runs to midnight: OCPI has no ``24:00``, so ``22:00–23:59`` plus
  ``00:00–06:00`` is how an overnight span is written, and it must not have a one-minute hole.

Regular hours are in the location's own time zone. SQL cannot convert time zones portably (SQLite has no zone
data), so :func:`open_now_q` computes the local weekday and time once per distinct zone in Python and puts the
results into the query as constants: the SQL then only compares strings and integers against indexed columns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import reduce
from operator import or_
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q

from .models import ExceptionalPeriod, Location, RegularHours

END_OF_DAY = "23:59"


def local_weekday_and_time(*, now: datetime, time_zone: str) -> tuple[int, str]:
    """ISO weekday (1 = Monday) and ``HH:MM`` of ``now`` on the wall clock of ``time_zone``."""
    local = now.astimezone(ZoneInfo(time_zone))
    return local.isoweekday(), local.strftime("%H:%M")


def regular_period_covers(*, begin: str, end: str, hhmm: str) -> bool:
    return begin <= hhmm and (hhmm < end or end == END_OF_DAY)


def is_open(*, location: Location, now: datetime) -> bool:
    """Python evaluation for one location. Uses ``regular_hours`` and ``exceptional_periods`` (prefetch them)."""
    now = now.astimezone(UTC)
    exceptions = list(location.exceptional_periods.all())

    def covered(kind: str) -> bool:
        return any(p.kind == kind and p.period_begin <= now < p.period_end for p in exceptions)

    if covered(ExceptionalPeriod.Kind.CLOSING):
        return False
    if location.twentyfourseven is not False or covered(ExceptionalPeriod.Kind.OPENING):
        return True
    weekday, hhmm = local_weekday_and_time(now=now, time_zone=location.time_zone)
    return any(
        h.weekday == weekday and regular_period_covers(begin=h.period_begin, end=h.period_end, hhmm=hhmm)
        for h in location.regular_hours.all()
    )


def _exception_covers(kind: str, now: datetime) -> Exists:
    return Exists(
        ExceptionalPeriod.objects.filter(location=OuterRef("pk"), kind=kind, period_begin__lte=now, period_end__gt=now)
    )


def open_now_q(*, now: datetime, time_zones: Iterable[str]) -> Q:
    """A filter on Location that is true when the location is open at ``now``.

    ``time_zones`` must hold every zone of the locations being filtered; zones whose wall clocks agree share one
    condition, so a continent's worth of locations costs a handful of ``EXISTS`` clauses, not one per location.
    """
    zones_by_clock: dict[tuple[int, str], list[str]] = defaultdict(list)
    for zone in sorted(set(time_zones)):
        zones_by_clock[local_weekday_and_time(now=now, time_zone=zone)].append(zone)
    regular = [
        Q(time_zone__in=zones)
        & Exists(
            RegularHours.objects.filter(location=OuterRef("pk"), weekday=weekday, period_begin__lte=hhmm).filter(
                Q(period_end__gt=hhmm) | Q(period_end=END_OF_DAY)
            )
        )
        for (weekday, hhmm), zones in zones_by_clock.items()
    ]
    open_without_regular_hours = (
        Q(twentyfourseven=True)
        | Q(twentyfourseven__isnull=True)
        | _exception_covers(ExceptionalPeriod.Kind.OPENING, now)
    )
    return ~_exception_covers(ExceptionalPeriod.Kind.CLOSING, now) & reduce(or_, regular, open_without_regular_hours)
