"""A PATCH the partner cannot apply because it does not have the object (HTTP 404, or OCPI 2003 "unknown location")
is followed by a PUT of the whole current object, and the queue goes on in order. Real loopback receivers; changes
commit for real, so Celery (eager) delivers after each commit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import transaction

from chargepoints.services import evse_set_status, location_set_roaming, location_upsert
from ocpi_api.push.keys import location_key, location_path
from ocpi_api.push.models import OutboxItem
from ocpi_api.push.services import push_enqueue, push_retry
from ocpi_api.pushes import session_patch_json
from tests.factories import evse_data, location_data
from tests.loopback import Reply, Request, envelope
from tests.ocpi_api.drivers import DriversEmsp, charged_session, registered_partner, roaming_station

from .conftest import receiving_partner
from .receiver import Receiver
from .test_delivery import assert_in_sync

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fast_push")]
Status = OutboxItem.Status


def answered(receiver: Receiver) -> list[tuple[str, str]]:
    return [(c.method, c.path) for c in receiver.calls]


def test_a_patch_of_an_unknown_location_is_followed_by_a_put_and_the_queue_goes_on(receiver: Receiver) -> None:
    # The location existed before the partner registered, so the partner never got its PUT.
    location = location_upsert(data=location_data(evses=[evse_data(), evse_data()])).location
    first, second = location.evses.order_by("id")
    receiving_partner(receiver)
    with transaction.atomic():  # two changes queued together: the second waits behind the first
        evse_set_status(evse=first, status="CHARGING")
        evse_set_status(evse=second, status="BLOCKED")
    evse_set_status(evse=first, status="AVAILABLE")  # a later change, after the PUT

    root = f"locations/{location_path(location)}"
    assert answered(receiver) == [
        ("PATCH", f"locations/{location_path(location, first)}"),  # 404, OCPI 2003 Unknown location
        ("PUT", root),  # the whole location, with both changes in it
        ("PATCH", f"locations/{location_path(location, first)}"),
    ]
    received = receiver.evse(location_path(location), second.uid)
    assert received is not None
    assert received["status"] == "BLOCKED"
    assert_in_sync(receiver)

    queue = OutboxItem.objects.filter(object_key=location_key(location)).order_by("id")
    refused, waiting, put, later = queue
    assert (refused.status, refused.http_status, refused.ocpi_status) == (Status.SUPERSEDED, 404, 2003)
    assert "answered HTTP 404, OCPI 2003: Unknown location" in refused.response_message
    assert f"row {put.pk} PUTs it whole" in refused.response_message
    assert list(refused.attempt_log.values_list("outcome", flat=True)) == ["FAILED"]
    assert (waiting.status, waiting.response_message) == (
        Status.SUPERSEDED,
        f"Merged into row {put.pk}, the PUT of the whole object.",
    )
    assert (put.method, put.path, put.status) == ("PUT", location_path(location), Status.DELIVERED)
    assert (later.method, later.status) == ("PATCH", Status.DELIVERED)


def test_a_put_the_partner_refuses_too_is_a_permanent_failure_showing_what_it_sent(
    receiver: Receiver, settle: Callable[..., None]
) -> None:
    location = location_upsert(data=location_data()).location
    evse = location.evses.get()
    receiving_partner(receiver)
    receiver.mode = "404-bare"  # a web framework's own 404: no OCPI envelope, no status_message
    evse_set_status(evse=evse, status="CHARGING")
    settle()
    patch, put = OutboxItem.objects.order_by("id")
    assert [c.method for c in receiver.calls] == ["PATCH", "PUT"]  # one PUT, no loop
    assert (patch.status, put.status) == (Status.SUPERSEDED, Status.FAILED)
    assert put.response_message.endswith('answered HTTP 404, OCPI 2000: {"detail": "Not found."}')
    # Staff fix the cause and retry: the PUT goes out again and is accepted.
    receiver.mode = "up"
    push_retry(item=put)
    settle()
    put.refresh_from_db()
    assert put.status == Status.DELIVERED
    assert_in_sync(receiver)


def test_without_an_object_to_put_the_refused_patch_stays_failed(
    receiver: Receiver, settle: Callable[..., None]
) -> None:
    location = location_upsert(data=location_data()).location
    evse = location.evses.get()
    partner = receiving_partner(receiver)
    location_set_roaming(location=location, enabled=False)  # withdrawn: nothing of it may go out any more
    with transaction.atomic():
        push_enqueue(
            partner=partner,
            module="locations",
            object_key=location_key(location),
            method="PATCH",
            path=location_path(location, evse),
            body={"status": "CHARGING", "last_updated": "2030-01-01T00:00:00Z"},
        )
    settle()
    [row] = OutboxItem.objects.filter(method="PATCH")
    assert (row.status, row.http_status) == (Status.FAILED, 404)
    assert [c.method for c in receiver.calls] == ["PATCH"]


class ForgetfulEmsp(DriversEmsp):
    """An eMSP that lost our sessions: a PATCH of a session it does not have is HTTP 404."""

    def _route(self, request: Request) -> Reply:
        key = request.route.rpartition("/sessions/")[2]
        if request.method == "PATCH" and "/sessions/" in request.route and key not in self.sessions:
            return Reply(404, envelope(2000, message=f"Unknown session {key}"))
        return super()._route(request)


def test_a_patch_of_an_unknown_session_is_followed_by_a_put_of_the_whole_session() -> None:
    emsp = ForgetfulEmsp().start()
    try:
        partner, _ = registered_partner(emsp)
        session = charged_session(roaming_station(), partner, minutes=20, stop=False)
        key = f"SE/CPO/{session.ocpi_id}"
        assert emsp.sessions[key]["status"] == "ACTIVE"
        emsp.sessions.clear()  # the eMSP restored an old backup
        before = len(emsp.log)
        path = f"{session.country_code}/{session.party_id}/{session.ocpi_id}"
        with transaction.atomic():
            push_enqueue(
                partner=partner,
                module="sessions",
                object_key=f"sessions/{path}",
                method="PATCH",
                path=path,
                body=session_patch_json(session),
                coalesce=False,  # the same progress again: a repeat would be dropped
            )
        sent = [(r.method, r.route.rpartition("/sessions/")[2]) for r in emsp.log[before:]]
        assert sent == [("PATCH", key), ("PUT", key)]
        assert emsp.sessions[key]["id"] == session.ocpi_id
        assert emsp.sessions[key]["kwh"] == pytest.approx(float(session.kwh))
        assert "charging_periods" in emsp.sessions[key]
    finally:
        emsp.stop()
