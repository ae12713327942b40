"""A demo charger that speaks OCPP 1.6J to our own gateway: it boots, reports its connectors, beats, and charges at
a steady power when an eMSP starts a session remotely, until the session is stopped remotely.

``manage.py ocpp_demo_chargers`` runs a few of them beside the portal (``make run``), so that the demo's remote
commands go through the real charger path.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

import websockets
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action

from .timestamps import format_timestamp

logger = logging.getLogger(__name__)
WATTS = 11_000
METER_SECONDS = 60


def _now() -> str:
    return format_timestamp(datetime.now(UTC))


class DemoCharger(ChargePoint):
    def __init__(self, charge_point_id: str, connection: Any, connectors: int) -> None:
        super().__init__(charge_point_id, connection)
        self.connectors = connectors
        self.meter_wh = 0
        self.transactions: dict[int, int] = {}  # connectorId → transactionId
        self.tasks: set[asyncio.Task[None]] = set()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def boot(self) -> None:
        await self.call(call.BootNotification(charge_point_vendor="CPO demo", charge_point_model="AC22 simulator"))
        for connector in range(1, self.connectors + 1):
            await self.status(connector, "Available")

    async def status(self, connector: int, status: str) -> None:
        await self.call(
            call.StatusNotification(connector_id=connector, error_code="NoError", status=status, timestamp=_now())
        )

    async def beat(self) -> None:
        while True:
            await asyncio.sleep(60)
            await self.call(call.Heartbeat())

    @on(Action.remote_start_transaction)
    def on_remote_start(self, id_tag: str, connector_id: int | None = None, **kwargs: Any) -> Any:
        busy = connector_id in self.transactions if connector_id else len(self.transactions) >= self.connectors
        return call_result.RemoteStartTransaction(status="Rejected" if busy else "Accepted")

    @after(Action.remote_start_transaction)
    def after_remote_start(self, id_tag: str, connector_id: int | None = None, **kwargs: Any) -> None:
        free = [c for c in range(1, self.connectors + 1) if c not in self.transactions]
        connector = connector_id or (free[0] if free else 0)
        if connector and connector not in self.transactions:
            self._spawn(self.charge(connector, id_tag))

    async def charge(self, connector: int, id_tag: str) -> None:
        await self.status(connector, "Preparing")
        started = await self.call(
            call.StartTransaction(connector_id=connector, id_tag=id_tag, meter_start=self.meter_wh, timestamp=_now())
        )
        if started.id_tag_info["status"] != "Accepted":
            await self.status(connector, "Available")
            return
        self.transactions[connector] = started.transaction_id
        await self.status(connector, "Charging")
        while self.transactions.get(connector) == started.transaction_id:
            await asyncio.sleep(METER_SECONDS)
            self.meter_wh += WATTS * METER_SECONDS // 3600
            sample = [
                {"value": str(self.meter_wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": str(WATTS), "measurand": "Power.Active.Import", "unit": "W"},
            ]
            await self.call(
                call.MeterValues(
                    connector_id=connector,
                    transaction_id=started.transaction_id,
                    meter_value=[{"timestamp": _now(), "sampledValue": sample}],
                )
            )

    @on(Action.remote_stop_transaction)
    def on_remote_stop(self, transaction_id: int, **kwargs: Any) -> Any:
        known = transaction_id in self.transactions.values()
        return call_result.RemoteStopTransaction(status="Accepted" if known else "Rejected")

    @after(Action.remote_stop_transaction)
    def after_remote_stop(self, transaction_id: int, **kwargs: Any) -> None:
        for connector, running in list(self.transactions.items()):
            if running == transaction_id:
                del self.transactions[connector]
                self._spawn(self.stop(connector, transaction_id))

    async def stop(self, connector: int, transaction_id: int) -> None:
        await self.call(
            call.StopTransaction(
                transaction_id=transaction_id, meter_stop=self.meter_wh, timestamp=_now(), reason="Remote"
            )
        )
        await self.status(connector, "Finishing")
        await self.status(connector, "Available")

    @on(Action.unlock_connector)
    def on_unlock(self, **kwargs: Any) -> Any:
        return call_result.UnlockConnector(status="Unlocked")

    @on(Action.reserve_now)
    def on_reserve(self, **kwargs: Any) -> Any:
        return call_result.ReserveNow(status="Accepted")

    @on(Action.cancel_reservation)
    def on_cancel(self, **kwargs: Any) -> Any:
        return call_result.CancelReservation(status="Accepted")


async def run_demo_charger(url: str, charge_point_id: str, password: str, connectors: int) -> None:
    """Connect (again and again, while the portal starts or restarts) and play the charger."""
    auth = base64.b64encode(f"{charge_point_id}:{password}".encode()).decode()
    while True:
        try:
            async with websockets.connect(
                f"{url}/ocpp/{charge_point_id}",
                subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                additional_headers={"Authorization": f"Basic {auth}"},
            ) as socket:
                charger = DemoCharger(charge_point_id, socket, connectors)
                reader = asyncio.ensure_future(charger.start())
                await charger.boot()
                await asyncio.gather(reader, charger.beat())
        except (TimeoutError, OSError, websockets.WebSocketException) as error:
            logger.info("Demo charger %s: %s; retrying", charge_point_id, error)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(2)
