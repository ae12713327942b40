"""The eMSP's commands reach the real charger through the domain's charger control, and the charger's answer goes
back to the eMSP's response_url; the session that follows is the charger's."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from django.test import Client
from django.urls import reverse
from ocpp.v16 import call

from chargepoints.models import ChargingSession
from chargepoints.sessions.enums import SessionStatus
from ocpp_gateway.models import OcppMessage, PendingRemoteStart
from tests.conftest import SQLITE_SERIAL
from tests.factories import operations_user
from tests.ocpi_api.drivers import DriversEmsp, registered_partner, roaming_station, stored_token, token_body

from .conftest import Answers, connected, registered, run_async


@pytest.fixture
def emsp():
    server = DriversEmsp().start()
    yield server
    server.stop()


@pytest.fixture
def setup(emsp, live_server, settings):
    settings.PORTAL_BASE_URL = live_server.url
    evse = roaming_station()
    partner, token = registered_partner(emsp)
    stored_token(partner, "04A1B2C3", whitelist="ALWAYS")
    _, password = registered([evse.uid])
    return evse, token, password, live_server.url


def command(base: str, token: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(
        f"{base}/ocpi/cpo/2.2.1/commands/{name}",
        json=body,
        headers={"Authorization": "Token " + base64.b64encode(token.encode()).decode()},
        timeout=20,
    )
    answer: dict[str, Any] = response.json()
    return answer


def test_start_and_stop_session_go_to_the_charger_and_back(gateway, emsp, setup):
    evse, token, password, base = setup
    start_url = f"{emsp.commands_base}/START_SESSION/1"
    stop_url = f"{emsp.commands_base}/STOP_SESSION/2"
    answers = Answers()

    async def play() -> tuple[Any, ...]:  # the charger's call results
        async with connected(gateway, "CP-1", password, answers) as (cp, _):
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            body = {"response_url": start_url, "token": token_body(), "location_id": evse.location.ocpi_id}
            body["evse_uid"] = evse.uid
            started = await asyncio.to_thread(command, base, token, "START_SESSION", body)
            [(action, asked)] = answers.received
            now = datetime.now(UTC).replace(microsecond=0)
            tx = await cp.call(
                call.StartTransaction(
                    connector_id=asked["connector_id"], id_tag=asked["id_tag"], meter_start=0, timestamp=now.isoformat()
                )
            )
            session_id = await asyncio.to_thread(lambda: ChargingSession.objects.get().ocpi_id)
            stop_body = {"response_url": stop_url, "session_id": session_id}
            stopped = await asyncio.to_thread(command, base, token, "STOP_SESSION", stop_body)
            await cp.call(
                call.StopTransaction(
                    transaction_id=tx.transaction_id,
                    meter_stop=2000,
                    timestamp=(now + timedelta(minutes=1)).isoformat(),
                    reason="Remote",
                )
            )
            return started, action, asked, stopped

    started, action, asked, stopped = run_async(play())
    gateway.settle()
    assert started["data"]["result"] == "ACCEPTED"
    assert (action, asked) == ("RemoteStartTransaction", {"id_tag": "04A1B2C3", "connector_id": 1})
    [result] = emsp.command_results[start_url.removeprefix(emsp.base_url)]
    assert result["result"] == "ACCEPTED"
    assert stopped["data"]["result"] == "ACCEPTED"
    assert answers.received[1][0] == "RemoteStopTransaction"
    assert emsp.command_results[stop_url.removeprefix(emsp.base_url)][0]["result"] == "ACCEPTED"
    session = ChargingSession.objects.get()
    assert (session.status, session.auth_method, session.token_uid) == (SessionStatus.COMPLETED, "COMMAND", "04A1B2C3")
    assert session.kwh == 2
    logged = OcppMessage.objects.filter(action="RemoteStartTransaction").values_list("direction", "message_type")
    assert sorted(logged) == [("IN", "CALLRESULT"), ("OUT", "CALL")]


@pytest.mark.parametrize(("answer", "expected"), [("Rejected", "REJECTED"), (None, "FAILED")])
def test_a_refusing_or_offline_charger_is_the_command_result(gateway, emsp, setup, answer, expected):
    evse, token, password, base = setup
    url = f"{emsp.commands_base}/START_SESSION/9"
    body = {"response_url": url, "token": token_body(), "location_id": evse.location.ocpi_id, "evse_uid": evse.uid}

    async def play() -> None:
        if answer is None:  # never connected
            await asyncio.to_thread(command, base, token, "START_SESSION", body)
            return
        async with connected(gateway, "CP-1", password, Answers(remote_start=answer)):
            await asyncio.to_thread(command, base, token, "START_SESSION", body)

    run_async(play())
    [result] = emsp.command_results[url.removeprefix(emsp.base_url)]
    assert result["result"] == expected
    assert not ChargingSession.objects.exists()


def test_a_remote_start_survives_the_charger_reconnecting_before_it_starts(gateway, emsp, setup):
    """The charger accepts, loses its connection, and sends StartTransaction on the next one: the session is still
    the eMSP's START_SESSION, with its authorization reference, not a fresh local authorization of the tag."""
    evse, token, password, base = setup
    url = f"{emsp.commands_base}/START_SESSION/3"
    body = {
        "response_url": url,
        "token": token_body(),
        "location_id": evse.location.ocpi_id,
        "evse_uid": evse.uid,
        "authorization_reference": "REF-RECONNECT-1",
    }
    answers = Answers()

    async def play() -> None:
        async with connected(gateway, "CP-1", password, answers):
            await asyncio.to_thread(command, base, token, "START_SESSION", body)
        gateway.settle_until(lambda: PendingRemoteStart.objects.exists())
        async with connected(gateway, "CP-1", password) as (cp, _):
            now = datetime.now(UTC).replace(microsecond=0).isoformat()
            [(_, asked)] = answers.received
            await cp.call(call.StartTransaction(connector_id=1, id_tag=asked["id_tag"], meter_start=0, timestamp=now))

    run_async(play())
    gateway.settle()
    session = ChargingSession.objects.get()
    assert (session.auth_method, session.authorization_reference) == ("COMMAND", "REF-RECONNECT-1")
    assert not PendingRemoteStart.objects.exists(), "a remote start is used once"


def test_staff_stop_on_the_session_page_goes_to_the_charger(gateway, emsp, setup):
    _evse, _token, password, _base = setup
    answers = Answers()
    client = Client()
    client.force_login(operations_user())

    def staff_stop(session_pk: int) -> str:
        with SQLITE_SERIAL:
            response = client.post(reverse("sessions:remote_stop", args=[session_pk]), follow=True)
        return str(response.content.decode())

    async def play() -> str:
        async with connected(gateway, "CP-1", password, answers) as (cp, _):
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            now = datetime.now(UTC).replace(microsecond=0)
            await cp.call(
                call.StartTransaction(connector_id=1, id_tag="04A1B2C3", meter_start=0, timestamp=now.isoformat())
            )
            session_pk = await asyncio.to_thread(lambda: ChargingSession.objects.get().pk)
            return await asyncio.to_thread(staff_stop, session_pk)

    page = run_async(play())
    gateway.settle()
    assert "The charger accepted the stop" in page
    assert [action for action, _ in answers.received] == ["RemoteStopTransaction"]
    # The session ends when the charger reports its StopTransaction, not when staff ask.
    assert ChargingSession.objects.get().status == SessionStatus.ACTIVE
