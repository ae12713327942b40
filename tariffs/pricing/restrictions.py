"""When an element's restrictions hold (R1/R2), and where on the wall clock they can switch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from decimal import Decimal

from .types import MIDNIGHT, WEEKDAYS, ChargingPeriod, Restrictions


@dataclass(slots=True)
class Moment:
    local: datetime
    energy: Decimal
    duration: Decimal
    period: ChargingPeriod


def holds(r: Restrictions, m: Moment) -> bool:
    local = m.local
    if r.start_time is not None or r.end_time is not None:
        of_day = local.time()
        begin = r.start_time or MIDNIGHT
        until = r.end_time
        if until is None or until == MIDNIGHT:
            active = of_day >= begin
        elif begin < until:
            active = begin <= of_day < until
        elif until < begin:  # wraps past midnight, e.g. 22:00–06:00
            active = of_day >= begin or of_day < until
        else:
            active = True
        if not active:
            return False
    if r.start_date is not None and local.date() < r.start_date:
        return False
    if r.end_date is not None and local.date() >= r.end_date:
        return False
    if r.day_of_week and WEEKDAYS[local.weekday()] not in r.day_of_week:
        return False
    if r.min_kwh is not None and m.energy < r.min_kwh:
        return False
    if r.max_kwh is not None and m.energy >= r.max_kwh:
        return False
    if r.min_duration is not None and m.duration < r.min_duration:
        return False
    if r.max_duration is not None and m.duration >= r.max_duration:
        return False
    p = m.period
    return (
        _at_least(_either(p.min_current, p.max_current), r.min_current)
        and _below(_either(p.max_current, p.min_current), r.max_current)
        and _at_least(_either(p.min_power, p.max_power), r.min_power)
        and _below(_either(p.max_power, p.min_power), r.max_power)
    )


def _either(preferred: Decimal | None, fallback: Decimal | None) -> Decimal | None:
    return preferred if preferred is not None else fallback


def _at_least(measured: Decimal | None, limit: Decimal | None) -> bool:
    """A ``min_*`` restriction holds while the value is at or above it; an unmeasured value does not satisfy it."""
    return limit is None or (measured is not None and measured >= limit)


def _below(measured: Decimal | None, limit: Decimal | None) -> bool:
    return limit is None or (measured is not None and measured < limit)


def wall_clock_cuts(zone: tzinfo, start: datetime, end: datetime, wall_times: set[time]) -> list[datetime]:
    """Instants in (start, end) where a wall-clock restriction can switch: each listed local time on each local day
    (both occurrences on the day the clocks go back) and every UTC-offset change (the clocks going forward skip
    the listed time itself, so the switch happens at the transition)."""
    found: list[datetime] = []
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    low = datetime.combine(day, MIDNIGHT, tzinfo=zone).astimezone(UTC)
    while day <= last:
        following = day + timedelta(days=1)
        high = datetime.combine(following, MIDNIGHT, tzinfo=zone).astimezone(UTC)
        changes = low.astimezone(zone).utcoffset() != high.astimezone(zone).utcoffset()
        for wall in wall_times:
            local = datetime.combine(day, wall, tzinfo=zone)
            for moment in (local, local.replace(fold=1)) if changes else (local,):
                utc = moment.astimezone(UTC)
                if start < utc < end:
                    found.append(utc)
        if changes:
            transition = _offset_change(zone, low, high)
            if start < transition < end:
                found.append(transition)
        day, low = following, high
    return found


def _offset_change(zone: tzinfo, low: datetime, high: datetime) -> datetime:
    """The first instant in (low, high] whose UTC offset differs from low's, to the second."""
    before = low.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) // 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high
