"""OCPP gateway under load: N chargers connected at once to one gateway process (uvicorn serving config.asgi), driven
at a sustained rate of heartbeats, status changes and meter values; against a bare ``websockets`` echo server in the
same run, driven the same way. Reports p50/p95 response times, memory per connection (RSS growth of the server
process / connections), the server's CPU time per answer while driven (less swayed than latency by other processes
on the machine; the gateway's also split into its event loop's share and its database threads') and errors; then
stops the gateway with every charger connected (SIGTERM, as a deployment or `make run`'s Ctrl-C does) and reports
how long it took to exit, how many chargers got a close frame and how many it released; then ``RESULT ocpp …``.

Sizes (environment): OCPP_BENCH_CHARGERS (1000), OCPP_BENCH_RATE (messages/s, 200), OCPP_BENCH_SECONDS (60);
OCPP_BENCH_SIZE=smoke is 20 chargers at 20 messages/s for 3 s (`make bench-smoke`). OCPP_BENCH_PROFILE=FILE profiles
the gateway while it is driven (``tests.bench.profiled_gateway``; the profiler's cost swells the figures).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import itertools
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection

from chargepoints.models import EVSE
from ocpp_gateway.models import Charger, ChargerEvse, OcppMessage
from tests.bench.support import SMOKE
from tests.factories import make_location

ROOT = Path(__file__).resolve().parents[2]
SHUTDOWN_WAIT = 120.0  # seconds a gateway may take to stop before the benchmark kills it (and says so)
PASSWORD = "bench-password-0123456789"
ECHO_SERVER = """
import asyncio, sys, websockets
async def echo(ws):
    async for message in ws:
        await ws.send(message)
async def main():
    async with websockets.serve(echo, "127.0.0.1", int(sys.argv[1]), subprotocols=["ocpp1.6"], max_size=2**20):
        await asyncio.Future()
asyncio.run(main())
"""


@dataclass(frozen=True)
class Size:
    chargers: int
    rate: float
    seconds: float

    @classmethod
    def from_env(cls) -> Size:
        if SMOKE or os.environ.get("OCPP_BENCH_SIZE") == "smoke":
            return cls(20, 20, 3)
        return cls(
            int(os.environ.get("OCPP_BENCH_CHARGERS", 1000)),
            float(os.environ.get("OCPP_BENCH_RATE", 200)),
            float(os.environ.get("OCPP_BENCH_SECONDS", 60)),
        )


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    connect_errors: int = 0
    kib_per_connection: float = 0.0
    cpu_seconds: float = 0.0  # the server process's, while driven
    loop_cpu_seconds: float = 0.0  # of it, its main thread's: the event loop
    shutdown_seconds: float = float("nan")  # from SIGTERM, every charger still connected, to the process's exit
    closed_cleanly: int = 0  # chargers that got a close frame from the server as it shut down

    @property
    def cpu_ms_per_answer(self) -> float:
        return self.cpu_seconds * 1000 / len(self.latencies) if self.latencies else float("nan")

    @property
    def loop_cpu_ms_per_answer(self) -> float:
        return self.loop_cpu_seconds * 1000 / len(self.latencies) if self.latencies else float("nan")

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User and system time of a process, or of one of its threads (proc(5): fields 14 and 15 of /proc/PID/stat)."""
    stat = Path(f"/proc/{pid}/task/{thread}/stat" if thread else f"/proc/{pid}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server process exited")
        with contextlib.closing(socket.socket()) as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("server process did not start")


def _frames(index: int, n: int) -> str:
    unique_id = uuid.uuid4().hex[:16]
    kind = n % 3
    if kind == 0:
        return json.dumps([2, unique_id, "Heartbeat", {}])
    if kind == 1:
        status = "Preparing" if n % 2 else "Available"
        return json.dumps(
            [2, unique_id, "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": status}]
        )
    sample = {"timestamp": "2026-03-02T08:00:00Z", "sampledValue": [{"value": str(1000 + n), "unit": "Wh"}]}
    return json.dumps([2, unique_id, "MeterValues", {"connectorId": 1, "meterValue": [sample]}])


async def _drive(
    url: str, ids: list[str], size: Size, process: subprocess.Popen[bytes], *, profiled: bool, shut_down: bool
) -> Outcome:
    outcome, pid = Outcome(), process.pid
    sockets: list[websockets.ClientConnection] = []
    waiting: dict[str, tuple[float, asyncio.Future[None]]] = {}
    gate = asyncio.Semaphore(50)

    async def open_one(charge_point_id: str) -> None:
        auth = base64.b64encode(f"{charge_point_id}:{PASSWORD}".encode()).decode()
        async with gate:
            try:
                ws = await websockets.connect(
                    f"{url}/{charge_point_id}",
                    subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                    additional_headers={"Authorization": f"Basic {auth}"},
                    open_timeout=30,
                    ping_interval=None,
                )
            except Exception:
                outcome.connect_errors += 1
                return
            sockets.append(ws)

    async def read(ws: websockets.ClientConnection) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in ws:
                message = json.loads(raw)
                entry = waiting.pop(message[1], None)
                if entry is not None:
                    if message[0] == 4:
                        outcome.errors += 1
                    entry[1].set_result(None)
                    outcome.latencies.append(time.perf_counter() - entry[0])

    before = _rss_kib(pid)
    await asyncio.gather(*(open_one(charge_point_id) for charge_point_id in ids))
    await asyncio.sleep(1)
    if sockets:
        outcome.kib_per_connection = (_rss_kib(pid) - before) / len(sockets)
    readers = [asyncio.create_task(read(ws)) for ws in sockets]
    # This process's own garbage collection would stop the clock of every answer in flight (full passes over its
    # thousand client connections took 0.1-1.7 s on a loaded machine): none while driving, for either server.
    gc.collect()
    gc.disable()
    cpu_before, loop_cpu_before = _cpu_seconds(pid), _cpu_seconds(pid, thread=pid)
    if profiled:
        os.kill(pid, signal.SIGUSR1)
    pending: list[asyncio.Future[None]] = []
    interval, started = 1 / size.rate, time.perf_counter()
    for n in itertools.count():
        due = started + n * interval
        if due - started >= size.seconds or not sockets:
            break
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        ws = sockets[n % len(sockets)]
        frame = _frames(n % len(sockets), n)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiting[json.loads(frame)[1]] = (time.perf_counter(), future)
        pending.append(future)
        try:
            await ws.send(frame)
        except websockets.ConnectionClosed:
            outcome.errors += 1
    _done, late = await asyncio.wait(pending, timeout=10) if pending else (set(), set())
    gc.enable()
    outcome.errors += len(late)
    outcome.cpu_seconds = _cpu_seconds(pid) - cpu_before
    outcome.loop_cpu_seconds = _cpu_seconds(pid, thread=pid) - loop_cpu_before
    if profiled:
        os.kill(pid, signal.SIGUSR2)
        await asyncio.sleep(5)  # the profiles are written
    if shut_down:
        await _shut_down(process, sockets, outcome)
    for ws in sockets:
        await ws.close()
    for reader in readers:
        reader.cancel()
    return outcome


async def _shut_down(
    process: subprocess.Popen[bytes], sockets: list[websockets.ClientConnection], outcome: Outcome
) -> None:
    """Stop the server as `make run`'s Ctrl-C or a deployment does, with every charger connected: how long it takes,
    and whether each charger is told (a close frame) rather than finding its connection dropped."""
    started = time.perf_counter()
    process.terminate()
    deadline = started + SHUTDOWN_WAIT
    while process.poll() is None and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    outcome.shutdown_seconds = time.perf_counter() - started
    if process.poll() is None:
        outcome.shutdown_seconds = float("inf")
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(ws.wait_closed() for ws in sockets)), 5)
    outcome.closed_cleanly = sum(ws.protocol.close_rcvd is not None for ws in sockets)


def _database_url(directory: str) -> str:
    if connection.vendor == "sqlite":
        target = Path(directory) / "bench.sqlite3"
        with contextlib.closing(sqlite3.connect(target)) as copy:
            connection.ensure_connection()
            connection.connection.backup(copy)
        return f"sqlite:///{target}"
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _chargers(count: int) -> list[str]:
    location = make_location()
    evses = EVSE.objects.bulk_create(
        EVSE(location=location, uid=f"BENCH-{n}", evse_id=f"SE*CPO*EBENCH{n}", status="AVAILABLE") for n in range(count)
    )
    password_hash = make_password(PASSWORD)
    chargers = Charger.objects.bulk_create(
        Charger(charge_point_id=f"BENCH-{n}", password_hash=password_hash) for n in range(count)
    )
    ChargerEvse.objects.bulk_create(
        ChargerEvse(charger=charger, connector_id=1, evse=evse) for charger, evse in zip(chargers, evses, strict=True)
    )
    return [charger.charge_point_id for charger in chargers]


def _serve(
    command: list[str],
    env: dict[str, str],
    port: int,
    url: str,
    ids: list[str],
    size: Size,
    *,
    profiled: bool = False,
    shut_down: bool = False,
) -> Outcome:
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, process)
        return asyncio.run(_drive(url, ids, size, process, profiled=profiled, shut_down=shut_down))
    finally:
        process.terminate()
        try:
            process.wait(SHUTDOWN_WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run() -> list[str]:
    size = Size.from_env()
    ids = _chargers(size.chargers)
    try:
        with tempfile.TemporaryDirectory() as directory:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings.test",
                "DATABASE_URL": _database_url(directory),
                "OCPP_DB_THREADS": "1" if connection.vendor == "sqlite" else "4",
            }
            port = _free_port()
            profile = os.environ.get("OCPP_BENCH_PROFILE")
            gateway = _serve(
                [
                    sys.executable,
                    "-m",
                    *(["tests.bench.profiled_gateway", str(Path(profile).resolve())] if profile else ["uvicorn"]),
                    "config.asgi:application",
                    "--port",
                    str(port),
                    "--log-level",
                    "error",
                    "--no-access-log",
                ],
                env,
                port,
                f"ws://127.0.0.1:{port}/ocpp",
                ids,
                size,
                profiled=bool(profile),
                shut_down=True,
            )
            # What the stopping gateway wrote: every charger released (SQLite: the gateway had a copy of the database).
            released = (
                Charger.objects.filter(charge_point_id__startswith="BENCH-", released_at__isnull=False).count()
                if connection.vendor != "sqlite"
                else "n/a"
            )
            port = _free_port()
            echo = _serve(
                [sys.executable, "-c", ECHO_SERVER, str(port)], env, port, f"ws://127.0.0.1:{port}", ids, size
            )
    finally:
        OcppMessage.objects.filter(charger__charge_point_id__startswith="BENCH-").delete()
    ratio = gateway.percentile(0.95) / echo.percentile(0.95) if echo.latencies else float("nan")
    cpu_ratio = gateway.cpu_ms_per_answer / echo.cpu_ms_per_answer if echo.cpu_seconds else float("nan")
    return [
        f"{size.chargers} chargers, {size.rate:g} messages/s for {size.seconds:g} s",
        f"gateway: {len(gateway.latencies)} answered, p50 {gateway.percentile(0.5):.1f} ms, "
        f"p95 {gateway.percentile(0.95):.1f} ms, {gateway.kib_per_connection:.0f} KiB per connection, "
        f"{gateway.cpu_ms_per_answer:.2f} ms CPU per answer ({gateway.loop_cpu_ms_per_answer:.2f} on the event loop), "
        f"{gateway.errors} errors, {gateway.connect_errors} refused connections; stopped in "
        f"{gateway.shutdown_seconds:.1f} s, {gateway.closed_cleanly} chargers told with a close frame, "
        f"{released} released",
        f"echo:    {len(echo.latencies)} answered, p50 {echo.percentile(0.5):.1f} ms, "
        f"p95 {echo.percentile(0.95):.1f} ms, {echo.kib_per_connection:.0f} KiB per connection, "
        f"{echo.cpu_ms_per_answer:.2f} ms CPU per answer",
        f"RESULT ocpp chargers={size.chargers} rate={size.rate:g} seconds={size.seconds:g} "
        f"answered={len(gateway.latencies)} errors={gateway.errors + gateway.connect_errors} "
        f"p50_ms={gateway.percentile(0.5):.1f} p95_ms={gateway.percentile(0.95):.1f} "
        f"echo_p50_ms={echo.percentile(0.5):.1f} echo_p95_ms={echo.percentile(0.95):.1f} p95_ratio={ratio:.2f} "
        f"kib_per_connection={gateway.kib_per_connection:.0f} echo_kib_per_connection={echo.kib_per_connection:.0f} "
        f"cpu_ms_per_answer={gateway.cpu_ms_per_answer:.2f} "
        f"loop_cpu_ms_per_answer={gateway.loop_cpu_ms_per_answer:.2f} "
        f"echo_cpu_ms_per_answer={echo.cpu_ms_per_answer:.2f} "
        f"cpu_ratio={cpu_ratio:.2f} "
        f"shutdown_s={gateway.shutdown_seconds:.1f} closed_cleanly={gateway.closed_cleanly} released={released}",
    ]
