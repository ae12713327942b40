"""Between sessions and the pricing engine: the facts of a charging period, their price, and where prices change.

A session's running cost and its CDR's cost both come from :func:`price_periods` on the same :class:`PeriodFacts`, so
the cost shown at the stop is the cost billed. Durations stay exact (datetimes, timedeltas) all the way into the
engine: an hour has no finite decimal for one second, and step_size rounding must never see a rounded hour.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, localcontext
from typing import Any
from zoneinfo import ZoneInfo

from tariffs import pricing

from .enums import CdrDimensionType

ZERO = Decimal(0)
MICROSECONDS_PER_SECOND = Decimal(1_000_000)
KWH_QUANTUM = Decimal("0.000001")  # 1 mWh: the resolution periods store energy at


@dataclass(frozen=True)
class PeriodFacts:
    """What happened in one charging period; ``end`` is the next period's start (or the session's end)."""

    start: datetime
    end: datetime
    parking: bool
    tariff_id: str
    energy_kwh: Decimal
    min_power_kw: Decimal | None = None
    max_power_kw: Decimal | None = None
    min_current_a: Decimal | None = None
    max_current_a: Decimal | None = None
    ampere_seconds: Decimal = ZERO

    @property
    def microseconds(self) -> int:
        return (self.end - self.start) // timedelta(microseconds=1)

    def hours(self) -> Decimal:
        return pricing.exact_hours(self.end - self.start)

    def dimensions(self, *, session_only: bool) -> list[tuple[CdrDimensionType, Decimal]]:
        """The OCPI CdrDimensions of this period (hours as the engine rounds them). ``session_only`` adds POWER and
        CURRENT."""
        d = CdrDimensionType
        hours = pricing.hours_of(self.end - self.start)
        out: list[tuple[CdrDimensionType, Decimal]] = [
            (d.ENERGY, self.energy_kwh),
            (d.PARKING_TIME, hours) if self.parking else (d.TIME, hours),
        ]
        measured = (
            (d.MIN_POWER, self.min_power_kw),
            (d.MAX_POWER, self.max_power_kw),
            (d.MIN_CURRENT, self.min_current_a),
            (d.MAX_CURRENT, self.max_current_a),
        )
        out.extend((kind, value) for kind, value in measured if value is not None)
        if session_only and self.microseconds:
            seconds = Decimal(self.microseconds) / MICROSECONDS_PER_SECOND
            if not self.parking:
                with localcontext(prec=50):
                    average_kw = self.energy_kwh / self.hours()
                out.append((d.POWER, average_kw.quantize(KWH_QUANTUM)))
            if self.min_current_a is not None:
                out.append((d.CURRENT, (self.ampere_seconds / seconds).quantize(Decimal("0.001"))))
        return out

    def to_json(self) -> dict[str, Any]:
        """Exact, JSON-safe form (ISO datetimes, Decimal strings) for copies that must be re-priceable, e.g. CDRs."""
        return {
            "start": _iso(self.start),
            "end": _iso(self.end),
            "parking": self.parking,
            "tariff_id": self.tariff_id,
            "energy_kwh": str(self.energy_kwh),
            "min_power_kw": _text(self.min_power_kw),
            "max_power_kw": _text(self.max_power_kw),
            "min_current_a": _text(self.min_current_a),
            "max_current_a": _text(self.max_current_a),
            "ampere_seconds": str(self.ampere_seconds),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PeriodFacts:
        return cls(
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]),
            parking=bool(data["parking"]),
            tariff_id=str(data["tariff_id"]),
            energy_kwh=Decimal(data["energy_kwh"]),
            min_power_kw=_decimal(data.get("min_power_kw")),
            max_power_kw=_decimal(data.get("max_power_kw")),
            min_current_a=_decimal(data.get("min_current_a")),
            max_current_a=_decimal(data.get("max_current_a")),
            ampere_seconds=Decimal(data.get("ampere_seconds") or 0),
        )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def engine_session(*, start: datetime, periods: Sequence[PeriodFacts]) -> pricing.Session:
    return pricing.Session(
        start=start,
        periods=tuple(
            pricing.ChargingPeriod(
                start=p.start,
                energy=p.energy_kwh,
                charging=timedelta(0) if p.parking else p.end - p.start,
                parking=p.end - p.start if p.parking else timedelta(0),
                min_current=p.min_current_a,
                max_current=p.max_current_a,
                min_power=p.min_power_kw,
                max_power=p.max_power_kw,
            )
            for p in periods
        ),
    )


def price_periods(
    *, tariff: pricing.Tariff, start: datetime, periods: Sequence[PeriodFacts], time_zone: str
) -> pricing.PricedSession:
    """Price a session with the engine, in the location's time zone. Raises the engine's input errors."""
    return pricing.price_session(
        tariff=tariff, session=engine_session(start=start, periods=periods), time_zone=time_zone
    )


# --- Where prices can change ------------------------------------------------------------------------------------------
# The engine cuts periods itself where a price changes, so these moments do not make the price right; they make the
# periods right: OCPI wants a new ChargingPeriod wherever another price component becomes active (OCPI 2.2.1
# mod_cdrs.asciidoc, ChargingPeriod class).


def time_boundaries(
    *, tariff: pricing.Tariff, session_start: datetime, after: datetime, until: datetime, time_zone: str
) -> list[datetime]:
    """Moments in (after, until] at which a time-of-day, weekday, date or duration restriction can switch."""
    if until <= after:
        return []
    restrictions = [e.restrictions for e in tariff.elements if e.restrictions is not None]
    found: set[datetime] = set()
    for r in restrictions:
        for seconds in (r.min_duration, r.max_duration):
            if seconds is not None:
                found.add(session_start + timedelta(seconds=seconds))
    wall_times: set[time] = set()
    for r in restrictions:
        wall_times.update(t for t in (r.start_time, r.end_time) if t is not None)
        if r.start_date or r.end_date or r.day_of_week:
            wall_times.add(time(0, 0))
    zone = ZoneInfo(time_zone)
    day = after.astimezone(zone).date()
    while day <= until.astimezone(zone).date():
        for wall in wall_times:
            found.add(datetime.combine(day, wall, tzinfo=zone).astimezone(UTC))
        day += timedelta(days=1)
    return sorted(moment for moment in found if after < moment <= until)


def energy_thresholds(tariff: pricing.Tariff) -> list[Decimal]:
    """Session energy totals (kWh) at which a min_kwh/max_kwh restriction switches."""
    return sorted(
        {
            value
            for e in tariff.elements
            if e.restrictions is not None
            for value in (e.restrictions.min_kwh, e.restrictions.max_kwh)
            if value is not None
        }
    )


def load_band(tariff: pricing.Tariff, *, power_kw: Decimal | None, current_a: Decimal | None) -> tuple[bool, ...]:
    """Which side of each power and current threshold a sample lies on. A new band means another price may apply."""
    restrictions = [e.restrictions for e in tariff.elements if e.restrictions is not None]
    power_limits = sorted({v for r in restrictions for v in (r.min_power, r.max_power) if v is not None})
    current_limits = sorted({v for r in restrictions for v in (r.min_current, r.max_current) if v is not None})
    return (
        *_sides(power_kw, power_limits),
        *_sides(current_a, current_limits),
    )


def _sides(value: Decimal | None, limits: Iterable[Decimal]) -> tuple[bool, ...]:
    return tuple(value is not None and value >= limit for limit in limits)
