"""The pricer: cuts a session into pieces where a price can change, prices each piece, applies step_size, min/max
and rounding (the rules R1–R8 in the package docstring)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from zoneinfo import ZoneInfo

from ..currencies import MINOR_UNITS
from .formatting import fmt_kwh, fmt_seconds, ordinal
from .restrictions import Moment, holds, wall_clock_cuts
from .results import PricedSession, PriceLine
from .types import (
    ENERGY_QUANTUM,
    HUNDRED,
    MICROSECOND,
    MIDNIGHT,
    NOISE_QUANTUM,
    ONE,
    SECONDS_PER_HOUR,
    WH_PER_KWH,
    ZERO,
    ChargingPeriod,
    CostCategory,
    Dimension,
    Phase,
    Price,
    PriceComponent,
    ReservationRestriction,
    Restrictions,
    Session,
    Tariff,
    TariffElement,
    TariffNotApplicable,
)
from .units import hours_of
from .validation import validate_session, validate_tariff


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
            moment = Moment(
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
            cuts.update(self._offset(m) for m in wall_clock_cuts(self.zone, self.epoch, self._instant(end), wall_times))
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
        self, dimension: Dimension, reservation: tuple[ReservationRestriction | None, ...], moment: Moment
    ) -> _Candidate | None:
        for candidate in self._scope(dimension, reservation):
            if candidate.restrictions is None or holds(candidate.restrictions, moment):
                return candidate
        return None

    def _scope(self, dimension: Dimension, reservation: tuple[ReservationRestriction | None, ...]) -> list[_Candidate]:
        key = (dimension, reservation)
        if key not in self.candidates:
            self.candidates[key] = self._candidates(dimension, reservation)
        return self.candidates[key]

    def _price_piece(self, piece: _Piece, moment: Moment, lines: list[_Line], flats_seen: set[tuple[int, int]]) -> None:
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
        self._round_up(energy, WH_PER_KWH, "ENERGY", "Wh", fmt_kwh)
        if parking:
            self._round_up(
                parking, ONE, "PARKING_TIME (charging time is not rounded when parking follows)", "s", fmt_seconds
            )
        else:
            self._round_up(charging, ONE, "TIME", "s", fmt_seconds)
        self._round_up(reserved, ONE, "reservation TIME", "s", fmt_seconds)

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
            f"step_size {last.component.step_size} {unit} of element {ordinal(last.element_index)}:"
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
            total_time=hours_of(charging + parking),
            total_parking_time=hours_of(parking),
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


def _category(element: TariffElement, dimension: Dimension) -> CostCategory:
    """Which CDR total a component counts towards. FLAT fees follow their element (OCPI 2.2.1 mod_tariffs.asciidoc
    defines FLAT only by its examples): a reservation element's fee is a reservation cost; an element that otherwise
    prices only PARKING_TIME holds a parking fee."""
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


def _validity_text(tariff: Tariff) -> str:
    parts = []
    if tariff.start_date_time is not None:
        parts.append(f"from {_utc_text(tariff.start_date_time)}")
    if tariff.end_date_time is not None:
        parts.append(f"until {_utc_text(tariff.end_date_time)}")
    return " ".join(parts)


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
