"""Staff see chargers, their message log and refused chargers, send commands, and adopt a charger."""

from __future__ import annotations

import threading
from typing import Any

from django.test import Client
from django.urls import reverse

from ocpp_gateway.models import Charger, ConnectionAttempt
from tests.conftest import SQLITE_SERIAL
from tests.factories import operations_user
from tests.ocpi_api.drivers import roaming_station

from .conftest import ChargerThread, registered


def serial_post(client: Client, url: str, data: dict[str, Any]) -> object:
    """A staff request from another thread, taking its turn on the shared test database."""
    result: list[object] = []

    def post() -> None:
        with SQLITE_SERIAL:
            result.append(client.post(url, data, follow=True))

    thread = threading.Thread(target=post)
    thread.start()
    thread.join(30)
    return result[0]


def test_staff_send_a_command_and_read_the_message_log(gateway):
    evse = roaming_station()
    charger, password = registered([evse.uid])
    client = Client()
    client.force_login(operations_user())
    with ChargerThread(gateway, "CP-1", password) as cp:
        gateway.settle()
        page = client.get(reverse("chargers:list"))
        assert "CP-1" in page.content.decode()
        assert "connected" in page.content.decode()
        url = reverse("chargers:command", args=[charger.pk, "Reset"])
        response = serial_post(client, url, {"Reset-type": "Soft"})
        assert "Reset: Accepted" in response.content.decode()  # type: ignore[attr-defined]
        assert cp.answers.received == [("Reset", {"type": "Soft"})]
    gateway.settle()
    detail = client.get(reverse("chargers:detail", args=[charger.pk]), {"q": "Heartbeat"}).content.decode()
    assert "Acme / AC22" in detail
    assert detail.count("<td>Heartbeat</td>") == 2  # the CALL and its answer
    assert "BootNotification</td>" not in detail


def test_staff_adopt_a_charger_that_wants_to_connect(db):
    evse = roaming_station()
    ConnectionAttempt.objects.create(charge_point_id="CP-NEW", reason="Unknown charge point id")
    client = Client()
    client.force_login(operations_user())
    listed = client.get(reverse("chargers:list")).content.decode()
    assert "CP-NEW" in listed
    assert "Unknown charge point id" in listed
    response = client.post(reverse("chargers:add"), {"charge_point_id": "CP-NEW", "evses": evse.uid})
    page = response.content.decode()
    assert response.status_code == 200
    assert "ws://127.0.0.1:8000/ocpp/CP-NEW" in page
    charger = Charger.objects.get(charge_point_id="CP-NEW")
    assert list(charger.connectors.values_list("connector_id", "evse")) == [(1, evse.pk)]
    assert not ConnectionAttempt.objects.exists()
    again = client.post(reverse("chargers:add"), {"charge_point_id": "CP-NEW", "evses": evse.uid})
    assert again.status_code == 400
    assert "already registered" in again.content.decode()
