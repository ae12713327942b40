"""Delivery against a real HTTP receiver on loopback. Changes commit for real (transaction=True), so the rows are
delivered after commit by Celery in eager mode, in this process; the sweeper is run the way beat would run it."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction

from chargepoints.models import EVSE, Location
from chargepoints.selectors import location_list_for_sync
from chargepoints.services import LocationInput, evse_set_status, location_upsert
from ocpi_api.modules.locations.serializers import location_to_ocpi
from ocpi_api.modules.tariffs.serializers import TariffSerializer
from ocpi_api.push import delivery
from ocpi_api.push.delivery import _claim, _queue_of, push_deliver, push_sweep
from ocpi_api.push.keys import location_path
from ocpi_api.push.models import OutboxItem
from ocpi_api.push.services import push_enqueue, push_retry, push_retry_partner
from ocpi_api.push.signals import push_delivered
from tariffs.selectors import tariff_list
from tariffs.services import TariffInput, tariff_replace
from tests.factories import connector_data, evse_data, location_data

from .conftest import receiving_partner
from .receiver import Receiver

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fast_push")]
Status = OutboxItem.Status
STATUSES = ["AVAILABLE", "CHARGING", "BLOCKED", "OUTOFORDER", "RESERVED"]


def tariff_data(price: str) -> TariffInput:
    return {
        "country_code": "SE",
        "party_id": "CPO",
        "id": "AC-1",
        "currency": "SEK",
        "elements": [{"price_components": [{"type": "ENERGY", "price": Decimal(price), "step_size": 1}]}],
    }


def assert_in_sync(receiver: Receiver) -> None:
    """The receiver holds exactly what we serve: every roaming location and tariff, field for field."""
    ours = {location_path(loc): location_to_ocpi(loc) for loc in location_list_for_sync()}
    assert receiver.locations == ours
    tariffs = {f"SE/CPO/{t.ocpi_id}": TariffSerializer(t).data for t in tariff_list()}
    assert receiver.tariffs == {key: _plain(value) for key, value in tariffs.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return float(value) if isinstance(value, Decimal) else value


def assert_never_older(receiver: Receiver) -> None:
    """Per addressed object, what the receiver accepted never goes back in time."""
    seen: dict[str, str] = {}
    for call in receiver.calls:
        if call.mode == "up" and call.body and "last_updated" in call.body:
            assert call.body["last_updated"] >= seen.get(call.path, ""), call
            seen[call.path] = call.body["last_updated"]


def test_delivered_after_commit_and_never_for_a_rollback(receiver: Receiver) -> None:
    receiving_partner(receiver)
    location = location_upsert(data=location_data()).location
    evse = location.evses.get()
    with transaction.atomic():
        evse_set_status(evse=evse, status="CHARGING")
        assert len(receiver.calls) == 1  # the location's PUT; the PATCH waits for the commit
    put, call = receiver.calls
    assert (call.method, call.path, call.body["status"]) == (
        "PATCH",
        f"locations/{location_path(location, evse)}",
        "CHARGING",
    )
    assert call.headers["Authorization"].startswith("Token ")
    assert call.headers["OCPI-to-party-id"] == "EMS"
    assert put.method == "PUT"
    row = OutboxItem.objects.get(method="PATCH")
    assert (row.status, row.http_status, row.ocpi_status, row.attempts) == (Status.DELIVERED, 200, 1000, 1)
    assert list(row.attempt_log.values_list("outcome", flat=True)) == ["DELIVERED"]
    assert_in_sync(receiver)

    def failing_change() -> None:
        with transaction.atomic():
            evse_set_status(evse=evse, status="BLOCKED")
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        failing_change()
    assert len(receiver.calls) == 2
    assert OutboxItem.objects.count() == 2


def test_receiver_down_during_500_changes_gets_everything_in_order(
    receiver: Receiver, settle: Callable[..., None], settings
) -> None:
    rng = random.Random(5)
    datas: list[LocationInput] = [
        location_data(evses=[evse_data(), evse_data(connectors=[connector_data(), connector_data(connector_id="2")])])
        for _ in range(3)
    ]
    receiving_partner(receiver)
    for data in datas:
        location_upsert(data=data)
    tariff_replace(data=tariff_data("3.00"))
    settle()
    assert_in_sync(receiver)
    receiver.mode = "down"
    settings.OCPI_PUSH_RETRY_BASE = settings.OCPI_PUSH_RETRY_CAP = 1.0  # a wait of 0.5 to 1 s after each failure
    evses = list(EVSE.objects.all())
    started = time.monotonic()
    for n in range(500):
        roll = rng.random()
        if roll < 0.8:
            evse = rng.choice(evses)
            evse.refresh_from_db()
            evse_set_status(evse=evse, status=rng.choice([s for s in STATUSES if s != evse.status]))
        elif roll < 0.9:
            data = rng.choice(datas)
            data["name"] = f"Renamed {n}"
            data["evses"][-1]["connectors"][-1]["max_amperage"] = rng.choice([16, 32, 63])
            data["evses"][0]["status"] = rng.choice(STATUSES)
            location_upsert(data=data)
        else:
            tariff_replace(data=tariff_data(f"{rng.randint(200, 500) / 100:.2f}"))
    attempts_while_down = len([c for c in receiver.calls if c.mode == "down"])
    queues = len(datas) + 1  # each location, and the tariff
    most_attempts = queues * ((time.monotonic() - started) / 0.5 + 1)
    sent_before = len(receiver.calls)
    receiver.mode = "up"
    settle()
    assert_in_sync(receiver)
    assert_never_older(receiver)
    # Backoff spared the partner while it was down, and coalescing left about one call per object to catch up.
    print(f"{attempts_while_down} attempts while down, {len(receiver.calls) - sent_before} calls to catch up")
    assert attempts_while_down <= most_attempts
    assert len(receiver.calls) - sent_before <= 20


def test_a_receiver_slower_than_the_timeout_gets_the_change_again(
    receiver: Receiver, settle: Callable[..., None]
) -> None:
    receiving_partner(receiver)
    location = location_upsert(data=location_data()).location
    evse = location.evses.get()
    receiver.mode, receiver.delay = "slow", 1.0  # the read timeout is 0.5 s
    evse_set_status(evse=evse, status="CHARGING")
    row = OutboxItem.objects.get(method="PATCH")
    assert row.status == Status.PENDING
    assert "ReadTimeout" in row.response_message
    receiver.mode = "up"
    evse_set_status(evse=evse, status="AVAILABLE")
    settle()
    assert_in_sync(receiver)
    assert_never_older(receiver)
    assert row.attempt_log.order_by("id").values_list("outcome", flat=True).first() == "RETRY"


def test_100_flaps_while_down_become_a_handful_of_patches(receiver: Receiver, settle: Callable[..., None]) -> None:
    receiving_partner(receiver)
    location = location_upsert(data=location_data()).location
    evse = location.evses.get()
    receiver.mode = "down"
    for n in range(100):
        evse_set_status(evse=evse, status=["CHARGING", "AVAILABLE"][n % 2] if n < 99 else "OUTOFORDER")
    receiver.mode = "up"
    settle()
    patches = receiver.calls_to(f"locations/{location_path(location, evse)}", "PATCH", mode="up")
    assert 1 <= len(patches) <= 3
    assert patches[-1].body["status"] == "OUTOFORDER"
    received = receiver.evse(location_path(location), evse.uid)
    assert received is not None
    assert received["status"] == "OUTOFORDER"
    assert_in_sync(receiver)
    assert OutboxItem.objects.filter(method="PATCH", status=Status.DELIVERED).count() == len(patches)


def test_a_new_location_goes_out_before_the_changes_that_follow_it(
    receiver: Receiver, settle: Callable[..., None]
) -> None:
    receiving_partner(receiver)
    receiver.mode = "down"
    location = location_upsert(data=location_data()).location
    evse = location.evses.get()
    evse_set_status(evse=evse, status="CHARGING")
    receiver.mode = "up"
    settle()
    answered = [c for c in receiver.calls if c.mode == "up"]
    assert [c.method for c in answered] == ["PUT", "PATCH"]
    assert_in_sync(receiver)


@pytest.mark.parametrize(
    ("mode", "http", "ocpi", "message"),
    # A 404 to a PATCH is followed by a PUT instead: test_unknown_object.py.
    [("2001", 200, 2001, "Missing required field: type"), ("401", 401, 2000, "We do not know this party")],
)
def test_a_rejection_is_permanent_with_the_partners_message(
    receiver: Receiver, settle: Callable[..., None], mode: str, http: int, ocpi: int, message: str
) -> None:
    partner = receiving_partner(receiver)
    location = location_upsert(data=location_data()).location
    receiver.mode = mode
    evse_set_status(evse=location.evses.get(), status="CHARGING")
    settle()
    row = OutboxItem.objects.get(method="PATCH")
    assert (row.status, row.http_status, row.ocpi_status, row.attempts) == (Status.FAILED, http, ocpi, 1)
    assert message in row.response_message
    assert len(receiver.calls) == 2
    # Staff fix the cause and retry everything for the partner.
    receiver.mode = "up"
    assert push_retry_partner(partner=partner) == 1
    settle()
    row.refresh_from_db()
    assert row.status == Status.DELIVERED
    assert_in_sync(receiver)


def test_a_command_result_stops_being_retried_once_the_emsp_no_longer_waits(
    receiver: Receiver, settle: Callable[..., None], settings
) -> None:
    settings.OCPI_PUSH_MAX_AGE_COMMAND_RESULTS = 0.5  # production: 10 minutes; location changes keep the long limit
    partner = receiving_partner(receiver)
    receiver.mode = "500"
    with transaction.atomic():
        push_enqueue(
            partner=partner,
            module="commands",
            object_key="commands/1",
            method="POST",
            url=f"{receiver.base_url}/ocpi/emsp/2.2.1/commands/START_SESSION/1",
            body={"result": "ACCEPTED"},
        )
    settle()
    row = OutboxItem.objects.get(module="commands")
    assert row.status == Status.DEAD
    assert row.finished_at is not None
    assert row.finished_at - row.created < timedelta(seconds=30)  # not the day-long limit of catalogue changes


@pytest.mark.parametrize("mode", ["500", "3000", "down"])
def test_transient_failures_back_off_until_the_age_limit_then_dead_letter(
    receiver: Receiver, settle: Callable[..., None], settings, mode: str
) -> None:
    settings.OCPI_PUSH_MAX_AGE = 1.0  # long enough for several attempts on a loaded machine
    receiving_partner(receiver)
    location = location_upsert(data=location_data()).location
    receiver.mode = mode
    evse_set_status(evse=location.evses.get(), status="CHARGING")
    settle()
    row = OutboxItem.objects.get(method="PATCH")
    outcomes = list(row.attempt_log.order_by("id").values_list("outcome", flat=True))
    assert row.status == Status.DEAD
    assert outcomes[-1] == "DEAD"
    assert set(outcomes[:-1]) == {"RETRY"}
    assert len(outcomes) >= 3
    receiver.mode = "up"
    push_retry(item=row)
    settle()
    row.refresh_from_db()
    assert row.status == Status.DELIVERED
    assert_in_sync(receiver)


def test_a_row_older_than_what_the_partner_has_is_never_sent(receiver: Receiver, settle: Callable[..., None]) -> None:
    receiving_partner(receiver)
    location = location_upsert(data=location_data()).location
    evse = location.evses.get()
    evse_set_status(evse=evse, status="CHARGING")
    first = OutboxItem.objects.get(method="PATCH")
    evse_set_status(evse=evse, status="AVAILABLE")
    settle()
    sent = len(receiver.calls)
    replay = push_retry(item=first)  # staff replay an old row by mistake
    settle()
    replay.refresh_from_db()
    assert replay.status == Status.SUPERSEDED
    assert "newer version" in replay.response_message
    assert len(receiver.calls) == sent
    received = receiver.evse(location_path(location), evse.uid)
    assert received is not None
    assert received["status"] == "AVAILABLE"


def test_the_sweeper_resends_a_row_whose_worker_died_mid_delivery(receiver: Receiver, settings) -> None:
    partner = receiving_partner(receiver)
    location = location_upsert(data=location_data()).location
    evse = location.evses.get()
    path = location_path(location, evse)
    with transaction.atomic():
        row = push_enqueue(
            partner=partner,
            module="locations",
            object_key="k",
            method="PATCH",
            path=path,
            body={"status": "CHARGING", "last_updated": "2026-01-01T00:00:00Z"},
        )
        assert row is not None
        row.next_attempt_at = row.created.replace(year=2100)  # keep the after-commit task from sending it
        row.save()
    OutboxItem.objects.filter(pk=row.pk).update(next_attempt_at=row.created)
    queue = _queue_of(row.pk)
    assert queue is not None
    claim = _claim(queue)  # a worker takes the row … and is killed before it records anything
    assert claim is not None
    assert push_sweep() == 0  # the lease still holds
    OutboxItem.objects.filter(pk=row.pk).update(claimed_until=row.created)  # the lease ran out
    assert push_sweep() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.DELIVERED, 2)
    assert [c.method for c in receiver.calls] == ["PUT", "PATCH"]


def test_a_cdr_post_keeps_the_location_header_for_its_module(receiver: Receiver) -> None:
    partner = receiving_partner(receiver, "cdrs")
    seen: list[tuple[str, str | None]] = []

    def on_delivered(sender: type, item: OutboxItem, **kwargs: Any) -> None:
        seen.append((item.module, item.response_header("location")))

    push_delivered.connect(on_delivered, dispatch_uid="test-cdr-location")
    try:
        with transaction.atomic():
            push_enqueue(
                partner=partner,
                module="cdrs",
                object_key="cdrs/C1",
                method="POST",
                body={"id": "C1", "total": Decimal("1.10")},
            )
    finally:
        push_delivered.disconnect(dispatch_uid="test-cdr-location")
    assert seen == [("cdrs", f"{receiver.base_url}/cdrs/C1")]
    assert receiver.cdrs["C1"] == {"id": "C1", "total": 1.1}
    assert OutboxItem.objects.get().http_status == 201


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite has no SKIP LOCKED)")
def test_two_workers_never_send_the_same_row_twice(receiver: Receiver) -> None:
    location = location_upsert(data=location_data()).location
    partner = receiving_partner(receiver)
    with transaction.atomic():
        row = push_enqueue(
            partner=partner,
            module="locations",
            object_key="k",
            method="PUT",
            path=location_path(location),
            body=location_to_ocpi(Location.objects.get()),
        )
        assert row is not None
        row.next_attempt_at = row.created.replace(year=2100)  # keep the after-commit task from sending it
        row.save()
    OutboxItem.objects.filter(pk=row.pk).update(next_attempt_at=row.created)
    receiver.mode, receiver.delay = "slow", 0.3
    start = threading.Barrier(4)
    calls: list[int] = []

    def worker() -> None:
        start.wait()
        try:
            calls.append(push_deliver(item_id=row.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(calls) == [0, 0, 0, 1]
    assert len(receiver.calls) == 1


def test_retries_back_off_exponentially_with_jitter_up_to_the_cap(settings) -> None:
    """The delay before retry n is between half and all of base·2^(n−1), never above the cap. Checked on the
    delays themselves: the gaps between real attempts also hold the machine's own delays."""
    settings.OCPI_PUSH_RETRY_BASE, settings.OCPI_PUSH_RETRY_CAP = 5.0, 600.0
    for attempt, ceiling in [(1, 5.0), (2, 10.0), (3, 20.0), (8, 600.0), (30, 600.0)]:
        delays = [delivery._backoff(attempt) for _ in range(200)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays), attempt
        assert max(delays) - min(delays) > ceiling / 10, "jittered, not fixed"
