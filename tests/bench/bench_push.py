"""Push pipeline: EVSE status changes delivered to 5 partners on loopback through Redis and real Celery workers
(``--pool=solo`` processes), against plain sequential ``requests.patch`` calls to the same receivers in the same run.
The partners' receivers run in a process of their own (``tests.ocpi_push.receiver_process``), as partners do: in
this one their threads would hold up the changes being measured, and the baseline's calls.

Five measurements, each against its own baseline in this run:

- throughput: 1,000 changes × 5 partners, from the first change to the last receipt, against 5,000 sequential
  ``requests.patch`` calls (``throughput_x`` = baseline time / pipeline time; coalescing may fold several changes of
  one EVSE into one PATCH, so fewer calls than change×partner pairs are made, and both counts are printed);
- latency: p95 from a change's commit to its receipt by each partner, 1 worker process, at the rate this loop makes
  changes;
- cost of a change: ``evse_set_status`` with everything (status history, location stamp, stored document, outbox
  rows, wake-up) against the bare UPDATE of the EVSE's status in a transaction of its own, committed (``change_ms``
  is the difference), and, as before, against ``evse_set_status`` with the push receiver disconnected; no worker
  running, ms per change;
- scaling: the same backlog (one change on each of 200 EVSEs, for 5 partners) drained by 1 and by 2 worker processes;
- recovery: one partner drops every connection while 10,000 changes happen, then comes back; seconds until it has
  every change (the backlog was coalesced meanwhile). The workers run with the test suite's short backoff (0.1–0.5 s).

A change counts as received by a partner when a PATCH for that EVSE carrying its last_updated or a later one arrives.
CPU seconds are printed beside the wall-clock figures (the machine may be shared): the worker process's own, and this
thread's for the baseline's calls and for the changes (neither counts PostgreSQL's or the receivers' CPU).
Needs PostgreSQL (the workers share the database) and Redis; without them it says so and skips.
"""

from __future__ import annotations

import bisect
import os
import random
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
import requests
from django.db import connection, transaction
from django.db.models import QuerySet

from chargepoints.models import EVSE
from chargepoints.services import evse_set_status, location_upsert
from chargepoints.signals import evse_status_writing
from ocpi_api.models import Partner, PartyGrant
from ocpi_api.push.keys import location_path
from ocpi_api.push.models import OutboxItem
from ocpi_api.push.receivers import on_evse_status_writing
from ocpi_api.push.wake import queue_drain
from tests.bench.support import result, sized, skipped
from tests.factories import evse_data, location_data
from tests.ocpi_push.conftest import receiving_partner
from tests.ocpi_push.receiver_process import ReceiverProcess, RemoteReceiver
from tests.ocpi_push.worker import FAST, Worker, database_url, publishing_to, redis_problem

CHANGES = sized(1000, 40)
PARTNERS = sized(5, 2)
LOCATIONS = sized(20, 4)
SCALING_LOCATIONS = sized(40, 4)  # the scaling backlog: one change on each of their EVSEs
EVSES_PER_LOCATION = 5
COST_CHANGES = sized(400, 20)
RECOVERY_CHANGES = sized(10_000, 60)
STATUSES = ["AVAILABLE", "CHARGING", "BLOCKED", "RESERVED", "OUTOFORDER"]
REDIS_URL = os.environ.get("OCPI_PUSH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
# No sweeper re-queueing during a measurement: nothing is lost here, and the scaling backlog must wait for its start.
WORKER_ENV = {**FAST, "OCPI_PUSH_SWEEP_GRACE": "600"}
Change = tuple[str, str, float]  # (EVSE path, last_updated, commit time)


def run() -> list[str]:
    url = database_url(connection.settings_dict)
    if url is None:
        return skipped("push", f"needs PostgreSQL (DATABASE_URL points at {connection.vendor})")
    problem = redis_problem(REDIS_URL)
    if problem:
        return skipped("push", f"needs Redis ({problem})")
    receiver_process = ReceiverProcess(PARTNERS)
    receivers = receiver_process.start()
    try:
        with tempfile.TemporaryDirectory() as tmp, publishing_to(REDIS_URL):
            return _bench(receivers, lambda n: _worker(url, Path(tmp), n))
    finally:
        receiver_process.stop()
        # Leave the database as we found it: no partner that later changes would be pushed to.
        PartyGrant.objects.filter(partner__name__startswith="bench-").delete()  # grants protect their partner
        Partner.objects.filter(name__startswith="bench-").delete()


def _worker(url: str, tmp: Path, n: int) -> Worker:
    log = tmp / f"worker-{n}.log"
    return Worker(database_url=url, broker_url=REDIS_URL, log_path=log, extra_env=WORKER_ENV, beat=n == 0, name=f"w{n}")


@contextmanager
def _workers(make: Callable[[int], Worker], count: int) -> Iterator[list[Worker]]:
    started = [make(n).start() for n in range(count)]
    try:
        yield started
    finally:
        for worker in started:
            worker.stop()


def _cpu_seconds(workers: list[Worker]) -> float:
    """User + system CPU seconds the worker processes used so far (Linux /proc; NaN elsewhere)."""
    total = 0.0
    for worker in workers:
        assert worker.process is not None
        try:
            fields = Path(f"/proc/{worker.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _wait_until_delivered(rows: QuerySet[OutboxItem] | None = None, timeout: float = 300.0) -> float:
    """Seconds until no row (of ``rows``) waits any more."""
    started = time.monotonic()
    waiting = (OutboxItem.objects.all() if rows is None else rows).filter(status=OutboxItem.Status.PENDING)
    while waiting.exists():
        if time.monotonic() - started > timeout:
            raise RuntimeError("deliveries did not finish")
        time.sleep(0.02)
    return time.monotonic() - started


def _change(evses: list[EVSE], rng: random.Random) -> Change:
    evse = rng.choice(evses)
    evse_set_status(evse=evse, status=rng.choice([s for s in STATUSES if s != evse.status]))
    return location_path(evse.location, evse), _ocpi_time(evse), time.time()


def _bench(receivers: list[RemoteReceiver], make_worker: Callable[[int], Worker]) -> list[str]:
    for n, receiver in enumerate(receivers):
        receiving_partner(receiver, "locations", name=f"bench-{n}", party_id=f"B{n:02d}")
    rng = random.Random(1)
    with _workers(make_worker, 1) as workers:
        locations = [
            location_upsert(data=location_data(evses=[evse_data() for _ in range(EVSES_PER_LOCATION)])).location
            for _ in range(LOCATIONS + SCALING_LOCATIONS)
        ]
        _wait_until_delivered()
        evses = list(EVSE.objects.select_related("location").filter(location__in=locations[:LOCATIONS]))
        scaling_evses = list(EVSE.objects.select_related("location").filter(location__in=locations[LOCATIONS:]))
        for receiver in receivers:
            receiver.clear_calls()

        # Throughput and latency: changes as fast as this loop makes them, one worker delivering meanwhile.
        worker_cpu = _cpu_seconds(workers)
        started, change_cpu = time.time(), time.thread_time()
        changes = [_change(evses, rng) for _ in range(CHANGES)]
        produced, change_cpu = time.time() - started, time.thread_time() - change_cpu
        _wait_until_delivered()
        worker_cpu = _cpu_seconds(workers) - worker_cpu
        calls = [call for receiver in receivers for call in receiver.calls]
        pipeline = max(call.at for call in calls) - started
        latencies, lost, repeats = _latencies(receivers, changes)
        _assert_in_sync(receivers, evses)
    baseline, baseline_cpu = _baseline(receivers, changes)

    cost = _change_cost(evses, rng)
    _wait_for_no_worker()
    scaling = {count: _drain_backlog(make_worker, count, scaling_evses, rng) for count in (1, 2)}
    recovery_s, recovery_calls = _recovery(make_worker, receivers, evses, rng)

    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else float("nan")
    pairs = CHANGES * PARTNERS
    return [
        f"{CHANGES} EVSE status changes on {len(evses)} EVSEs, {PARTNERS} partners, 1 worker process, Redis",
        f"pipeline: {pipeline:.2f} s from the first change to the last receipt ({produced:.2f} s to make the changes, "
        f"{change_cpu:.2f} s CPU of this thread); worker CPU {worker_cpu:.2f} s, "
        f"{worker_cpu / max(len(calls), 1) * 1000:.2f} ms per call",
        f"{len(calls)} PATCHes for {pairs} change×partner pairs (coalescing folded the rest): "
        f"{pairs / pipeline:.0f} pairs/s, {len(calls) / pipeline:.0f} calls/s",
        f"baseline: {pairs} sequential requests.patch calls in {baseline:.2f} s ({pairs / baseline:.0f} calls/s), "
        f"{baseline_cpu / pairs * 1000:.2f} ms CPU per call in the calling thread",
        f"throughput pipeline/baseline: {baseline / pipeline:.2f}×",
        f"change-to-receipt latency: p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
        f" over {len(latencies)} pairs; lost: {lost}; covered by a row dropped as a repeat: {repeats}",
        f"cost of a change: {cost.full:.2f} ms (evse_set_status with everything), {cost.bare:.2f} ms for the bare "
        f"UPDATE of the status, committed: +{cost.full - cost.bare:.2f} ms; CPU of this thread {cost.full_cpu:.2f} ms "
        f"and {cost.bare_cpu:.2f} ms: +{cost.full_cpu - cost.bare_cpu:.2f} ms",
        f"the old split: {cost.unpushed:.2f} ms with the push receiver disconnected, so the outbox rows and wake-up "
        f"add {cost.full - cost.unpushed:.2f} ms (CPU {cost.unpushed_cpu:.2f} ms: "
        f"+{cost.full_cpu - cost.unpushed_cpu:.2f} ms)",
        f"scaling: a backlog of {len(scaling_evses) * PARTNERS} calls drained in {scaling[1][0]:.2f} s by 1 worker "
        f"process, {scaling[2][0]:.2f} s by 2: {scaling[1][0] / scaling[2][0]:.2f}× "
        f"(worker CPU {scaling[1][1]:.2f} s and {scaling[2][1]:.2f} s)",
        f"recovery: a partner down during {RECOVERY_CHANGES} changes had them all {recovery_s:.2f} s after it came "
        f"back, in {recovery_calls} calls",
        result(
            "push",
            throughput_x=baseline / pipeline,
            p95_ms=p95 * 1000,
            workers2_x=scaling[1][0] / scaling[2][0],
            change_ms=cost.full - cost.bare,
            recovery_s=recovery_s,
            lost=lost,
        ),
    ]


def _baseline(receivers: list[RemoteReceiver], changes: list[Change]) -> tuple[float, float]:
    """(seconds, CPU seconds of this thread) of the sequential calls."""
    bodies = [(path, {"status": "AVAILABLE", "last_updated": lu}) for path, lu, _ in changes]
    started, cpu = time.perf_counter(), time.thread_time()
    for receiver in receivers:
        for path, body in bodies:
            requests.patch(f"{receiver.base_url}/locations/{path}", json=body, timeout=10).raise_for_status()
    return time.perf_counter() - started, time.thread_time() - cpu


@dataclass(frozen=True)
class ChangeCost:
    """Milliseconds per change, wall clock and CPU of this thread, of each way of making it."""

    bare: float  # a plain UPDATE of the EVSE's status in a transaction of its own, committed
    full: float  # evse_set_status: history, location stamp, stored document, outbox rows, wake-up
    unpushed: float  # evse_set_status with the push receiver disconnected (no outbox rows, no wake-up)
    bare_cpu: float
    full_cpu: float
    unpushed_cpu: float


def _change_cost(evses: list[EVSE], rng: random.Random) -> ChangeCost:
    """The three ways of changing a status, in alternating rounds, with no worker running. The receivers are behind
    by these changes afterwards; the later measurements do not compare their state."""
    timings: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    per_round = COST_CHANGES // 4
    for _round in range(4):
        for way in ("bare", "unpushed", "full"):
            if way == "unpushed":
                evse_status_writing.disconnect(dispatch_uid="ocpi_push.evse_status")
            try:
                started, thread_started = time.perf_counter(), time.thread_time()
                for _ in range(per_round):
                    _bare_change(evses, rng) if way == "bare" else _change(evses, rng)
                timings[way].append((time.perf_counter() - started) / per_round * 1000)
                cpu[way].append((time.thread_time() - thread_started) / per_round * 1000)
            finally:
                evse_status_writing.connect(on_evse_status_writing, dispatch_uid="ocpi_push.evse_status")
    wall = {way: statistics.median(values) for way, values in timings.items()}
    thread = {way: statistics.median(values) for way, values in cpu.items()}
    return ChangeCost(wall["bare"], wall["full"], wall["unpushed"], thread["bare"], thread["full"], thread["unpushed"])


def _bare_change(evses: list[EVSE], rng: random.Random) -> None:
    """The bare UPDATE the issue measures a change against: the EVSE's status and nothing else, committed."""
    evse = rng.choice(evses)
    evse.status = rng.choice([s for s in STATUSES if s != evse.status])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_BARE_UPDATE, [evse.status, evse.pk])


_BARE_UPDATE = f'UPDATE "{EVSE._meta.db_table}" SET "status" = %s WHERE "id" = %s'  # noqa: S608


def _wait_for_no_worker() -> None:
    """Forget the tasks queued while no worker ran: each measurement below starts its workers on a quiet broker."""
    redis.Redis.from_url(REDIS_URL).flushdb()


def _drain_backlog(
    make_worker: Callable[[int], Worker], count: int, evses: list[EVSE], rng: random.Random
) -> tuple[float, float]:
    """(seconds, worker CPU seconds) ``count`` worker processes take to deliver one change on each EVSE to every
    partner."""
    _wait_for_no_worker()
    with _workers(make_worker, count) as workers:
        queue_drain()
        _wait_until_delivered()  # what the change-cost rounds left behind
        _wait_for_no_worker()
        for evse in evses:
            evse_set_status(evse=evse, status=rng.choice([s for s in STATUSES if s != evse.status]))
        _wait_for_no_worker()  # their wake-up task too: the clock starts below
        cpu = _cpu_seconds(workers)
        queue_drain()
        return _wait_until_delivered(), _cpu_seconds(workers) - cpu


def _recovery(
    make_worker: Callable[[int], Worker], receivers: list[RemoteReceiver], evses: list[EVSE], rng: random.Random
) -> tuple[float, int]:
    down = receivers[0]
    partner = Partner.objects.get(name="bench-0")
    with _workers(make_worker, 1):
        down.set_mode("down")
        changed = {_change(evses, rng)[0] for _ in range(RECOVERY_CHANGES)}
        _wait_until_delivered(OutboxItem.objects.exclude(partner=partner))
        before = len(down.calls)
        down.set_mode("up")
        seconds = _wait_until_delivered(OutboxItem.objects.filter(partner=partner))
        calls = len([call for call in down.calls[before:] if call.mode == "up"])
        _assert_in_sync([down], [evse for evse in evses if location_path(evse.location, evse) in changed])
    return seconds, calls


def _assert_in_sync(receivers: list[RemoteReceiver], evses: list[EVSE]) -> None:
    for receiver in receivers:
        for evse in evses:
            received = receiver.evse(location_path(evse.location), evse.uid)
            assert received is not None
            assert received["status"] == evse.status, (receiver.base_url, evse.uid)


def _ocpi_time(evse: EVSE) -> str:
    return evse.last_updated.strftime("%Y-%m-%dT%H:%M:%S.") + f"{evse.last_updated.microsecond // 1000:03d}Z"


def _latencies(receivers: list[RemoteReceiver], changes: list[Change]) -> tuple[list[float], int, int]:
    """(latencies, lost, repeats): a change no later PATCH covered is lost, unless its partner's row was dropped by
    the repeats rule (ocpi_api.push.coalesce: it set nothing the partner did not already have, last_updated aside)."""
    latencies: list[float] = []
    lost = repeats = 0
    for n, receiver in enumerate(receivers):
        arrivals: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for call in receiver.calls:
            arrivals[call.path.removeprefix("locations/")].append((call.body["last_updated"], call.at))
        dropped: dict[str, list[str]] = defaultdict(list)
        for path, body in OutboxItem.objects.filter(
            partner__name=f"bench-{n}", response_message__startswith="Repeats row"
        ).values_list("path", "body"):
            dropped[path].append((body or {}).get("last_updated", ""))
        for path, last_updated, committed in changes:
            received = arrivals[path]
            index = bisect.bisect_left(received, (last_updated, 0.0))
            if index < len(received):
                latencies.append(received[index][1] - committed)
            elif any(later >= last_updated for later in dropped[path]):
                repeats += 1
            else:
                lost += 1
    return latencies, lost, repeats
