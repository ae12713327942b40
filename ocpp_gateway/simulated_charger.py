"""The simulator as a real charger: a driver's visit (``chargepoints.simulator.SimulationPlan``) played over OCPP
1.6J against our own gateway, so that the session, its meter values, its stop and its CDR come from the same path
as a real charger's.

``manage.py simulate_charging`` and the station page's simulate card reach this through
``chargepoints.simulator.set_visit_player`` (registered in ``ocpp_gateway.apps``). The visit runs on the plan's
clock: every message carries its simulated time, as from a charger that buffered its messages while offline
(OCPP 1.6 §4.8, §4.7, §4.10 timestamps), and the gateway prices them on those times. No sleeping.

An EVSE that no charger serves gets a simulated charger of its own (``SIM-<EVSE uid>``, one connector), registered
through ``charger_add`` like any charger and listed on the Chargers page. An EVSE a real charger serves is refused:
connecting in its name would take the real charger's connection (the newest connection wins) and its password.
"""

from __future__ import annotations

import asyncio
import base64
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote

import websockets
from django.db import transaction
from ocpp.v16 import ChargePoint, call

from chargepoints.enums import TokenType
from chargepoints.models import EVSE, ChargingSession, Connector
from chargepoints.simulator import SimulationPlan, VisitOutcome, VisitTimeline

from .management.commands.ocpp_charger_add import charger_url
from .models import Charger, ChargerEvse, Transaction
from .services import charger_add, charger_set_password
from .timestamps import format_timestamp

SIMULATED_PREFIX = "SIM-"  # the charge point ids the simulator registers, and the only ones it plays
WH = Decimal(1)
RESPONSE_SECONDS = 30


def simulated_charge_point_id(evse: EVSE) -> str:
    return f"{SIMULATED_PREFIX}{evse.uid}".replace("/", "-")[:48]


@dataclass(frozen=True)
class SimulatedCharger:
    charge_point_id: str
    password: str
    connector_id: int  # the EVSE's OCPP connectorId


@transaction.atomic
def simulated_charger_for(evse: EVSE) -> SimulatedCharger:
    """The simulated charger of this EVSE, registered now if no charger serves it, with a fresh password (it is
    shown nowhere: this process is the charger). ValueError for an EVSE a real charger serves."""
    link = ChargerEvse.objects.filter(evse=evse).select_related("charger").first()
    if link is None:
        charger, password = charger_add(charge_point_id=simulated_charge_point_id(evse), evse_refs=[evse.uid])
        return SimulatedCharger(charger.charge_point_id, password, 1)
    if not link.charger.charge_point_id.startswith(SIMULATED_PREFIX):
        raise ValueError(
            f"{evse} is served by the charger {link.charger.charge_point_id}: the simulator plays only EVSEs without "
            "a real charger, and never connects in a real charger's name."
        )
    return SimulatedCharger(link.charger.charge_point_id, charger_set_password(charger=link.charger), link.connector_id)


@dataclass
class Visit:
    """What the simulated charger knows before it connects."""

    plan: SimulationPlan
    connector_id: int
    max_kw: Decimal
    voltage: int
    meter_start_wh: Decimal
    log: list[str] = field(default_factory=list)
    transaction_id: int | None = None
    refused: str = ""


def _connector(evse: EVSE, connector_id: str | None) -> Connector:
    connectors = list(evse.connectors.order_by("id"))
    chosen = next((c for c in connectors if c.connector_id == connector_id), None) if connector_id else None
    if chosen is None and connectors and connector_id is None:
        chosen = connectors[0]
    if chosen is None:
        raise ValueError(f"{evse} has no connector {connector_id or ''}".strip())
    return chosen


def _meter_register(evse: EVSE) -> Decimal:
    """The EVSE's meter carries on from its last session, as a real meter would."""
    last = ChargingSession.objects.filter(evse=evse).order_by("-start_date_time", "-id").first()
    return last.meter_wh if last else Decimal(0)


def _ts(at: datetime) -> str:
    return format_timestamp(at)


class _Player:
    """Plays one visit on a connected ``ChargePoint``: one method per thing the charger reports."""

    def __init__(self, cp: ChargePoint, visit: Visit) -> None:
        self.cp, self.visit = cp, visit

    async def status(self, status: str, at: datetime, error_code: str = "NoError", info: str | None = None) -> None:
        await self.cp.call(
            call.StatusNotification(
                connector_id=self.visit.connector_id, error_code=error_code, status=status, timestamp=_ts(at), info=info
            )
        )

    async def meter(self, at: datetime, energy_wh: Decimal, power_kw: Decimal) -> None:
        power_w = (power_kw * 1000).quantize(WH, rounding=ROUND_HALF_UP)
        current_a = (power_w / self.visit.voltage).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        sample = [
            {"value": str(energy_wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
            {"value": str(power_w), "measurand": "Power.Active.Import", "unit": "W"},
            {"value": str(current_a), "measurand": "Current.Import", "unit": "A"},
        ]
        await self.cp.call(
            call.MeterValues(
                connector_id=self.visit.connector_id,
                transaction_id=self.visit.transaction_id,
                meter_value=[{"timestamp": _ts(at), "sampledValue": sample}],
            )
        )

    async def stop(self, at: datetime, meter_wh: Decimal, reason: str) -> None:
        assert self.visit.transaction_id is not None
        await self.cp.call(
            call.StopTransaction(
                transaction_id=self.visit.transaction_id,
                meter_stop=int(meter_wh),
                timestamp=_ts(at),
                id_tag=self.visit.plan.token_uid,
                reason=reason,
            )
        )

    async def play(self) -> None:
        visit, plan, log = self.visit, self.visit.plan, self.visit.log
        await self.cp.call(call.BootNotification(charge_point_vendor="CPO simulator", charge_point_model="Simulated"))
        await self.status("Available", plan.start)
        authorized = await self.cp.call(call.Authorize(id_tag=plan.token_uid))
        if authorized.id_tag_info["status"] != "Accepted":
            visit.refused = f"the central system answered {authorized.id_tag_info['status']}"
            log.append(f"{plan.start:%H:%M:%S} token {plan.token_uid} refused: {visit.refused}")
            return
        log.append(f"{plan.start:%H:%M:%S} token {plan.token_uid} accepted by the central system")
        await self.status("Preparing", plan.start)
        started = await self.cp.call(
            call.StartTransaction(
                connector_id=visit.connector_id,
                id_tag=plan.token_uid,
                meter_start=int(visit.meter_start_wh),
                timestamp=_ts(plan.start),
            )
        )
        if started.id_tag_info["status"] != "Accepted":
            visit.refused = f"StartTransaction answered {started.id_tag_info['status']}"
            log.append(f"{plan.start:%H:%M:%S} token {plan.token_uid} refused: {visit.refused}")
            await self.status("Available", plan.start)
            return
        visit.transaction_id = started.transaction_id
        log.append(
            f"{plan.start:%H:%M:%S} transaction {started.transaction_id} started on connector {visit.connector_id}"
        )
        if plan.abort:
            at = plan.start + timedelta(seconds=30)
            await self.stop(at, visit.meter_start_wh, "Other")
            await self.status("Available", at, "ConnectorLockFailure", "The cable did not lock")
            log.append(f"{at:%H:%M:%S} aborted by the charger before any energy flowed")
            return
        await self.status("Charging", plan.start)
        await self.charge()

    async def charge(self) -> None:
        visit, plan, log = self.visit, self.visit.plan, self.visit.log
        timeline = VisitTimeline.of(plan, max_kw=visit.max_kw, meter_start_wh=visit.meter_start_wh)
        minutes, halfway, paused, curve = timeline.minutes, timeline.halfway, timeline.paused, timeline.curve
        clock, meter = timeline.clock, timeline.meter
        for minute in timeline.marks():
            at = clock(minute)
            await self.meter(at, meter(minute), curve.power_kw(minute))
            if plan.fail and minute == halfway:
                log.append(f"{at:%H:%M:%S} charger fault after {curve.energy_kwh(minute):.2f} kWh")
                await self.stop(at, meter(minute), "Other")
                await self.status("Faulted", at, "GroundFailure", "Residual current detected")
                return
            if plan.suspended_minutes and minute == halfway:
                await self.status("SuspendedEV", at)
                log.append(f"{at:%H:%M:%S} vehicle paused charging for {plan.suspended_minutes} min")
                await self.status("Charging", at + paused)
        end = clock(minutes)
        if plan.keep_charging:
            await self.meter(end, meter(minutes), curve.power_kw(minutes))
            log.append(f"{end:%H:%M:%S} still charging")
            return
        log.append(f"{end:%H:%M:%S} vehicle finished charging: {curve.energy_kwh(minutes):.2f} kWh")
        if plan.parking_minutes:
            await self.meter(end, meter(minutes), Decimal(0))
            # The gateway reads Finishing as the vehicle no longer drawing power: parking (ocpp_gateway.services).
            await self.status("Finishing", end)
            log.append(f"{end:%H:%M:%S} vehicle stays parked for {plan.parking_minutes} min")
            end += timedelta(minutes=plan.parking_minutes)
        await self.stop(end, meter(minutes), "Local")
        await self.status("Finishing", end)
        await self.status("Available", end)


async def _connect_and_play(url: str, charger: SimulatedCharger, visit: Visit) -> None:
    auth = base64.b64encode(f"{charger.charge_point_id}:{charger.password}".encode()).decode()
    try:
        async with websockets.connect(
            url,
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            additional_headers={"Authorization": f"Basic {auth}"},
            open_timeout=RESPONSE_SECONDS,
        ) as socket:
            cp = ChargePoint(charger.charge_point_id, socket, response_timeout=RESPONSE_SECONDS)
            reader = asyncio.ensure_future(cp.start())
            try:
                await _Player(cp, visit).play()
            finally:
                reader.cancel()
    except websockets.InvalidStatus as error:
        raise ValueError(
            f"The gateway at {url} refused the simulated charger {charger.charge_point_id} "
            f"(HTTP {error.response.status_code}); is it disabled on the Chargers page?"
        ) from error
    except (OSError, TimeoutError, websockets.WebSocketException) as error:
        raise ValueError(f"The simulated charger could not talk to the gateway at {url}: {error}") from error


def simulate_visit(evse: EVSE, plan: SimulationPlan) -> VisitOutcome:
    """Play the visit as an OCPP 1.6J charger of ``evse`` connected to the gateway at ``PORTAL_BASE_URL``. The
    caller must not hold a database transaction open: the gateway writes in its own threads (and on SQLite takes
    the one write lock). Returns what the charger saw and the session the gateway made of it."""
    if str(plan.token_type) != TokenType.RFID:
        raise ValueError(
            "An OCPP 1.6 charger presents an idTag, which is authorized as an RFID token; "
            f"a {plan.token_type} token starts through the eMSP's START_SESSION."
        )
    connector = _connector(evse, plan.connector_id)
    charger = simulated_charger_for(evse)
    visit = Visit(
        plan=plan,
        connector_id=charger.connector_id,
        max_kw=Decimal(connector.rated_power_w) / 1000,
        voltage=connector.max_voltage,
        meter_start_wh=_meter_register(evse),
    )
    url = charger_url(quote(charger.charge_point_id, safe=""))
    # A thread of its own: the caller may be a request thread of an event loop's server, or a test thread whose
    # main thread has a loop running.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="simulated-charger") as pool:
        pool.submit(asyncio.run, _connect_and_play(url, charger, visit)).result()
    # The gateway answers a StatusNotification before writing it, and handles the close after those writes: the
    # visit is over once it has seen the charger leave.
    deadline = time.monotonic() + RESPONSE_SECONDS
    still_connected = Charger.objects.filter(charge_point_id=charger.charge_point_id, connected_since__isnull=False)
    while still_connected.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    tx = None
    if visit.transaction_id is not None:
        tx = Transaction.objects.filter(pk=visit.transaction_id).select_related("session").first()
    session = tx.session if tx is not None else None
    if tx is not None and session is None:
        raise ValueError(f"The gateway accepted transaction {tx.pk} but opened no session for it.")
    if session is not None:
        cost = f"{session.total_cost_incl_vat} {session.currency} incl. VAT" if session.currency else "no tariff"
        state = "stopped" if not session.is_open else "still open"
        visit.log.append(
            f"{session.end_date_time or session.accounted_until:%H:%M:%S} session {session.ocpi_id} {state}: "
            f"{session.kwh:.3f} kWh, {cost}. The simulated charger {charger.charge_point_id} then disconnected: "
            "its EVSE is Unknown until a charger reports it again."
        )
    return VisitOutcome(session=session, refused=visit.refused, log=visit.log)
