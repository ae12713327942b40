"""A real charger charges a driver: boot → status → authorize → start → meter values → stop, and the loopback eMSP
receives the EVSE status PATCHes, the session PUT and a CDR whose price is the tariff engine's."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from ocpp.v16 import call

from billing.models import Cdr
from chargepoints.models import ChargingSession
from chargepoints.sessions.enums import SessionStatus
from ocpp_gateway.models import Transaction
from tariffs import pricing
from tests.chargepoints.sessions_support import T0
from tests.ocpi_api.contract import CDR, validate
from tests.ocpi_api.drivers import DriversEmsp, registered_partner, roaming_station, stored_token
from tests.ocpi_api.test_cdrs_api import reprice

from .conftest import connected, registered, run_async


def ts(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meter(minutes: float, wh: int, watts: int = 11000) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": ts(minutes),
            "sampledValue": [
                {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": str(watts / 1000), "measurand": "Power.Active.Import", "unit": "kW"},
            ],
        }
    ]


@pytest.fixture
def emsp():
    server = DriversEmsp().start()
    yield server
    server.stop()


@pytest.fixture
def station(emsp):
    evse = roaming_station()
    partner, _ = registered_partner(emsp)
    stored_token(partner, "04A1B2C3", whitelist="ALWAYS")
    _, password = registered([evse.uid])
    return evse, password


def test_a_charger_charges_a_driver_and_the_emsp_gets_session_and_cdr(gateway, emsp, station):
    _, password = station

    async def play() -> tuple[Any, ...]:  # the charger's call results
        async with connected(gateway, "CP-1", password) as (cp, _):
            await cp.call(call.BootNotification(charge_point_vendor="Acme", charge_point_model="AC22"))
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            authorized = await cp.call(call.Authorize(id_tag="04A1B2C3"))
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"))
            started = await cp.call(
                call.StartTransaction(connector_id=1, id_tag="04A1B2C3", meter_start=1000, timestamp=ts(0))
            )
            tx = started.transaction_id
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
            for minute in (10, 20):
                await cp.call(
                    call.MeterValues(
                        connector_id=1, transaction_id=tx, meter_value=meter(minute, 1000 + 1833 * minute // 10)
                    )
                )
            stopped = await cp.call(
                call.StopTransaction(
                    transaction_id=tx, meter_stop=6500, timestamp=ts(30), id_tag="04A1B2C3", reason="Local"
                )
            )
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Finishing"))
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            return authorized, started, stopped

    authorized, started, stopped = run_async(play())
    gateway.settle()
    assert authorized.id_tag_info["status"] == "Accepted"
    assert started.id_tag_info["status"] == "Accepted"
    assert stopped.id_tag_info["status"] == "Accepted"
    session = ChargingSession.objects.get()
    assert Transaction.objects.get().session == session
    assert (session.status, session.kwh, session.start_date_time, session.end_date_time) == (
        SessionStatus.COMPLETED,
        Decimal("5.5"),
        T0,
        T0 + timedelta(minutes=30),
    )
    assert session.auth_method == "WHITELIST"

    # Start, stop, Finishing (the car still plugged in), Available, and the socket closing. The server learns of the
    # closed socket a moment after the charger's last answer: wait for it, within bounds.
    def statuses() -> list[str]:
        return [c.body["status"] for c in emsp.calls("PATCH", "locations/") if "status" in (c.body or {})]

    expected = ["CHARGING", "AVAILABLE", "CHARGING", "AVAILABLE", "UNKNOWN"]
    gateway.settle_until(lambda: statuses() == expected)
    assert statuses() == expected
    assert emsp.calls("PUT", "sessions/")
    assert emsp.sessions[f"SE/CPO/{session.ocpi_id}"]["status"] == "COMPLETED"
    [cdr] = emsp.cdrs.values()
    assert validate(cdr, CDR) == []
    assert cdr["total_energy"] == 5.5
    # SE-AC-STANDARD: 3.50 SEK/kWh + 25 % VAT: 5.5 × 3.50 = 19.25 excl., 24.06 incl.
    assert reprice(cdr).total_cost == pricing.Price(Decimal("19.25"), Decimal("24.06"))
    assert cdr["total_cost"] == {"excl_vat": 19.25, "incl_vat": 24.06}
    assert Cdr.objects.get().session == session
