"""A real gateway on loopback (uvicorn serving config.asgi in a thread) and OCPP 1.6J test chargers (the ``ocpp``
package's ChargePoint over ``websockets``) that connect to it."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
import uvicorn
import websockets
from django.db import connections
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action

from ocpp_gateway import db
from ocpp_gateway.charge_point import STATUS_WRITE_TASK
from ocpp_gateway.message_log import message_log
from ocpp_gateway.models import Charger
from ocpp_gateway.seen import seen_log
from ocpp_gateway.services import charger_add
from tests.conftest import SQLITE_SERIAL

T = TypeVar("T")


class SerialExecutor(ThreadPoolExecutor):
    """One database thread on the test's connection, taking turns with the live server (tests/conftest.py)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        def serial() -> Any:
            with SQLITE_SERIAL:
                return fn(*args, **kwargs)

        return super().submit(serial)


@dataclass
class Gateway:
    server: uvicorn.Server
    thread: threading.Thread
    port: int = 0

    def url(self, charge_point_id: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp/{charge_point_id}"

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        from ocpp_gateway import routing_loop

        assert routing_loop._gateway_loop is not None
        return routing_loop._gateway_loop

    def settle(self) -> None:
        """Wait until the gateway has written what it received (message log included)."""
        time.sleep(0.05)
        from ocpp_gateway import routing_loop

        if routing_loop._gateway_loop is not None:  # a charger has connected
            asyncio.run_coroutine_threadsafe(message_log.flush(), routing_loop._gateway_loop).result(5)
            asyncio.run_coroutine_threadsafe(status_writes(), routing_loop._gateway_loop).result(5)
            asyncio.run_coroutine_threadsafe(seen_log.flush(), routing_loop._gateway_loop).result(5)
        db.executor().submit(lambda: None).result(5)

    def settle_until(self, done: Callable[[], bool], timeout: float = 10.0) -> None:
        """Settle until ``done()`` holds (the server learns of a closed socket a moment after the charger's last
        answer), within ``timeout`` seconds; the caller's assertions then say what went wrong."""
        deadline = time.monotonic() + timeout
        self.settle()
        while not done() and time.monotonic() < deadline:
            time.sleep(0.1)
            self.settle()


@pytest.fixture
def gateway(transactional_db: None, settings: Any) -> Iterator[Gateway]:
    settings.OCPP_RESPONSE_TIMEOUT = 3
    settings.OCPP_MESSAGE_LOG_FLUSH_SECONDS = 0.05
    from config.asgi import application

    if connections["default"].vendor == "sqlite":
        shared = connections["default"]
        shared.inc_thread_sharing()

        def use_shared() -> None:
            connections["default"] = shared

        previous = db.use_executor(SerialExecutor(max_workers=1, initializer=use_shared))
    else:
        previous = db.use_executor(ThreadPoolExecutor(max_workers=2))
    config = uvicorn.Config(application, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "the gateway did not start"
    running = Gateway(server, thread, server.servers[0].sockets[0].getsockname()[1])
    yield running
    server.should_exit = True
    thread.join(10)
    used = db.use_executor(previous)
    if used is not None:
        used.shutdown(wait=True)
    if connections["default"].vendor == "sqlite":
        connections["default"].dec_thread_sharing()


async def status_writes() -> None:
    """The StatusNotifications the gateway answered and is still writing (``GatewayChargePoint.on_status``)."""
    writes = [task for task in asyncio.all_tasks() if task.get_name() == STATUS_WRITE_TASK]
    if writes:
        await asyncio.wait(writes)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass
class Answers:
    """How the test charger answers the central system's commands, and what it was asked."""

    remote_start: str = "Accepted"
    remote_stop: str = "Accepted"
    unlock: str = "Unlocked"
    reserve: str = "Accepted"
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class TestCharger(ChargePoint):
    answers: Answers

    @on(Action.remote_start_transaction)
    def on_remote_start(self, **kwargs: Any) -> Any:
        self.answers.received.append(("RemoteStartTransaction", kwargs))
        return call_result.RemoteStartTransaction(status=self.answers.remote_start)

    @on(Action.remote_stop_transaction)
    def on_remote_stop(self, **kwargs: Any) -> Any:
        self.answers.received.append(("RemoteStopTransaction", kwargs))
        return call_result.RemoteStopTransaction(status=self.answers.remote_stop)

    @on(Action.unlock_connector)
    def on_unlock(self, **kwargs: Any) -> Any:
        self.answers.received.append(("UnlockConnector", kwargs))
        return call_result.UnlockConnector(status=self.answers.unlock)

    @on(Action.reserve_now)
    def on_reserve(self, **kwargs: Any) -> Any:
        self.answers.received.append(("ReserveNow", kwargs))
        return call_result.ReserveNow(status=self.answers.reserve)

    @on(Action.cancel_reservation)
    def on_cancel(self, **kwargs: Any) -> Any:
        self.answers.received.append(("CancelReservation", kwargs))
        return call_result.CancelReservation(status="Accepted")

    @on(Action.reset)
    def on_reset(self, **kwargs: Any) -> Any:
        self.answers.received.append(("Reset", kwargs))
        return call_result.Reset(status="Accepted")


@contextlib.asynccontextmanager
async def connected(
    gateway: Gateway, charge_point_id: str, password: str, answers: Answers | None = None
) -> AsyncIterator[tuple[TestCharger, Any]]:
    """A test charger connected to the gateway; yields it and its websocket (for raw frames)."""
    async with websockets.connect(
        gateway.url(charge_point_id),
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        additional_headers={"Authorization": basic(charge_point_id, password)},
    ) as socket:
        charger = TestCharger(charge_point_id, socket, response_timeout=5)
        charger.answers = answers or Answers()
        task = asyncio.create_task(charger.start())
        try:
            yield charger, socket
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a thread of its own. A browser test that ran earlier in this process leaves Playwright's
    event loop registered as running on the main thread (its sync API runs the loop in a greenlet), and asyncio.run
    refuses to start a second loop there."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-charger") as pool:
        return pool.submit(asyncio.run, coroutine).result()


def registered(evse_uids: list[str], charge_point_id: str = "CP-1") -> tuple[Charger, str]:
    return charger_add(charge_point_id=charge_point_id, evse_refs=evse_uids)


class ChargerThread:
    """A test charger connected in a thread of its own (boot and status sent), so that the test's thread may block
    on a page or a command while the charger answers."""

    def __init__(self, gateway: Gateway, charge_point_id: str, password: str, answers: Answers | None = None) -> None:
        self.answers = answers or Answers()
        self.ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._args = (gateway, charge_point_id, password)
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with connected(*self._args, self.answers) as (cp, _):
            await cp.call(call.BootNotification(charge_point_vendor="Acme", charge_point_model="AC22"))
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            await cp.call(call.Heartbeat())
            self.ready.set()
            await self._stop.wait()

    def __enter__(self) -> ChargerThread:
        self.thread.start()
        assert self.ready.wait(10), "the test charger did not connect"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(10)
