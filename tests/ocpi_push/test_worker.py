"""The pipeline with its real moving parts: a Celery worker process, Redis, PostgreSQL and beat's sweeper."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.db import connection
from django_celery_beat.models import PeriodicTask

from chargepoints.models import EVSE
from chargepoints.services import evse_set_status, location_upsert
from ocpi_api.push.models import OutboxItem
from tests.factories import evse_data, location_data

from .conftest import receiving_partner
from .receiver import Receiver
from .test_delivery import STATUSES, assert_in_sync, assert_never_older
from .worker import REDIS_URL, Worker, database_url, publishing_to, redis_problem

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Worker]:
    problem = redis_problem()
    if problem:
        pytest.skip(problem)
    url = database_url(connection.settings_dict)
    if url is None:
        pytest.skip("the worker shares the test database, which needs PostgreSQL (set DATABASE_URL)")
    with publishing_to(REDIS_URL):
        process = Worker(database_url=url, broker_url=REDIS_URL, log_path=tmp_path / "worker.log").start()
        try:
            yield process
        finally:
            process.stop()


def wait_until_settled(timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while OutboxItem.objects.filter(status=OutboxItem.Status.PENDING).exists():
        assert time.monotonic() < deadline, list(OutboxItem.objects.filter(status="PENDING").values())
        time.sleep(0.1)


def test_killing_the_worker_mid_delivery_and_losing_the_broker_loses_nothing(
    worker: Worker, receiver: Receiver
) -> None:
    receiving_partner(receiver)
    location = location_upsert(data=location_data(evses=[evse_data(), evse_data()])).location
    wait_until_settled()
    assert_in_sync(receiver)
    evses = list(EVSE.objects.filter(location=location))

    receiver.mode, receiver.delay = "slow", 5.0
    receiver.arrived.clear()
    evse_set_status(evse=evses[0], status="CHARGING")
    assert receiver.arrived.wait(10)
    in_flight_call = receiver.calls[-1]
    worker.kill()  # mid-delivery: the PATCH reached the partner, its answer never came back
    [in_flight] = OutboxItem.objects.filter(status=OutboxItem.Status.PENDING)
    assert in_flight.claimed_until is not None

    for n in range(40):  # changes go on while no worker runs
        evse = evses[n % 2]
        evse.refresh_from_db()
        evse_set_status(
            evse=evse, status=STATUSES[n % len(STATUSES)] if evse.status != STATUSES[n % len(STATUSES)] else "UNKNOWN"
        )
    redis.Redis.from_url(REDIS_URL).flushdb()  # and the broker restarts empty: every queued task is gone

    receiver.mode = "up"
    worker.start()
    wait_until_settled()
    assert_in_sync(receiver)
    assert_never_older(receiver)
    in_flight.refresh_from_db()
    # Once its lease ran out, the next claim folded it into the latest PATCH of its EVSE, which went out in its place
    # with its attempt count: the partner got that EVSE's PATCH again (at least once, never lost), at its latest.
    assert in_flight.status == OutboxItem.Status.SUPERSEDED
    carrier = OutboxItem.objects.get(pk=int(in_flight.response_message.removeprefix("Merged into row ").rstrip(".")))
    assert (carrier.status, carrier.attempts, carrier.path) == (OutboxItem.Status.DELIVERED, 2, in_flight.path)
    assert len(receiver.calls_to(in_flight_call.path, "PATCH")) >= 2
    assert "sweeper re-queued" in worker.log_path.read_text()
    # Beat registered the sweeper from CELERY_BEAT_SCHEDULE as a PeriodicTask, once.
    assert PeriodicTask.objects.filter(name="ocpi-push-sweep").count() == 1


def test_a_receiver_down_for_200_changes_catches_up_through_the_worker(worker: Worker, receiver: Receiver) -> None:
    receiving_partner(receiver)
    location_upsert(data=location_data(evses=[evse_data(), evse_data(), evse_data()]))
    wait_until_settled()
    receiver.mode = "500"
    evses = list(EVSE.objects.all())
    for n in range(200):
        evse = evses[n % 3]
        evse.refresh_from_db()
        evse_set_status(evse=evse, status=next(s for s in STATUSES[n % 5 :] + STATUSES if s != evse.status))
    receiver.mode, before = "up", len(receiver.calls)
    wait_until_settled()
    assert_in_sync(receiver)
    assert_never_older(receiver)
    # The claim after the backoff folded the 200 waiting changes into about one PATCH per EVSE.
    assert len([c for c in receiver.calls[before:] if c.mode == "up"]) <= 4
