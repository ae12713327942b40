"""Every staff and admin path that changes an EVSE's status goes through ``evse_set_status``: it announces
``evse_status_changed``, so partners get the status PATCH and reservations of an EVSE that goes out of service are
cancelled (the eMSP gets CANCELED_RESERVATION). Each path is walked here with a reserved EVSE."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from chargepoints.admin import EvseAdmin, LocationAdmin
from chargepoints.models import EVSE, ChargingSession, Location
from chargepoints.sessions.enums import SessionStatus
from chargepoints.sessions.reservations import reservation_create
from chargepoints.signals import evse_status_changed, location_changed
from tests.admin_forms import admin_post
from tests.chargepoints.sessions_support import T0
from tests.factories import operations_user
from tests.ocpi_api.drivers import driver, registered_partner, roaming_station

pytestmark = pytest.mark.django_db
Announced = list[tuple[str, str]]  # (EVSE uid, new status) as evse_status_changed told its listeners


@pytest.fixture
def announced() -> Iterator[Announced]:
    seen: Announced = []

    def listen(sender: type[EVSE], evse: EVSE, status: str, **kwargs: Any) -> None:
        seen.append((evse.uid, status))

    evse_status_changed.connect(listen, dispatch_uid="test_status_paths")
    yield seen
    evse_status_changed.disconnect(dispatch_uid="test_status_paths")


def _admin_action(client: Client, model: type[Model], action: str, obj: Any) -> None:
    url = reverse(f"admin:chargepoints_{model._meta.model_name}_changelist")
    response = client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [obj.pk]})
    assert response.status_code == 302, response.content.decode()[:2000]


def _staff_page(client: Client, evse: EVSE, status: str) -> None:
    client.force_login(operations_user())
    url = reverse("stations:evse_status", args=[evse.location_id, evse.pk])
    assert client.post(url, {"status": status}).status_code == 302


# Every path, as (name, how it sets the EVSE out of service). Actions that set a status appear below too.
OUT_OF_SERVICE_PATHS: dict[str, Callable[[Client, EVSE], None]] = {
    "admin EVSE change form": lambda c, e: admin_post(c, e, {"status": "OUTOFORDER"}),
    "admin EVSE change form, with another field": lambda c, e: admin_post(
        c, e, {"status": "INOPERATIVE", "physical_reference": "7"}
    ),
    "admin location change form, EVSE inline": lambda c, e: admin_post(c, e.location, {"evses-0-status": "OUTOFORDER"}),
    "admin location action mark_evses_out_of_order": lambda c, e: _admin_action(
        c, Location, "mark_evses_out_of_order", e.location
    ),
    "admin EVSE action mark_out_of_order": lambda c, e: _admin_action(c, EVSE, "mark_out_of_order", e),
    "admin EVSE action mark_removed": lambda c, e: _admin_action(c, EVSE, "mark_removed", e),
    "staff station page": lambda c, e: _staff_page(c, e, "OUTOFORDER"),
}
EXPECTED = {
    "admin EVSE change form, with another field": "INOPERATIVE",
    "admin EVSE action mark_removed": "REMOVED",
}


@pytest.mark.parametrize("path", list(OUT_OF_SERVICE_PATHS))
def test_a_status_set_out_of_service_on_each_path_cancels_the_reservation(
    path: str, admin_client: Client, announced: Announced
) -> None:
    partner, _ = registered_partner()
    evse = roaming_station(capabilities=["RESERVABLE"])
    reservation = reservation_create(evse=evse, token_facts=driver(partner), at=T0)
    announced.clear()

    OUT_OF_SERVICE_PATHS[path](admin_client, evse)

    status = EXPECTED.get(path, "OUTOFORDER")
    evse.refresh_from_db()
    reservation.refresh_from_db()
    assert evse.status == status
    assert announced == [(evse.uid, status)]
    assert reservation.status == SessionStatus.INVALID
    assert status.lower() in reservation.stop_reason.lower()


@pytest.mark.parametrize(("model", "action"), [(EVSE, "mark_available"), (Location, "mark_evses_available")])
def test_the_available_actions_announce_the_status(
    admin_client: Client, announced: Announced, model: type, action: str
) -> None:
    evse = roaming_station()
    admin_post(admin_client, evse, {"status": "BLOCKED"})
    announced.clear()
    _admin_action(admin_client, model, action, evse if model is EVSE else evse.location)
    assert announced == [(evse.uid, "AVAILABLE")]
    assert ChargingSession.objects.count() == 0


def test_every_status_action_of_the_admin_is_walked() -> None:
    """A new admin action that sets a status must join the walk above."""
    walked = {"mark_evses_out_of_order", "mark_out_of_order", "mark_removed", "mark_available", "mark_evses_available"}
    for model_admin in (LocationAdmin, EvseAdmin):
        status_actions = {name for name in model_admin.actions if name.startswith("mark_")}
        assert status_actions <= walked, model_admin


def test_a_save_that_only_changes_the_status_is_announced_once(admin_client: Client, announced: Announced) -> None:
    """The status goes out as evse_status_changed alone; the form's other (unchanged) fields announce nothing."""
    evse = roaming_station()
    changes: list[dict[str, Any]] = []

    def listen(sender: type, **kwargs: Any) -> None:
        changes.append(kwargs)

    location_changed.connect(listen, dispatch_uid="test_status_paths.location")
    try:
        admin_post(admin_client, evse, {"status": "BLOCKED"})
        admin_post(admin_client, evse.location, {"evses-0-status": "AVAILABLE"})
    finally:
        location_changed.disconnect(dispatch_uid="test_status_paths.location")
    assert announced == [(evse.uid, "BLOCKED"), (evse.uid, "AVAILABLE")]
    assert changes == []
