"""A gateway that stops tells each charger with a close frame (1012, Service Restart) and lets them go in one
statement; their EVSEs keep their status for OCPP_RELEASE_GRACE_SECONDS and become UNKNOWN only if the charger does
not connect again by then."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from ocpp.v16 import call

from chargepoints.enums import EvseStatus
from chargepoints.models import EVSE, EvseStatusPeriod
from ocpp_gateway import services, tasks
from ocpp_gateway.models import Charger
from tests.ocpi_api.drivers import roaming_station

from .conftest import Gateway, connected, registered, run_async

CHARGERS = 3


def expiry() -> datetime:
    return timezone.now() + timedelta(seconds=settings.OCPP_RELEASE_GRACE_SECONDS + 1)


def test_a_stopping_gateway_closes_every_connection_and_releases_the_chargers_at_once(gateway: Gateway) -> None:
    evses = [roaming_station() for _ in range(CHARGERS)]
    passwords = [registered([evse.uid], f"CP-{n}")[1] for n, evse in enumerate(evses)]

    async def one(n: int, everyone_ready: asyncio.Barrier) -> int | None:
        async with connected(gateway, f"CP-{n}", passwords[n]) as (cp, socket):
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            await everyone_ready.wait()
            if n == 0:
                gateway.server.should_exit = True  # what uvicorn does on SIGTERM or Ctrl-C
            await socket.wait_closed()
            return socket.protocol.close_rcvd.code if socket.protocol.close_rcvd else None

    async def play() -> list[int | None]:
        barrier = asyncio.Barrier(CHARGERS)
        return await asyncio.gather(*(one(n, barrier) for n in range(CHARGERS)))

    assert run_async(play()) == [1012] * CHARGERS
    gateway.thread.join(10)
    assert not gateway.thread.is_alive(), "the gateway did not stop"
    chargers = Charger.objects.filter(charge_point_id__startswith="CP-")
    assert [(c.connected, c.channel_name, c.released_at is not None) for c in chargers] == [
        (False, "", True)
    ] * CHARGERS
    # A restart is over before partners would see each EVSE go UNKNOWN and back.
    assert set(EVSE.objects.filter(pk__in=[e.pk for e in evses]).values_list("status", flat=True)) == {"AVAILABLE"}
    assert not EvseStatusPeriod.objects.filter(status=EvseStatus.UNKNOWN).exists()

    assert services.chargers_released_expire() == 0  # within the grace period
    assert services.chargers_released_expire(now=expiry()) == CHARGERS
    assert services.chargers_released_expire(now=expiry()) == 0, "expired once, not again"
    assert set(EVSE.objects.filter(pk__in=[e.pk for e in evses]).values_list("status", flat=True)) == {"UNKNOWN"}
    assert not Charger.objects.filter(released_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_released_charger_that_connects_again_keeps_its_evses_status() -> None:
    evse = roaming_station()
    charger, _password = registered([evse.uid])
    services.charger_connected(charger_id=charger.pk, channel_name="gateway-a!1")
    # A charger that already connected to another gateway process is not released by the old one.
    assert services.chargers_released(connections=[(charger.pk, "gateway-z!9")]) == 0
    assert services.chargers_released(connections=[(charger.pk, "gateway-a!1")]) == 1
    services.charger_connected(charger_id=charger.pk, channel_name="gateway-b!1")
    assert Charger.objects.get(pk=charger.pk).released_at is None
    assert services.chargers_released_expire(now=expiry()) == 0
    assert EVSE.objects.get(pk=evse.pk).status == EvseStatus.AVAILABLE


@pytest.mark.django_db
def test_the_minute_job_expires_released_chargers_too() -> None:
    evse = roaming_station()
    charger, _password = registered([evse.uid])
    services.charger_connected(charger_id=charger.pk, channel_name="gateway-a!1")
    services.chargers_released(connections=[(charger.pk, "gateway-a!1")])
    Charger.objects.filter(pk=charger.pk).update(released_at=timezone.now() - timedelta(days=1))
    assert tasks.chargers_mark_silent_task() == 1
    assert EVSE.objects.get(pk=evse.pk).status == EvseStatus.UNKNOWN
