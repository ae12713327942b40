"""Push pipeline throughput: 1,000 EVSE status changes delivered to 5 partners on loopback through Redis and one
Celery worker (``--pool=solo``), against plain sequential ``requests.patch`` calls to the same receivers in the same
run. Prints deliveries per second and the p95 latency from a change's commit to its receipt by each partner.

A change counts as received by a partner when a PATCH for that EVSE carrying its last_updated or a later one arrives
(coalescing may fold several changes into one PATCH). Needs PostgreSQL (the worker shares the database) and Redis;
without them it says so and skips.
"""

from __future__ import annotations

import bisect
import os
import random
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import requests
from django.db import connection

from chargepoints.models import EVSE
from chargepoints.services import evse_set_status, location_upsert
from ocpi_api.models import Partner, PartyGrant
from ocpi_api.push.keys import location_path
from ocpi_api.push.models import OutboxItem
from tests.bench.support import result, sized, skipped
from tests.factories import evse_data, location_data
from tests.ocpi_push.conftest import receiving_partner
from tests.ocpi_push.receiver import Receiver
from tests.ocpi_push.worker import Worker, database_url, publishing_to, redis_problem

CHANGES = sized(1000, 40)
PARTNERS = sized(5, 2)
LOCATIONS = sized(20, 4)
EVSES_PER_LOCATION = 5
STATUSES = ["AVAILABLE", "CHARGING", "BLOCKED", "RESERVED", "OUTOFORDER"]
REDIS_URL = os.environ.get("OCPI_PUSH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def run() -> list[str]:
    url = database_url(connection.settings_dict)
    if url is None:
        return skipped("push", f"needs PostgreSQL (DATABASE_URL points at {connection.vendor})")
    problem = redis_problem(REDIS_URL)
    if problem:
        return skipped("push", f"needs Redis ({problem})")
    receivers = [Receiver().start() for _ in range(PARTNERS)]
    try:
        with tempfile.TemporaryDirectory() as tmp, publishing_to(REDIS_URL):
            log = Path(tmp) / "worker.log"
            worker = Worker(database_url=url, broker_url=REDIS_URL, log_path=log).start()
            try:
                return _bench(receivers)
            finally:
                worker.stop()
    finally:
        for receiver in receivers:
            receiver.stop()
        # Leave the database as we found it: no partner that later changes would be pushed to.
        PartyGrant.objects.filter(partner__name__startswith="bench-").delete()  # grants protect their partner
        Partner.objects.filter(name__startswith="bench-").delete()


def _wait_until_delivered(timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while OutboxItem.objects.filter(status=OutboxItem.Status.PENDING).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("deliveries did not finish")
        time.sleep(0.05)


def _bench(receivers: list[Receiver]) -> list[str]:
    for n, receiver in enumerate(receivers):
        receiving_partner(receiver, "locations", name=f"bench-{n}", party_id=f"B{n:02d}")
    locations = [
        location_upsert(data=location_data(evses=[evse_data() for _ in range(EVSES_PER_LOCATION)])).location
        for _ in range(LOCATIONS)
    ]
    _wait_until_delivered()
    evses = list(EVSE.objects.select_related("location").filter(location__in=locations))
    for receiver in receivers:
        receiver.calls.clear()

    rng = random.Random(1)
    changes: list[tuple[str, str, float]] = []  # (EVSE path, last_updated, commit time)
    started = time.time()
    for _ in range(CHANGES):
        evse = rng.choice(evses)
        status = rng.choice([s for s in STATUSES if s != evse.status])
        evse_set_status(evse=evse, status=status)
        changes.append((location_path(evse.location, evse), _ocpi_time(evse), time.time()))
    produced = time.time() - started
    _wait_until_delivered()
    calls = [call for receiver in receivers for call in receiver.calls]
    pipeline = max(call.at for call in calls) - started
    latencies, lost = _latencies(receivers, changes)
    for receiver in receivers:
        for evse in evses:
            received = receiver.evse(location_path(evse.location), evse.uid)
            assert received is not None
            assert received["status"] == evse.status

    bodies = [(path, {"status": "AVAILABLE", "last_updated": lu}) for path, lu, _ in changes]
    baseline_started = time.perf_counter()
    for receiver in receivers:
        for path, body in bodies:
            requests.patch(f"{receiver.base_url}/locations/{path}", json=body, timeout=10).raise_for_status()
    baseline = time.perf_counter() - baseline_started

    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else float("nan")
    return [
        f"{CHANGES} EVSE status changes on {len(evses)} EVSEs, {PARTNERS} partners, 1 worker (solo pool), Redis",
        f"pipeline: {pipeline:.2f} s from the first change to the last receipt ({produced:.2f} s to make the changes)",
        f"{len(calls)} PATCHes delivered ({CHANGES * PARTNERS} change×partner pairs; coalescing folded the rest): "
        f"{len(calls) / pipeline:.0f} deliveries/s",
        f"baseline: {CHANGES * PARTNERS} sequential requests.patch calls in {baseline:.2f} s "
        f"({CHANGES * PARTNERS / baseline:.0f} calls/s)",
        f"ratio pipeline/baseline: {pipeline / baseline:.2f}",
        f"change-to-receipt latency: p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
        f" over {len(latencies)} pairs; lost: {lost}",
        result("push", pipeline_vs_baseline=pipeline / baseline, p95_ms=p95 * 1000, lost=lost),
    ]


def _ocpi_time(evse: EVSE) -> str:
    return evse.last_updated.strftime("%Y-%m-%dT%H:%M:%S.") + f"{evse.last_updated.microsecond // 1000:03d}Z"


def _latencies(receivers: list[Receiver], changes: list[tuple[str, str, float]]) -> tuple[list[float], int]:
    latencies: list[float] = []
    lost = 0
    for receiver in receivers:
        arrivals: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for call in receiver.calls:
            arrivals[call.path.removeprefix("locations/")].append((call.body["last_updated"], call.at))
        for path, last_updated, committed in changes:
            received = arrivals[path]
            index = bisect.bisect_left(received, (last_updated, 0.0))
            if index == len(received):
                lost += 1
            else:
                latencies.append(received[index][1] - committed)
    return latencies, lost
