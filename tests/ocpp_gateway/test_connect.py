"""Chargers connect at /ocpp/{id} with ocpp1.6 and HTTP Basic; others are refused at the upgrade and listed."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
import websockets
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from ocpp.v16 import call

from chargepoints.enums import EvseStatus
from chargepoints.models import EVSE, EvseStatusPeriod
from ocpp_gateway import services, tasks
from ocpp_gateway.models import Charger, ChargerEvse, ConnectionAttempt, OcppMessage
from tests.ocpi_api.drivers import roaming_station

from .conftest import basic, connected, registered, run_async


def refused_status(gateway, charge_point_id: str, headers: dict[str, str], subprotocols=("ocpp1.6",)) -> int:
    async def attempt() -> int:
        try:
            async with websockets.connect(
                gateway.url(charge_point_id), subprotocols=list(subprotocols), additional_headers=headers
            ):
                return 101
        except websockets.InvalidStatus as refused:
            return refused.response.status_code

    return run_async(attempt())


def test_unknown_and_wrongly_authenticated_chargers_are_refused_with_401_and_listed(gateway):
    evse = roaming_station()
    registered([evse.uid], "CP-1")
    assert refused_status(gateway, "CP-STRANGER", {"Authorization": basic("CP-STRANGER", "x" * 20)}) == 401
    assert refused_status(gateway, "CP-1", {"Authorization": basic("CP-1", "wrong-password-0000")}) == 401
    assert refused_status(gateway, "CP-1", {}) == 401
    assert refused_status(gateway, "CP-1", {"Authorization": basic("CP-2", "whatever-it-is-00")}) == 401
    gateway.settle()
    attempts = {a.charge_point_id: a for a in ConnectionAttempt.objects.all()}
    assert attempts["CP-STRANGER"].reason == "Unknown charge point id"
    assert attempts["CP-1"].attempts == 3
    assert attempts["CP-1"].reason == "Basic user is not the charge point id"
    assert not Charger.objects.get(charge_point_id="CP-1").connected


def test_a_charger_boots_beats_and_reports_its_status(gateway):
    first = roaming_station(evses=2)
    second = first.location.evses.exclude(pk=first.pk).get()
    charger, password = registered([second.evse_id or second.uid, first.uid])
    assert list(ChargerEvse.objects.values_list("connector_id", "evse")) == [(1, second.pk), (2, first.pk)]

    async def play() -> tuple[Any, ...]:  # the charger's call results
        async with connected(gateway, "CP-1", password) as (cp, _):
            boot = await cp.call(
                call.BootNotification(
                    charge_point_vendor="Acme", charge_point_model="Wallbox 22", firmware_version="1.2.3"
                )
            )
            beat = await cp.call(call.Heartbeat())
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            await cp.call(
                call.StatusNotification(
                    connector_id=2, error_code="GroundFailure", status="Faulted", info="RCD tripped"
                )
            )
            return boot, beat

    boot, beat = run_async(play())
    assert boot.status == "Accepted"
    assert boot.interval == 300
    assert beat.current_time.endswith("Z")
    gateway.settle_until(lambda: not Charger.objects.get(pk=charger.pk).connected)
    charger.refresh_from_db()
    assert (charger.vendor, charger.model, charger.firmware_version) == ("Acme", "Wallbox 22", "1.2.3")
    assert charger.last_boot_at is not None
    assert charger.last_heartbeat_at is not None
    assert not charger.connected  # the socket closed: EVSEs are UNKNOWN now
    assert EVSE.objects.get(pk=second.pk).status == EvseStatus.UNKNOWN
    # The status history follows the charger: StatusNotification and the disconnect both go through evse_set_status.
    history = EvseStatusPeriod.objects.filter(evse=first).order_by("since", "id")
    assert list(history.values_list("status", flat=True))[-2:] == [EvseStatus.OUTOFORDER, EvseStatus.UNKNOWN]
    assert history.last().until is None  # type: ignore[union-attr]
    [fault] = charger.faults.all()
    assert (fault.connector_id, fault.error_code, fault.info) == (2, "GroundFailure", "RCD tripped")
    actions = list(OcppMessage.objects.filter(direction="IN").order_by("id").values_list("action", flat=True))
    assert actions == ["BootNotification", "Heartbeat", "StatusNotification", "StatusNotification"]
    answers = OcppMessage.objects.filter(direction="OUT", message_type="CALLRESULT")
    assert set(answers.values_list("action", flat=True)) == {"BootNotification", "Heartbeat", "StatusNotification"}


@pytest.mark.parametrize("subprotocols", [(), ("ocpp2.0.1",)])
def test_a_charger_without_the_ocpp16_subprotocol_is_refused(gateway, subprotocols):
    evse = roaming_station()
    _, password = registered([evse.uid])
    assert refused_status(gateway, "CP-1", {"Authorization": basic("CP-1", password)}, subprotocols) == 400


def test_a_connected_charger_that_falls_silent_is_unknown_until_it_speaks_again(gateway, monkeypatch):
    """A half-open socket: the charger stopped talking but never closed. After OCPP_SILENT_AFTER_HEARTBEATS
    heartbeat intervals its EVSE is UNKNOWN for partners; its next frame gives the EVSE its status back."""
    evse = roaming_station()
    charger, password = registered([evse.uid])
    monkeypatch.setattr(services, "SEEN_WRITE_SECONDS", 0.0)  # every frame counts as "seen" at once

    def status() -> str:
        gateway.settle()
        return EVSE.objects.get(pk=evse.pk).status

    def silence() -> tuple[int, int, str, bool]:
        gateway.settle()
        heard_lately = services.chargers_mark_silent()
        last_seen = timezone.now() - timedelta(seconds=2 * charger.heartbeat_interval + 60)
        Charger.objects.filter(pk=charger.pk).update(last_seen_at=last_seen)
        marked, again = services.chargers_mark_silent(), services.chargers_mark_silent()
        return heard_lately, marked + 10 * again, status(), Charger.objects.get(pk=charger.pk).silent_since is None

    async def play() -> tuple[tuple[int, int, str, bool], str]:
        async with connected(gateway, "CP-1", password) as (cp, _):
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            silent = await asyncio.to_thread(silence)
            await cp.call(call.Heartbeat())
            return silent, await asyncio.to_thread(status)

    (heard_lately, marked, while_silent, cleared), after = run_async(play())
    assert heard_lately == 0
    assert marked == 1, "marked once, not again"
    assert (while_silent, cleared) == (EvseStatus.UNKNOWN, False)
    assert after == EvseStatus.AVAILABLE
    assert Charger.objects.get(pk=charger.pk).silent_since is None


@pytest.mark.django_db
def test_the_silent_charger_check_runs_every_minute_in_the_beat_schedule():
    schedule = PeriodicTask.objects.get(name="OCPP: mark silent chargers")
    assert schedule.enabled
    assert (schedule.interval.every, schedule.interval.period) == (1, "minutes")
    assert schedule.task == tasks.chargers_mark_silent_task.name
    assert tasks.chargers_mark_silent_task() == 0


def test_status_notifications_are_answered_at_once_and_take_effect_in_order(gateway):
    """The answer does not wait for the write; the writes keep the frames' order, also against the close that
    follows them (the EVSE ends UNKNOWN, not with the last status written after the disconnect)."""
    evse = roaming_station()
    _, password = registered([evse.uid])
    seen: list[str] = []

    async def play() -> None:
        async with connected(gateway, "CP-1", password) as (cp, _):
            for status in ("Available", "Unavailable", "Faulted", "Available", "Preparing"):
                await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status=status))
            await asyncio.to_thread(lambda: seen.append(status_after_settling()))

    def status_after_settling() -> str:
        gateway.settle()
        return EVSE.objects.get(pk=evse.pk).status

    run_async(play())
    gateway.settle_until(lambda: EVSE.objects.get(pk=evse.pk).status == EvseStatus.UNKNOWN)
    assert seen == [EvseStatus.AVAILABLE]
    assert EVSE.objects.get(pk=evse.pk).status == EvseStatus.UNKNOWN
    link = ChargerEvse.objects.get(evse=evse)
    assert link.status == "Preparing"


def test_a_boot_notification_sent_the_moment_the_socket_opens_is_answered(gateway):
    """Frames may come while the gateway is still recording the connection (charger_connected); none is lost."""
    evses = roaming_station(evses=4).location.evses.order_by("id")
    passwords = {f"CP-{n}": registered([evse.uid], f"CP-{n}")[1] for n, evse in enumerate(evses)}
    boot = {"chargePointVendor": "Acme", "chargePointModel": "AC22"}

    async def boot_at_once(charge_point_id: str, password: str) -> list[Any]:
        async with websockets.connect(
            gateway.url(charge_point_id),
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            additional_headers={"Authorization": basic(charge_point_id, password)},
        ) as socket:
            await socket.send(json.dumps([2, "boot-1", "BootNotification", boot]))
            await socket.send(json.dumps([2, "beat-1", "Heartbeat", {}]))
            return [json.loads(await asyncio.wait_for(socket.recv(), 10)) for _ in range(2)]

    async def play() -> list[list[Any]]:
        return await asyncio.gather(*(boot_at_once(cp_id, password) for cp_id, password in passwords.items()))

    for answers in run_async(play()):
        assert [(kind, unique_id) for kind, unique_id, _ in answers] == [(3, "boot-1"), (3, "beat-1")]
        assert answers[0][2]["status"] == "Accepted"
