"""The OCPI 2.2.1 pricing engine: a tariff plus a session's charging periods in, CDR cost fields and explanation out.

Pure Python: frozen dataclasses in, a frozen result out; no ORM, no HTTP, no I/O. The rules are those of the OCPI 2.2.1
Tariffs and CDRs chapters (errata branch), numbered R1–R8 in our tariff cases:

* R1/R2 For every moment and every dimension (ENERGY, TIME, PARKING_TIME, FLAT) the first element, in list order, that
  has a component of that dimension and whose restrictions all hold supplies the price; none → that dimension is free
  then. Restrictions are evaluated continuously: a charging period that crosses a time-of-day, day, date, duration or
  kWh boundary is cut there (energy is spread linearly over the charging time inside a period), so a CDR that did not
  split its periods at every price change is still priced as if it had. Current and power restrictions cannot be
  interpolated: they use the period's measured values (``min_*`` against the period's minimum, ``max_*`` against its
  maximum, either one when only one is known); a restriction on a quantity the period did not measure does not hold.
* Time-of-day, weekday and date restrictions are evaluated on the location's local wall clock (zoneinfo), so a night
  rate from 22:00 still starts at 22:00 on the days the clocks change. Durations (min/max_duration) are measured in
  elapsed seconds since the charging session began (since the reservation began, for reservation elements).
* R3 step_size is applied once per session to the billed ENERGY total and once to the billed TIME + PARKING_TIME total,
  with the step of the last component that billed it; the extra is billed at that component's price and added to the
  last billed part. When parking is billed, only the parking total is rounded. Reservation TIME is rounded on its own.
* R4 Elements with a ``reservation`` restriction price only the reservation (RESERVATION while it lasts;
  RESERVATION_EXPIRES elements first, then RESERVATION ones, when it expired unused); all other elements price only
  the charging session. An expired reservation is charged the RESERVATION flat fee (it was reserved) and the
  RESERVATION_EXPIRES flat fee (it expired).
* R5 Every FLAT component that becomes active at some moment is charged once.
* R6 VAT per component: incl = excl × (1 + vat/100); no ``vat`` means no VAT.
* R7 min_price/max_price clamp total_cost, excl and incl VAT independently. When the limit gives no incl_vat, the incl
  total is scaled by the same factor as the excl total (the session's own VAT rate is kept).
* R8 Rounding policy (OCPI defines none): all arithmetic is exact Decimal; nothing is rounded per period or per line.
  Each money total of the result (total_cost and every total_*_cost, excl and incl VAT independently) is rounded once,
  ROUND_HALF_UP, to the currency's ISO 4217 minor unit (cents for EUR). So 5.125 → 5.13, 4.997 → 5.00. total_cost is
  rounded from the exact total, so it can differ by a cent from the sum of the rounded parts. Exact amounts stay
  available on the lines and in ``exact_total_cost``.

The only inexact operations are the division of seconds by 3600 and the linear interpolation of energy inside a cut
period; both are carried at 50 significant digits (cut points are kept to 1 µs and 1e-12 kWh) and money is brought
back to 20 decimal places before the half-up rounding, so those digits can never tip a half cent.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from zoneinfo import ZoneInfo

from .currencies import MINOR_UNITS

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
SECONDS_PER_HOUR = Decimal(3600)
WH_PER_KWH = Decimal(1000)
MICROSECOND = Decimal("0.000001")
ENERGY_QUANTUM = Decimal("1e-12")
NOISE_QUANTUM = Decimal("1e-20")
HOURS_QUANTUM = Decimal("0.0001")
MIDNIGHT = time(0, 0)


class Dimension(enum.StrEnum):
    """OCPI TariffDimensionType."""

    ENERGY = "ENERGY"
    FLAT = "FLAT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class DayOfWeek(enum.StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


WEEKDAYS: tuple[DayOfWeek, ...] = tuple(DayOfWeek)  # index = date.weekday()


class ReservationRestriction(enum.StrEnum):
    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


class Phase(enum.StrEnum):
    RESERVATION = "reservation"
    CHARGING = "charging"
    PARKING = "parking"


class CostCategory(enum.StrEnum):
    """Which CDR total a line counts towards (digest §6.5 item 9)."""

    FIXED = "fixed"
    ENERGY = "energy"
    TIME = "time"
    PARKING = "parking"
    RESERVATION = "reservation"


class PricingInputError(ValueError):
    """The tariff or the session cannot be priced; ``field`` names the offending input in OCPI terms."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TariffNotApplicable(Exception):
    """The tariff's start_date_time/end_date_time window does not contain the session's start."""


# --- Input ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriceComponent:
    type: Dimension
    price: Decimal  # excl. VAT, per kWh (ENERGY), per hour (TIME, PARKING_TIME) or per occurrence (FLAT)
    step_size: int = 1  # Wh for ENERGY, seconds for TIME/PARKING_TIME, meaningless for FLAT
    vat: Decimal | None = None  # percent; None = no VAT applicable (not the same as 0 %)


@dataclass(frozen=True, slots=True)
class Restrictions:
    start_time: time | None = None
    end_time: time | None = None
    start_date: date | None = None
    end_date: date | None = None
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    day_of_week: frozenset[DayOfWeek] = frozenset()
    reservation: ReservationRestriction | None = None

    @property
    def has_wall_clock(self) -> bool:
        return bool(
            self.start_time or self.end_time or self.start_date or self.end_date or self.day_of_week,
        )


@dataclass(frozen=True, slots=True)
class TariffElement:
    price_components: tuple[PriceComponent, ...]
    restrictions: Restrictions | None = None


@dataclass(frozen=True, slots=True)
class Price:
    excl_vat: Decimal
    incl_vat: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Tariff:
    id: str
    currency: str
    elements: tuple[TariffElement, ...]
    min_price: Price | None = None
    max_price: Price | None = None
    start_date_time: datetime | None = None
    end_date_time: datetime | None = None

    def is_valid_at(self, moment: datetime) -> bool:
        """OCPI: a tariff becomes active at start_date_time and is no longer valid after end_date_time."""
        if self.start_date_time is not None and moment < self.start_date_time:
            return False
        return self.end_date_time is None or moment <= self.end_date_time


@dataclass(frozen=True, slots=True)
class ChargingPeriod:
    """One OCPI ChargingPeriod. Inside it the reservation comes first, then charging, then parking."""

    start: datetime  # timezone-aware
    energy: Decimal = ZERO  # kWh (CdrDimension ENERGY)
    charging: timedelta = timedelta(0)  # TIME
    parking: timedelta = timedelta(0)  # PARKING_TIME: the vehicle is not requesting power
    reservation: timedelta = timedelta(0)  # RESERVATION_TIME
    min_current: Decimal | None = None  # A, sum over phases
    max_current: Decimal | None = None
    min_power: Decimal | None = None  # kW
    max_power: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Session:
    start: datetime  # the CDR's start_date_time (the reservation's start when one preceded the charging)
    periods: tuple[ChargingPeriod, ...]
    reservation_expired: bool = False  # the reservation ended without a charging session


# --- Output -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriceLine:
    """One component applied to one contiguous part of the session (or a part no component prices)."""

    phase: Phase
    dimension: Dimension
    start: datetime  # local wall-clock time of the location
    end: datetime
    quantity: Decimal  # measured: kWh for ENERGY, seconds for TIME/PARKING_TIME, 1 for FLAT
    billed_quantity: Decimal  # after step_size rounding
    element_index: int | None  # 0-based position in Tariff.elements; None = no element prices this part
    component_index: int | None
    unit_price: Decimal
    vat: Decimal | None
    step_size: int | None
    category: CostCategory
    excl_vat: Decimal  # exact, unrounded
    incl_vat: Decimal

    @property
    def is_free(self) -> bool:
        return self.element_index is None

    @property
    def element_number(self) -> int | None:
        """1-based, as staff count elements in the editor."""
        return None if self.element_index is None else self.element_index + 1

    @property
    def component_number(self) -> int | None:
        return None if self.component_index is None else self.component_index + 1

    @property
    def quantity_text(self) -> str:
        return "1 ×" if self.dimension is Dimension.FLAT else _fmt_quantity(self.dimension, self.quantity)

    @property
    def unit_price_text(self) -> str:
        return "" if self.is_free else format_amount(self.unit_price)

    @property
    def vat_text(self) -> str:
        return "" if self.vat is None else f"{_fmt_number(self.vat)} %"

    @property
    def billed_text(self) -> str:
        return "1 ×" if self.dimension is Dimension.FLAT else _fmt_quantity(self.dimension, self.billed_quantity)

    def describe(self, currency: str) -> str:
        """One line of explanation: when, what, which element and component, and what it costs."""
        when = f"{self.start:%a %Y-%m-%d %H:%M}"
        if self.dimension is Dimension.FLAT:
            what = f"{when} {self.phase} FLAT fee {_fmt_money(self.unit_price)} {currency}"
        else:
            quantity = _fmt_quantity(self.dimension, self.quantity)
            if self.billed_quantity != self.quantity:
                quantity += f" → {_fmt_quantity(self.dimension, self.billed_quantity)} (step_size {self.step_size})"
            unit = "kWh" if self.dimension is Dimension.ENERGY else "h"
            what = f"{when}–{self.end:%H:%M} {self.phase} {self.dimension} {quantity}"
            if self.element_index is None:
                return f"{what}: no tariff element prices {self.dimension} then, free"
            what += f" × {_fmt_money(self.unit_price)} {currency}/{unit}"
        vat = f"VAT {_fmt_number(self.vat)} %" if self.vat is not None else "no VAT"
        return (
            f"{what} (element {_ordinal(self.element_index)}, component {_ordinal(self.component_index)})"
            f" = {_fmt_money(self.excl_vat, 4)} excl, {_fmt_money(self.incl_vat, 4)} incl ({vat})"
        )


@dataclass(frozen=True, slots=True)
class PricedSession:
    tariff_id: str
    currency: str
    total_cost: Price
    total_fixed_cost: Price
    total_energy_cost: Price
    total_time_cost: Price
    total_parking_cost: Price
    total_reservation_cost: Price
    total_energy: Decimal  # kWh
    total_time: Decimal  # hours (4 decimals, as a CDR carries it): charging + parking
    total_parking_time: Decimal  # hours (4 decimals)
    charging_duration: timedelta
    parking_duration: timedelta
    reservation_duration: timedelta
    exact_total_cost: Price  # after min/max clamping, before rounding
    lines: tuple[PriceLine, ...]
    notes: tuple[str, ...]

    def explanation(self) -> list[str]:
        out = [line.describe(self.currency) for line in self.lines]
        out.extend(self.notes)
        out.append(
            f"total_cost {self.total_cost.excl_vat} {self.currency} excl VAT, {self.total_cost.incl_vat} incl VAT"
        )
        return out


# --- Engine -----------------------------------------------------------------------------------------------------------


def price_session(*, tariff: Tariff, session: Session, time_zone: tzinfo | str = "UTC") -> PricedSession:
    """Price ``session`` with ``tariff`` in ``time_zone`` (the Location's ``time_zone``).

    Raises ``PricingInputError`` for input the engine cannot price and ``TariffNotApplicable`` when the tariff's
    validity window does not contain ``session.start``.
    """
    zone = ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone
    validate_tariff(tariff)
    validate_session(session)
    if not tariff.is_valid_at(session.start):
        raise TariffNotApplicable(
            f"tariff {tariff.id} is valid {_validity_text(tariff)}; the session starts {_utc_text(session.start)}"
        )
    with localcontext(prec=50, rounding=ROUND_HALF_EVEN):
        return _Pricer(tariff, session, zone).run()


def validate_tariff(tariff: Tariff) -> None:
    if tariff.currency not in MINOR_UNITS:
        raise PricingInputError("currency", f"'{tariff.currency}' is not an ISO 4217 currency code")
    if not tariff.elements:
        raise PricingInputError("elements", "a tariff needs at least one element")
    for index, element in enumerate(tariff.elements):
        path = f"elements[{index}]"
        if not element.price_components:
            raise PricingInputError(f"{path}.price_components", "an element needs at least one price component")
        for c_index, component in enumerate(element.price_components):
            c_path = f"{path}.price_components[{c_index}]"
            if component.price < 0:
                raise PricingInputError(f"{c_path}.price", "must not be negative")
            if component.vat is not None and component.vat < 0:
                raise PricingInputError(f"{c_path}.vat", "must not be negative")
            if component.step_size < 0:
                raise PricingInputError(f"{c_path}.step_size", "must not be negative")
    for name in ("min_price", "max_price"):
        limit: Price | None = getattr(tariff, name)
        if limit is None:
            continue
        if limit.excl_vat < 0 or (limit.incl_vat is not None and limit.incl_vat < limit.excl_vat):
            raise PricingInputError(name, "excl_vat must not be negative and incl_vat not below excl_vat")
    if tariff.min_price and tariff.max_price:
        low, high = tariff.min_price, tariff.max_price
        if low.excl_vat > high.excl_vat or (
            low.incl_vat is not None and high.incl_vat is not None and low.incl_vat > high.incl_vat
        ):
            raise PricingInputError("min_price", "is higher than max_price")


def validate_session(session: Session) -> None:
    if session.start.tzinfo is None:
        raise PricingInputError("start_date_time", "must carry a time zone (OCPI DateTimes are UTC)")
    if not session.periods:
        raise PricingInputError("charging_periods", "a session needs at least one charging period")
    previous = session.start.astimezone(UTC)
    for index, period in enumerate(session.periods):
        path = f"charging_periods[{index}]"
        if period.start.tzinfo is None:
            raise PricingInputError(f"{path}.start_date_time", "must carry a time zone")
        if period.start.astimezone(UTC) < previous:
            what = "the session start" if index == 0 else "the previous period"
            raise PricingInputError(f"{path}.start_date_time", f"is before {what}")
        previous = period.start.astimezone(UTC)
        for name, label in (
            ("energy", "ENERGY"),
            ("charging", "TIME"),
            ("parking", "PARKING_TIME"),
            ("reservation", "RESERVATION_TIME"),
        ):
            if getattr(period, name) < _ZERO_OF[name]:
                raise PricingInputError(f"{path}.dimensions[{label}]", "must not be negative")


_ZERO_OF: dict[str, Decimal | timedelta] = {
    "energy": ZERO,
    "charging": timedelta(0),
    "parking": timedelta(0),
    "reservation": timedelta(0),
}


def round_money(amount: Decimal, currency: str) -> Decimal:
    """The rounding policy (R8): half-up to the currency's minor unit, after discarding sub-1e-20 noise."""
    minor = Decimal(1).scaleb(-MINOR_UNITS[currency])
    return amount.quantize(NOISE_QUANTUM, rounding=ROUND_HALF_EVEN).quantize(minor, rounding=ROUND_HALF_UP)


@dataclass(slots=True)
class _Segment:
    phase: Phase
    start: Decimal  # seconds since session.start
    duration: Decimal  # seconds
    energy: Decimal  # kWh, charging segments only
    energy_before: Decimal  # kWh charged in the session before this segment
    period: ChargingPeriod


@dataclass(slots=True)
class _Piece:
    phase: Phase
    start: Decimal
    end: Decimal
    energy: Decimal
    energy_before: Decimal
    period: ChargingPeriod


@dataclass(slots=True)
class _Line:
    phase: Phase
    dimension: Dimension
    start: Decimal
    end: Decimal
    quantity: Decimal
    element_index: int | None
    component_index: int | None
    component: PriceComponent | None
    category: CostCategory
    extra: Decimal = ZERO


@dataclass(slots=True)
class _Candidate:
    element_index: int
    component_index: int
    component: PriceComponent
    restrictions: Restrictions | None
    category: CostCategory


@dataclass(slots=True)
class _Moment:
    local: datetime
    energy: Decimal
    duration: Decimal
    period: ChargingPeriod


@dataclass(slots=True)
class _Totals:
    excl: dict[CostCategory, Decimal] = field(default_factory=lambda: dict.fromkeys(CostCategory, ZERO))
    incl: dict[CostCategory, Decimal] = field(default_factory=lambda: dict.fromkeys(CostCategory, ZERO))


class _Pricer:
    def __init__(self, tariff: Tariff, session: Session, zone: tzinfo) -> None:
        self.tariff = tariff
        self.session = session
        self.zone = zone
        # UTC, so that arithmetic on it is in real time: Python adds and subtracts wall-clock time between two
        # datetimes that share a ZoneInfo, which is off by an hour across a DST change.
        self.epoch = session.start.astimezone(UTC)
        self.notes: list[str] = []
        self.candidates: dict[tuple[Dimension, tuple[ReservationRestriction | None, ...]], list[_Candidate]] = {}

    # -- Orchestration --

    def run(self) -> PricedSession:
        segments = self._segments()
        end = max(s.start + s.duration for s in segments)
        charging_start = next((s.start for s in segments if s.phase is not Phase.RESERVATION), ZERO)
        reservation_start = next((s.start for s in segments if s.phase is Phase.RESERVATION), ZERO)
        cuts = self._time_cuts(end, charging_start, reservation_start)
        lines: list[_Line] = []
        flats_seen: set[tuple[int, int]] = set()
        for piece in self._pieces(segments, cuts):
            phase_start = reservation_start if piece.phase is Phase.RESERVATION else charging_start
            moment = _Moment(
                local=self._local(piece.start),
                energy=piece.energy_before,
                duration=piece.start - phase_start,
                period=piece.period,
            )
            self._price_piece(piece, moment, lines, flats_seen)
        self._apply_step_sizes(lines)
        return self._result(lines)

    # -- Timeline --

    def _offset(self, moment: datetime) -> Decimal:
        return _seconds(moment - self.epoch)

    def _instant(self, offset: Decimal) -> datetime:
        return self.epoch + timedelta(microseconds=int(offset.scaleb(6)))

    def _local(self, offset: Decimal) -> datetime:
        return self._instant(offset).astimezone(self.zone)

    def _segments(self) -> list[_Segment]:
        segments: list[_Segment] = []
        charged = ZERO
        for period in self.session.periods:
            cursor = self._offset(period.start)
            reservation = _seconds(period.reservation)
            charging = _seconds(period.charging)
            parking = _seconds(period.parking)
            if reservation:
                segments.append(_Segment(Phase.RESERVATION, cursor, reservation, ZERO, charged, period))
                cursor += reservation
            # A period with only energy (duration unknown) still is charging; so is an empty period that is neither
            # reservation nor parking, for its FLAT fees.
            if charging or period.energy or not (reservation or parking):
                segments.append(_Segment(Phase.CHARGING, cursor, charging, period.energy, charged, period))
                cursor += charging
                charged += period.energy
            if parking:
                segments.append(_Segment(Phase.PARKING, cursor, parking, ZERO, charged, period))
        return segments

    def _time_cuts(self, end: Decimal, charging_start: Decimal, reservation_start: Decimal) -> list[Decimal]:
        cuts: set[Decimal] = set()
        restrictions = [e.restrictions for e in self.tariff.elements if e.restrictions is not None]
        wall_times = {MIDNIGHT}
        for r in restrictions:
            wall_times.update(t for t in (r.start_time, r.end_time) if t is not None)
            for duration in (r.min_duration, r.max_duration):
                if duration is not None:
                    origin = reservation_start if r.reservation else charging_start
                    cuts.add(origin + duration)
        if any(r.has_wall_clock for r in restrictions):
            cuts.update(
                self._offset(m) for m in _wall_clock_cuts(self.zone, self.epoch, self._instant(end), wall_times)
            )
        return sorted(c for c in cuts if ZERO < c < end)

    def _pieces(self, segments: Sequence[_Segment], cuts: Sequence[Decimal]) -> Iterable[_Piece]:
        thresholds = sorted(
            {
                value
                for e in self.tariff.elements
                if e.restrictions is not None
                for value in (e.restrictions.min_kwh, e.restrictions.max_kwh)
                if value is not None
            }
        )
        for seg in segments:
            seg_end = seg.start + seg.duration
            # Cut points as (time, energy charged so far); time and energy grow together inside a segment.
            points = {(seg.start, seg.energy_before), (seg_end, seg.energy_before + seg.energy)}
            for cut in cuts:
                if seg.start < cut < seg_end:
                    share = (cut - seg.start) / seg.duration
                    points.add((cut, (seg.energy_before + seg.energy * share).quantize(ENERGY_QUANTUM)))
            if seg.energy:
                for threshold in thresholds:
                    if seg.energy_before < threshold < seg.energy_before + seg.energy:
                        share = (threshold - seg.energy_before) / seg.energy
                        at = (seg.start + seg.duration * share).quantize(MICROSECOND)
                        points.add((at, threshold))
            ordered = sorted(points)
            for (start, before), (end, after) in itertools.pairwise(ordered):
                yield _Piece(seg.phase, start, end, after - before, before, seg.period)
            if len(ordered) == 1:  # a zero-length segment without energy: only its FLAT fees matter
                yield _Piece(seg.phase, seg.start, seg.start, ZERO, seg.energy_before, seg.period)

    # -- Matching --

    def _candidates(
        self, dimension: Dimension, reservation: tuple[ReservationRestriction | None, ...]
    ) -> list[_Candidate]:
        found: list[_Candidate] = []
        for wanted in reservation:
            for e_index, element in enumerate(self.tariff.elements):
                kind = element.restrictions.reservation if element.restrictions else None
                if kind is not wanted:
                    continue
                for c_index, component in enumerate(element.price_components):
                    if component.type is dimension:
                        found.append(
                            _Candidate(e_index, c_index, component, element.restrictions, _category(element, dimension))
                        )
                        break
        return found

    def _first_match(
        self, dimension: Dimension, reservation: tuple[ReservationRestriction | None, ...], moment: _Moment
    ) -> _Candidate | None:
        for candidate in self._scope(dimension, reservation):
            if candidate.restrictions is None or _holds(candidate.restrictions, moment):
                return candidate
        return None

    def _scope(self, dimension: Dimension, reservation: tuple[ReservationRestriction | None, ...]) -> list[_Candidate]:
        key = (dimension, reservation)
        if key not in self.candidates:
            self.candidates[key] = self._candidates(dimension, reservation)
        return self.candidates[key]

    def _price_piece(
        self, piece: _Piece, moment: _Moment, lines: list[_Line], flats_seen: set[tuple[int, int]]
    ) -> None:
        res = ReservationRestriction
        if piece.phase is Phase.RESERVATION:
            expired = self.session.reservation_expired
            time_scope: tuple[ReservationRestriction | None, ...] = (
                (res.RESERVATION_EXPIRES, res.RESERVATION) if expired else (res.RESERVATION,)
            )
            flat_scopes: list[tuple[ReservationRestriction | None, ...]] = [(res.RESERVATION,)]
            if expired:
                flat_scopes.append((res.RESERVATION_EXPIRES,))
            quantities = {Dimension.TIME: piece.end - piece.start}
            scopes = {Dimension.TIME: time_scope}
        else:
            flat_scopes = [(None,)]
            if piece.phase is Phase.CHARGING:
                quantities = {Dimension.ENERGY: piece.energy, Dimension.TIME: piece.end - piece.start}
            else:
                quantities = {Dimension.PARKING_TIME: piece.end - piece.start}
            scopes = dict.fromkeys(quantities, (None,))
        for scope in flat_scopes:
            flat = self._first_match(Dimension.FLAT, scope, moment)
            if flat is not None and (flat.element_index, flat.component_index) not in flats_seen:
                flats_seen.add((flat.element_index, flat.component_index))
                lines.append(self._line(piece, Dimension.FLAT, ONE, flat))
        for dimension, quantity in quantities.items():
            if not quantity:
                continue
            if not self._scope(dimension, scopes[dimension]):
                continue  # the tariff never prices this dimension here: nothing to explain
            match = self._first_match(dimension, scopes[dimension], moment)
            previous = next((line for line in reversed(lines) if line.dimension is dimension), None)
            if (
                previous is not None
                and previous.phase is piece.phase
                and previous.end == piece.start
                and (previous.element_index, previous.component_index)
                == ((match.element_index, match.component_index) if match else (None, None))
            ):
                previous.end = piece.end
                previous.quantity += quantity
            else:
                lines.append(self._line(piece, dimension, quantity, match))

    def _line(self, piece: _Piece, dimension: Dimension, quantity: Decimal, match: _Candidate | None) -> _Line:
        if match is None:
            category = {
                Dimension.ENERGY: CostCategory.ENERGY,
                Dimension.PARKING_TIME: CostCategory.PARKING,
            }.get(dimension, CostCategory.RESERVATION if piece.phase is Phase.RESERVATION else CostCategory.TIME)
            return _Line(piece.phase, dimension, piece.start, piece.end, quantity, None, None, None, category)
        category = match.category
        if dimension is Dimension.TIME and piece.phase is Phase.RESERVATION:
            category = CostCategory.RESERVATION
        return _Line(
            piece.phase,
            dimension,
            piece.start,
            piece.end,
            quantity,
            match.element_index,
            match.component_index,
            match.component,
            category,
        )

    # -- step_size (R3) --

    def _apply_step_sizes(self, lines: list[_Line]) -> None:
        billed = [line for line in lines if line.component is not None]
        energy = [line for line in billed if line.dimension is Dimension.ENERGY]
        parking = [line for line in billed if line.dimension is Dimension.PARKING_TIME]
        charging = [line for line in billed if line.dimension is Dimension.TIME and line.phase is Phase.CHARGING]
        reserved = [line for line in billed if line.dimension is Dimension.TIME and line.phase is Phase.RESERVATION]
        self._round_up(energy, WH_PER_KWH, "ENERGY", "Wh", _fmt_kwh)
        if parking:
            self._round_up(
                parking, ONE, "PARKING_TIME (charging time is not rounded when parking follows)", "s", _fmt_seconds
            )
        else:
            self._round_up(charging, ONE, "TIME", "s", _fmt_seconds)
        self._round_up(reserved, ONE, "reservation TIME", "s", _fmt_seconds)

    def _round_up(
        self, lines: list[_Line], per_unit: Decimal, label: str, unit: str, fmt: Callable[[Decimal], str]
    ) -> None:
        if not lines:
            return
        last = lines[-1]
        assert last.component is not None
        step = max(last.component.step_size, 1)
        total = sum((line.quantity for line in lines), ZERO) * per_unit  # in Wh or seconds
        steps, remainder = divmod(total, step)
        if not remainder:
            return
        rounded = (steps + 1) * step
        last.extra = (rounded - total) / per_unit
        self.notes.append(
            f"step_size {last.component.step_size} {unit} of element {_ordinal(last.element_index)}:"
            f" {label} total {fmt(total / per_unit)} rounded up to {fmt(rounded / per_unit)};"
            f" the extra {fmt(last.extra)} is billed at that component's price"
        )

    # -- Result --

    def _result(self, lines: list[_Line]) -> PricedSession:
        currency = self.tariff.currency
        totals = _Totals()
        out: list[PriceLine] = []
        for line in lines:
            component = line.component
            billed = line.quantity + line.extra
            if component is None:
                excl = incl = ZERO
            else:
                per = ONE if line.dimension in (Dimension.ENERGY, Dimension.FLAT) else SECONDS_PER_HOUR
                excl = billed * component.price / per
                incl = excl * (HUNDRED + component.vat) / HUNDRED if component.vat is not None else excl
            totals.excl[line.category] += excl
            totals.incl[line.category] += incl
            out.append(
                PriceLine(
                    phase=line.phase,
                    dimension=line.dimension,
                    start=self._local(line.start),
                    end=self._local(line.end),
                    quantity=line.quantity,
                    billed_quantity=billed,
                    element_index=line.element_index,
                    component_index=line.component_index,
                    unit_price=component.price if component else ZERO,
                    vat=component.vat if component else None,
                    step_size=component.step_size if component else None,
                    category=line.category,
                    excl_vat=excl,
                    incl_vat=incl,
                )
            )
        exact = self._clamp(sum(totals.excl.values(), ZERO), sum(totals.incl.values(), ZERO))

        def price(category: CostCategory) -> Price:
            return Price(round_money(totals.excl[category], currency), round_money(totals.incl[category], currency))

        periods = self.session.periods
        charging = sum((p.charging for p in periods), timedelta(0))
        parking = sum((p.parking for p in periods), timedelta(0))
        return PricedSession(
            tariff_id=self.tariff.id,
            currency=currency,
            total_cost=Price(round_money(exact.excl_vat, currency), round_money(exact.incl_vat or ZERO, currency)),
            total_fixed_cost=price(CostCategory.FIXED),
            total_energy_cost=price(CostCategory.ENERGY),
            total_time_cost=price(CostCategory.TIME),
            total_parking_cost=price(CostCategory.PARKING),
            total_reservation_cost=price(CostCategory.RESERVATION),
            total_energy=sum((p.energy for p in periods), ZERO),
            total_time=_hours(charging + parking),
            total_parking_time=_hours(parking),
            charging_duration=charging,
            parking_duration=parking,
            reservation_duration=sum((p.reservation for p in periods), timedelta(0)),
            exact_total_cost=exact,
            lines=tuple(out),
            notes=tuple(self.notes),
        )

    def _clamp(self, excl: Decimal, incl: Decimal) -> Price:
        """R7: clamp excl and incl independently; a limit without incl_vat scales incl like excl."""
        low, high = self.tariff.min_price, self.tariff.max_price
        new_excl, new_incl, binding = excl, incl, None
        if low is not None and excl < low.excl_vat:
            new_excl, binding = low.excl_vat, low
        elif high is not None and excl > high.excl_vat:
            new_excl, binding = high.excl_vat, high
        if binding is not None and binding.incl_vat is None:
            new_incl = incl * new_excl / excl if excl else new_excl
        if low is not None and low.incl_vat is not None:
            new_incl = max(new_incl, low.incl_vat)
        if high is not None and high.incl_vat is not None:
            new_incl = min(new_incl, high.incl_vat)
        if new_excl != excl or new_incl != incl:
            currency = self.tariff.currency
            which = "min_price" if new_excl > excl or new_incl > incl else "max_price"
            self.notes.append(
                f"{which}: computed {round_money(excl, currency)} excl / {round_money(incl, currency)} incl VAT,"
                f" charged {round_money(new_excl, currency)} excl / {round_money(new_incl, currency)} incl VAT"
            )
        return Price(new_excl, new_incl)


def _seconds(duration: timedelta) -> Decimal:
    return Decimal(duration // timedelta(microseconds=1)) * MICROSECOND


def _hours(duration: timedelta) -> Decimal:
    return (_seconds(duration) / SECONDS_PER_HOUR).quantize(HOURS_QUANTUM, rounding=ROUND_HALF_UP)


def _category(element: TariffElement, dimension: Dimension) -> CostCategory:
    """Which CDR total a component counts towards. FLAT fees follow their element (digest §14 item 10): a reservation
    element's fee is a reservation cost; an element that otherwise prices only PARKING_TIME holds a parking fee."""
    if dimension is Dimension.ENERGY:
        return CostCategory.ENERGY
    if dimension is Dimension.PARKING_TIME:
        return CostCategory.PARKING
    if element.restrictions is not None and element.restrictions.reservation is not None:
        return CostCategory.RESERVATION
    if dimension is Dimension.TIME:
        return CostCategory.TIME
    others = {c.type for c in element.price_components if c.type is not Dimension.FLAT}
    return CostCategory.PARKING if others == {Dimension.PARKING_TIME} else CostCategory.FIXED


def _holds(r: Restrictions, m: _Moment) -> bool:
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


def _wall_clock_cuts(zone: tzinfo, start: datetime, end: datetime, wall_times: set[time]) -> list[datetime]:
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


def _validity_text(tariff: Tariff) -> str:
    parts = []
    if tariff.start_date_time is not None:
        parts.append(f"from {_utc_text(tariff.start_date_time)}")
    if tariff.end_date_time is not None:
        parts.append(f"until {_utc_text(tariff.end_date_time)}")
    return " ".join(parts)


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ordinal(index: int | None) -> str:
    """1-based, as staff count elements in the editor."""
    return "-" if index is None else str(index + 1)


def _fmt_number(value: Decimal | None) -> str:
    return "-" if value is None else format(value.normalize(), "f")


def format_amount(value: Decimal) -> str:
    """A price or amount for people: at least two decimals, more when it has them (0.2345 stays 0.2345)."""
    return _fmt_money(value)


def _fmt_money(value: Decimal, places: int = 2) -> str:
    """At least ``places`` decimals, more when the amount has them (a price of 0.2345 stays 0.2345)."""
    exponent = value.normalize().as_tuple().exponent
    digits = max(places, -exponent) if isinstance(exponent, int) else places
    return format(value.quantize(Decimal(1).scaleb(-min(digits, 6)), rounding=ROUND_HALF_UP), "f")


def _fmt_kwh(kwh: Decimal) -> str:
    return f"{_fmt_number(kwh.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP))} kWh"


def _fmt_seconds(seconds: Decimal) -> str:
    minutes = seconds / 60
    whole = minutes.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    return f"{format(whole, 'f')} min"


def _fmt_quantity(dimension: Dimension, quantity: Decimal) -> str:
    return _fmt_kwh(quantity) if dimension is Dimension.ENERGY else _fmt_seconds(quantity)
