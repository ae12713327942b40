"""A charge point simulator: it plays the charger of one EVSE against the session services, on a simulated clock.

We have no charger hardware, so this is what feeds the session lifecycle in the demo, in tests and for remote
commands: it asks the registered :class:`~chargepoints.authorization.TokenAuthority` about a token, starts the
session, reports meter values along a plausible charging curve, pauses (suspended by the vehicle), parks, and stops,
fails or aborts, exactly through the services a real central system would call. No sleeping: every report carries
its simulated time. It plays the EVSEs no real charger serves for the OCPI commands and staff stops, and the demo's
history.

A visit asked for by staff (``manage.py simulate_charging``, the station page's simulate card) is played by the
registered visit player instead (:func:`set_visit_player`): the charger gateway plays it as a real OCPP charger.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .authorization import AuthMethod, AuthorizationDecision, DriverToken, get_token_authority
from .enums import EvseStatus, TokenType
from .models import EVSE, ChargingSession, Connector
from .services import evse_set_status
from .sessions.enums import ChargingState
from .sessions.reservations import reservation_start_charging
from .sessions.services import (
    session_fail,
    session_meter_values,
    session_set_charging_state,
    session_start,
    session_stop,
)

ZERO = Decimal(0)
WH = Decimal(1)
# A session started remotely charges at this steady power (within the connector's) until it is stopped, or until
# the vehicle's battery is full.
STEADY_KW = Decimal(11)
BATTERY_KWH = Decimal(80)


@dataclass(frozen=True)
class ChargingCurve:
    """What the vehicle draws: full power, then a linear taper over the last part of the charge (CC/CV-like).

    ``peak_kw`` is already limited to what the connector can give. Energy is the exact integral of the curve.
    """

    peak_kw: Decimal
    minutes: Decimal
    taper_from: Decimal = Decimal("0.8")  # share of the charging time at full power
    taper_to: Decimal = Decimal("0.3")  # share of the peak power left at the very end

    def power_kw(self, minute: Decimal) -> Decimal:
        knee = self.minutes * self.taper_from
        if minute <= knee or self.minutes == knee:
            return self.peak_kw
        progress = (minute - knee) / (self.minutes - knee)
        return self.peak_kw * (1 - (1 - self.taper_to) * min(progress, Decimal(1)))

    def energy_kwh(self, minute: Decimal) -> Decimal:
        """Energy from the start of charging to ``minute`` of charging time."""
        minute = min(max(minute, ZERO), self.minutes)
        knee = self.minutes * self.taper_from
        flat = min(minute, knee)
        energy = self.peak_kw * flat / 60
        if minute > knee:
            energy += (self.peak_kw + self.power_kw(minute)) / 2 * (minute - knee) / 60
        return energy


@dataclass(frozen=True)
class SimulationPlan:
    """One driver's visit. ``minutes`` is the time the vehicle charges, without pauses and parking."""

    token_uid: str
    start: datetime
    minutes: int
    kw: Decimal
    token_type: TokenType | str = TokenType.RFID
    connector_id: str | None = None  # None: the EVSE's first connector
    suspended_minutes: int = 0  # a pause by the vehicle halfway through the charge
    parking_minutes: int = 0  # staying plugged in after the charge
    interval_minutes: int = 5  # how often the charger sends meter values
    fail: bool = False  # the charger faults halfway through the charge
    abort: bool = False  # the charger gives up right after the start (e.g. the cable does not lock)
    keep_charging: bool = False  # the driver is still charging: the visit ends with a meter value, not a stop


@dataclass(frozen=True)
class VisitTimeline:
    """When a visit's meter values fall and what the meter reads then, for the simulator and the OCPP-speaking
    simulated charger alike: minute 0 is the start of charging; a pause halfway shifts what follows."""

    plan: SimulationPlan
    curve: ChargingCurve
    meter_start_wh: Decimal

    @classmethod
    def of(cls, plan: SimulationPlan, *, max_kw: Decimal, meter_start_wh: Decimal) -> VisitTimeline:
        curve = ChargingCurve(peak_kw=min(plan.kw, max_kw), minutes=Decimal(plan.minutes))
        return cls(plan=plan, curve=curve, meter_start_wh=meter_start_wh)

    @property
    def minutes(self) -> Decimal:
        return self.curve.minutes

    @property
    def halfway(self) -> Decimal:
        return self.minutes / 2

    @property
    def paused(self) -> timedelta:
        return timedelta(minutes=self.plan.suspended_minutes)

    def clock(self, minute: Decimal) -> datetime:
        pause = self.paused if self.plan.suspended_minutes and minute > self.halfway else timedelta(0)
        return self.plan.start + timedelta(minutes=float(minute)) + pause

    def meter(self, minute: Decimal) -> Decimal:
        return self.meter_start_wh + (self.curve.energy_kwh(minute) * 1000).quantize(WH, rounding=ROUND_HALF_UP)

    def marks(self) -> list[Decimal]:
        """The minutes a meter value is sent: every interval, and halfway when the visit pauses or fails there."""
        plan = self.plan
        return sorted(
            {Decimal(m) for m in range(0, plan.minutes, max(plan.interval_minutes, 1))}
            | ({self.halfway} if plan.suspended_minutes or plan.fail else set())
        )


@dataclass
class SimulationResult:
    decision: AuthorizationDecision
    session: ChargingSession | None = None
    log: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class VisitOutcome:
    """A visit a visit player played: the session it made (None when the token was refused, ``refused`` says why,
    in the charger's words) and what happened, line by line."""

    session: ChargingSession | None
    refused: str
    log: list[str]


VisitPlayer = Callable[[EVSE, SimulationPlan], VisitOutcome]  # may raise ValueError or ValidationError


def _no_visit_player(evse: EVSE, plan: SimulationPlan) -> VisitOutcome:
    raise ValueError("No charger gateway is configured to play the visit.")


_visit_player: VisitPlayer = _no_visit_player


def set_visit_player(player: VisitPlayer) -> VisitPlayer:
    """Register what plays a staff member's simulated visit (``ocpp_gateway``: a charger over OCPP). Returns the
    previous one, so tests can put it back."""
    global _visit_player
    previous, _visit_player = _visit_player, player
    return previous


def play_visit(evse: EVSE, plan: SimulationPlan) -> VisitOutcome:
    return _visit_player(evse, plan)


class ChargerSimulator:
    """The charger of one EVSE. Each method is one message a real charger would send."""

    def __init__(self, *, evse: EVSE, connector_id: str | None = None) -> None:
        self.evse = evse
        connectors = list(evse.connectors.all())
        chosen = next((c for c in connectors if c.connector_id == connector_id), None) if connector_id else None
        if chosen is None and connectors and connector_id is None:
            chosen = connectors[0]
        if chosen is None:
            raise ValueError(f"{evse} has no connector {connector_id or ''}".strip())
        self.connector: Connector = chosen

    @property
    def max_kw(self) -> Decimal:
        return Decimal(self.connector.rated_power_w) / 1000

    def report_online(self) -> None:
        """A charger that connects reports its status first: an EVSE no live source reported yet (UNKNOWN, e.g.
        straight from an import) becomes AVAILABLE, as a charger's boot report would make it."""
        self.evse.refresh_from_db(fields=["status"])
        if self.evse.status == EvseStatus.UNKNOWN:
            evse_set_status(evse=self.evse, status=EvseStatus.AVAILABLE)

    def authorize(self, *, token_uid: str, token_type: TokenType | str) -> AuthorizationDecision:
        return get_token_authority().authorize(
            token_uid=token_uid, token_type=token_type, location=self.evse.location, evse=self.evse
        )

    def start(
        self,
        *,
        token: DriverToken,
        auth_method: AuthMethod | str,
        at: datetime,
        authorization_reference: str | None = None,
    ) -> ChargingSession:
        self.report_online()
        return session_start(
            evse=self.evse,
            connector_id=self.connector.connector_id,
            token_facts=token,
            auth_method=auth_method,
            authorization_reference=authorization_reference,
            at=at,
            meter_start_wh=self._meter_register(),
            meter_id=f"SIM-{self.evse.uid}"[:255],
        )

    def start_reserved(
        self, *, session: ChargingSession, at: datetime, authorization_reference: str | None = None
    ) -> ChargingSession:
        """The driver who reserved this EVSE plugs in: the reservation becomes the charging session."""
        return reservation_start_charging(
            session=session,
            at=at,
            authorization_reference=authorization_reference,
            meter_start_wh=self._meter_register(besides=session),
            meter_id=f"SIM-{self.evse.uid}"[:255],
        )

    def report(self, *, session: ChargingSession, at: datetime, energy_wh_total: Decimal, power_kw: Decimal) -> None:
        power_w = (power_kw * 1000).quantize(WH, rounding=ROUND_HALF_UP)
        current_a = (power_w / self.connector.max_voltage).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        session_meter_values(
            session=session, at=at, energy_wh_total=energy_wh_total, power_w=power_w, current_a=current_a
        )

    def set_state(
        self, *, session: ChargingSession, state: ChargingState, at: datetime, energy_wh_total: Decimal
    ) -> None:
        session_set_charging_state(session=session, state=state, at=at, energy_wh_total=energy_wh_total)

    def charge(
        self, *, session: ChargingSession, minutes: int, kw: Decimal, interval_minutes: int = 5
    ) -> ChargingSession:
        """Keep charging at a steady ``kw`` (within the connector's power) for ``minutes`` after the last report,
        with a meter value every ``interval_minutes``: the step a remote-started session takes between commands."""
        power = min(kw, self.max_kw)
        begin, meter_start = session.accounted_until, session.meter_wh
        marks = [*range(0, minutes, max(interval_minutes, 1)), minutes]
        for minute in marks:
            energy_wh = (power * minute * 1000 / 60).quantize(WH, rounding=ROUND_HALF_UP)
            at = begin + timedelta(minutes=minute)
            self.report(session=session, at=at, energy_wh_total=meter_start + energy_wh, power_kw=power)
        session.refresh_from_db()
        return session

    def stop(
        self, *, session: ChargingSession, at: datetime, reason: str, energy_wh_total: Decimal | None = None
    ) -> ChargingSession:
        """End the session; without a meter reading the last one reported stands."""
        return session_stop(session=session, at=at, reason=reason, energy_wh_total=energy_wh_total)

    def remote_stop(self, *, session: ChargingSession, now: datetime, reason: str) -> ChargingSession:
        """A stop sent to the charger (the eMSP's STOP_SESSION, or staff): the vehicle kept charging at a steady
        power since the charger's last report, until its battery was full, so the charger reports that, then stops."""
        minutes = int((now - session.accounted_until).total_seconds() // 60)
        if minutes >= 1 and session.charging_state == ChargingState.CHARGING:
            power = min(STEADY_KW, self.max_kw)
            room_kwh = max(BATTERY_KWH - session.kwh, ZERO)
            minutes = min(minutes, int(room_kwh / power * 60))
            if minutes >= 1:
                interval = max(5, math.ceil(minutes / 24))  # at most about two dozen meter values, however long
                session = self.charge(session=session, minutes=minutes, kw=power, interval_minutes=interval)
        # The charger's clock: a session the simulator ran ahead of the wall clock stops at its last report.
        return self.stop(session=session, at=max(now, session.accounted_until), reason=reason)

    def fail(
        self,
        *,
        session: ChargingSession,
        at: datetime,
        reason: str,
        energy_wh_total: Decimal | None = None,
        evse_status: EvseStatus = EvseStatus.OUTOFORDER,
    ) -> ChargingSession:
        return session_fail(
            session=session, at=at, reason=reason, energy_wh_total=energy_wh_total, evse_status=evse_status
        )

    def run(self, plan: SimulationPlan) -> SimulationResult:
        """Play a whole visit: authorize, start, charge (pause), park, then stop, fail or abort."""
        decision = self.authorize(token_uid=plan.token_uid, token_type=plan.token_type)
        result = SimulationResult(decision=decision)
        log = result.log
        if not decision.allowed or decision.token is None or decision.auth_method is None:
            log.append(f"{plan.start:%H:%M:%S} token {plan.token_uid} refused: {decision.reason}")
            return result
        log.append(f"{plan.start:%H:%M:%S} token {plan.token_uid} accepted ({decision.auth_method}): {decision.reason}")
        session = self.start(
            token=decision.token,
            auth_method=decision.auth_method,
            authorization_reference=decision.authorization_reference,
            at=plan.start,
        )
        result.session = session
        log.append(f"{plan.start:%H:%M:%S} session {session.ocpi_id} started on {self.evse}")
        if plan.abort:
            at = plan.start + timedelta(seconds=30)
            result.session = self.fail(
                session=session,
                at=at,
                reason="Charger aborted: the cable did not lock",
                evse_status=EvseStatus.AVAILABLE,
            )
            log.append(f"{at:%H:%M:%S} aborted by the charger before any energy flowed")
            return result
        result.session = self._charge(session, plan, log)
        return result

    def _charge(self, session: ChargingSession, plan: SimulationPlan, log: list[str]) -> ChargingSession:
        timeline = VisitTimeline.of(plan, max_kw=self.max_kw, meter_start_wh=session.meter_wh)
        minutes, halfway, paused, curve = timeline.minutes, timeline.halfway, timeline.paused, timeline.curve
        clock, meter = timeline.clock, timeline.meter
        for minute in timeline.marks():
            if plan.fail and minute == halfway:
                at = clock(minute)
                log.append(f"{at:%H:%M:%S} charger fault after {curve.energy_kwh(minute):.2f} kWh")
                return self.fail(
                    session=session,
                    at=at,
                    reason="Charger fault: residual current detected",
                    energy_wh_total=meter(minute),
                )
            self.report(
                session=session, at=clock(minute), energy_wh_total=meter(minute), power_kw=curve.power_kw(minute)
            )
            if plan.suspended_minutes and minute == halfway:
                at = clock(minute)
                self.set_state(session=session, state=ChargingState.SUSPENDED_EV, at=at, energy_wh_total=meter(minute))
                log.append(f"{at:%H:%M:%S} vehicle paused charging for {plan.suspended_minutes} min")
                self.set_state(
                    session=session, state=ChargingState.CHARGING, at=at + paused, energy_wh_total=meter(minute)
                )
        end = clock(minutes)
        if plan.keep_charging:
            self.report(session=session, at=end, energy_wh_total=meter(minutes), power_kw=curve.power_kw(minutes))
            session.refresh_from_db()
            log.append(f"{end:%H:%M:%S} still charging: {session.kwh:.3f} kWh so far")
            return session
        log.append(f"{end:%H:%M:%S} vehicle finished charging: {curve.energy_kwh(minutes):.2f} kWh")
        if plan.parking_minutes:
            self.set_state(session=session, state=ChargingState.PARKING, at=end, energy_wh_total=meter(minutes))
            log.append(f"{end:%H:%M:%S} vehicle stays parked for {plan.parking_minutes} min")
            end += timedelta(minutes=plan.parking_minutes)
        session = self.stop(
            session=session, at=end, reason="Stopped by the driver with their token", energy_wh_total=meter(minutes)
        )
        cost = f"{session.total_cost_incl_vat} {session.currency} incl. VAT" if session.currency else "no tariff"
        log.append(f"{end:%H:%M:%S} session stopped: {session.kwh:.3f} kWh, {cost}")
        return session

    def _meter_register(self, besides: ChargingSession | None = None) -> Decimal:
        """The EVSE's meter carries on from its last session (other than ``besides``), as a real meter would."""
        sessions = ChargingSession.objects.filter(evse=self.evse)
        if besides is not None:
            sessions = sessions.exclude(pk=besides.pk)
        last = sessions.order_by("-start_date_time", "-id").first()
        return last.meter_wh if last else ZERO
