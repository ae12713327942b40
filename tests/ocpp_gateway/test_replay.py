"""Chargers buffer while offline: late messages are priced on their own timestamps, a repeated StartTransaction gets
the same transactionId, a repeated StopTransaction changes nothing, and a reboot mid-session is reconciled."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ocpp.v16 import call

from billing.models import Cdr
from chargepoints.models import ChargingSession
from chargepoints.sessions.enums import SessionStatus
from ocpp_gateway.models import Transaction
from tests.chargepoints.sessions_support import T0

from .conftest import connected, run_async
from .test_charging import emsp, meter, station, ts  # noqa: F401  (fixtures)


def test_a_late_burst_is_priced_on_its_own_times_and_repeats_change_nothing(gateway, emsp, station):  # noqa: F811
    _, password = station
    start = call.StartTransaction(connector_id=1, id_tag="04A1B2C3", meter_start=1000, timestamp=ts(0))

    async def play() -> tuple[Any, ...]:  # the charger's call results
        async with connected(gateway, "CP-1", password) as (cp, _):
            # Offline the whole time: the queued transaction arrives hours later, in one burst.
            first = await cp.call(start)
            again = await cp.call(start)  # our answer was lost: the charger sends it again
            tx = first.transaction_id
            await cp.call(call.MeterValues(connector_id=1, transaction_id=tx, meter_value=meter(15, 3750)))
            stop = call.StopTransaction(transaction_id=tx, meter_stop=6500, timestamp=ts(30), reason="Local")
            await cp.call(stop)
            await cp.call(stop)
            await cp.call(call.MeterValues(connector_id=1, transaction_id=tx, meter_value=meter(40, 9000)))
            return first, again

    first, again = run_async(play())
    gateway.settle()
    assert first.transaction_id == again.transaction_id
    assert again.id_tag_info == first.id_tag_info == {"status": "Accepted"}
    assert Transaction.objects.count() == 1
    session = ChargingSession.objects.get()
    assert (session.status, session.start_date_time, session.end_date_time, session.kwh) == (
        SessionStatus.COMPLETED,
        T0,
        T0 + timedelta(minutes=30),
        Decimal("5.5"),
    )
    cdr = Cdr.objects.get()
    assert (cdr.total_cost_excl_vat, cdr.total_cost_incl_vat) == (Decimal("19.25"), Decimal("24.06"))
    assert len(emsp.cdrs) == 1


def test_a_charger_that_reboots_mid_session_has_the_session_ended(gateway, emsp, station):  # noqa: F811
    _, password = station

    async def play() -> None:
        async with connected(gateway, "CP-1", password) as (cp, _):
            started = await cp.call(
                call.StartTransaction(connector_id=1, id_tag="04A1B2C3", meter_start=0, timestamp=ts(0))
            )
            tx = started.transaction_id
            await cp.call(call.MeterValues(connector_id=1, transaction_id=tx, meter_value=meter(10, 1833)))
        # Power cut: the charger comes back having forgotten the transaction.
        async with connected(gateway, "CP-1", password) as (cp, _):
            await cp.call(call.BootNotification(charge_point_vendor="Acme", charge_point_model="AC22"))
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))

    run_async(play())
    gateway.settle()
    session = ChargingSession.objects.get()
    assert session.status == SessionStatus.COMPLETED
    assert session.end_date_time == T0 + timedelta(minutes=10)
    assert "rebooted" in session.stop_reason
    assert Transaction.objects.get().stopped_at is not None
    assert Cdr.objects.filter(session=session).exists()


def test_a_new_start_on_a_connector_ends_the_transaction_left_open(gateway, emsp, station):  # noqa: F811
    _, password = station

    async def play() -> tuple[Any, ...]:  # the charger's call results
        async with connected(gateway, "CP-1", password) as (cp, _):
            one = await cp.call(
                call.StartTransaction(connector_id=1, id_tag="04A1B2C3", meter_start=0, timestamp=ts(0))
            )
            two = await cp.call(
                call.StartTransaction(connector_id=1, id_tag="04A1B2C3", meter_start=500, timestamp=ts(60))
            )
            return one, two

    one, two = run_async(play())
    gateway.settle()
    assert one.transaction_id != two.transaction_id
    old, new = ChargingSession.objects.order_by("start_date_time")
    assert (old.status, new.status) == (SessionStatus.COMPLETED, SessionStatus.ACTIVE)


def test_meter_values_without_a_transaction_id_count_once_a_transaction_runs_on_their_connector(
    gateway,
    emsp,  # noqa: F811
    station,  # noqa: F811
):
    """Clock-aligned values (no transactionId) outside a transaction cost no lookup (the connection knows the
    connector is idle); once a transaction starts there, the same kind of values are the session's, also after a
    reconnect with the transaction still open."""
    _, password = station

    def meter_now() -> Decimal:
        gateway.settle()
        return ChargingSession.objects.get().meter_wh

    async def play() -> Decimal:
        async with connected(gateway, "CP-1", password) as (cp, _):
            await cp.call(call.MeterValues(connector_id=1, meter_value=meter(-5, 500)))  # idle: nothing to account
            await cp.call(call.StartTransaction(connector_id=1, id_tag="04A1B2C3", meter_start=1000, timestamp=ts(0)))
            await cp.call(call.MeterValues(connector_id=1, meter_value=meter(10, 2833)))
            on_the_same_connection = await asyncio.to_thread(meter_now)
        async with connected(gateway, "CP-1", password) as (cp, _):
            await cp.call(call.MeterValues(connector_id=1, meter_value=meter(20, 4666)))
        return on_the_same_connection

    assert run_async(play()) == Decimal(2833)
    gateway.settle()
    session = ChargingSession.objects.get()
    assert (session.status, session.meter_wh, session.accounted_until) == (
        SessionStatus.ACTIVE,
        Decimal(4666),
        T0 + timedelta(minutes=20),
    )
