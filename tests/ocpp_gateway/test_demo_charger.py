"""The demo charger `make run` starts speaks OCPP to our gateway: it boots, and a remote start becomes a session."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

from chargepoints.authorization import DriverToken
from chargepoints.control import ControlResult, get_charger_control
from chargepoints.models import ChargingSession
from ocpp_gateway.demo_charger import run_demo_charger
from ocpp_gateway.models import Charger
from tests.conftest import SQLITE_SERIAL
from tests.ocpi_api.drivers import roaming_station, token_fields

from .conftest import registered


def test_the_demo_charger_boots_and_starts_a_remote_session(gateway):
    evse = roaming_station()
    charger, password = registered([evse.uid], "DEMO-CP-1")
    loop = asyncio.new_event_loop()
    task = loop.create_task(run_demo_charger(f"ws://127.0.0.1:{gateway.port}", "DEMO-CP-1", password, 1))

    def play() -> None:
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(task)

    thread = threading.Thread(target=play, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            gateway.settle()
            with SQLITE_SERIAL:
                charger.refresh_from_db()
                reported = charger.connectors.get().status
            if charger.vendor and charger.connected and reported == "Available":
                break  # booted and quiet: its next frame is a heartbeat a minute later
        assert (charger.vendor, charger.connected) == ("CPO demo", True)
        token = DriverToken(**token_fields("04A1B2C3", "NL", "EMS"))
        with SQLITE_SERIAL:
            outcome = get_charger_control().remote_start(evse=evse, token=token, authorization_reference="REF-1")
        assert outcome.result == ControlResult.ACCEPTED
        for _ in range(100):
            gateway.settle()
            with SQLITE_SERIAL:
                session = ChargingSession.objects.filter(evse=evse).first()
            if session is not None:
                break
        assert session is not None
        assert (session.auth_method, session.authorization_reference) == ("COMMAND", "REF-1")
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(10)
    assert Charger.objects.get().charge_point_id == "DEMO-CP-1"
