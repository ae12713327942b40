"""One connected charger, as the ``ocpp`` library sees it: the handlers of OCPP 1.6 messages from the charger.

Frames are checked before the library reads them, so that every bad frame gets a CALLERROR with the OCPP 1.6 code
(OCPP-J 1.6 §4.2.3) and the connection stays up: the library itself drops frames it cannot parse, spells
FormationViolation the 2.0.1 way and swaps NotImplemented and NotSupported.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from django.utils import timezone
from ocpp.charge_point import remove_nones, serialize_as_dict
from ocpp.exceptions import (
    FormationViolationError,
    FormatViolationError,
    InternalError,
    NotSupportedError,
    OCPPError,
    ProtocolError,
    TypeConstraintViolationError,
)
from ocpp.exceptions import (
    NotImplementedError as OcppNotImplementedError,
)
from ocpp.messages import Call, unpack
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result, datatypes
from ocpp.v16.enums import Action, AuthorizationStatus, DataTransferStatus, RegistrationStatus

from . import handling, services, transactions
from .db import in_db
from .meter import meter_readings
from .remote_starts import RemoteStart, remote_start_expect, remote_start_forget
from .seen import seen_log
from .timestamps import format_timestamp, parse_timestamp

logger = logging.getLogger(__name__)
T = TypeVar("T")
STATUS_WRITE_TASK = "ocpp-status-write"


def call_error(unique_id: str, error: OCPPError) -> str:
    details = error.details if isinstance(error.details, dict) else {}
    cause = details.get("cause")
    return json.dumps([4, unique_id, error.code, error.description or "", {"cause": str(cause)} if cause else {}])


def _int(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):  # in this order mypy narrows value
        raise TypeConstraintViolationError(details={"cause": f"{name} must be an integer"})
    return value


def _required(payload: dict[str, Any], *names: str) -> None:
    missing = [name for name in names if name not in payload]
    if missing:
        raise ProtocolError(details={"cause": f"missing {', '.join(missing)}"})


def _when(value: Any) -> datetime:
    """A message's timestamp; a missing or unreadable one is the time it arrived (OCPP 1.6 §4.9 timestamp optional)."""
    return parse_timestamp(value) or timezone.now()


class GatewayChargePoint(ChargePoint):
    def __init__(
        self,
        charge_point_id: str,
        connection: Any,
        *,
        charger_id: int,
        response_timeout: int,
        idle_connectors: set[int] | None = None,
    ) -> None:
        super().__init__(charge_point_id, connection, response_timeout=response_timeout)
        self.charger_id = charger_id
        self.background: set[asyncio.Task[None]] = set()
        self.status_write: asyncio.Task[None] | None = None  # the last StatusNotification answered, being written
        self.decisions: dict[str, Any] = {}  # idTag → the last Authorize decision, for the StartTransaction after it
        # idTag → an accepted RemoteStartTransaction's facts and expiry; also in the database (``remote_starts``)
        # for a StartTransaction after a reconnect.
        self.remote_starts: dict[str, tuple[RemoteStart, float]] = {}
        self.seen_written = time.monotonic()  # the connection was just recorded as seen (charger_connected)
        self.heartbeat_written = -services.SEEN_WRITE_SECONDS
        self.statuses: dict[int, tuple[str, ...]] = {}  # connectorId → the last StatusNotification's facts
        # Connectors without an open transaction (at connect, or found since): their MeterValues without a
        # transactionId (clock-aligned) need no lookup until this connection starts a transaction there, the only way
        # one opens for the charger.
        self.idle_connectors: set[int] = set(idle_connectors or ())

    # --- frames --------------------------------------------------------------------------------------------------

    async def route_message(self, raw_msg: str) -> None:
        try:
            message = json.loads(raw_msg)
        except ValueError:
            await self._send(call_error("-1", FormationViolationError(description="The frame is not JSON.")))
            return
        unique_id = message[1] if isinstance(message, list) and len(message) > 1 else None
        reply_id = unique_id if isinstance(unique_id, str) else "-1"
        if (
            not isinstance(message, list)
            or len(message) < 3
            or message[0] not in (2, 3, 4)
            or not isinstance(unique_id, str)
            or len(unique_id) > 36
        ):
            description = "A frame is [MessageTypeId, UniqueId (string ≤36), …]."
            await self._send(call_error(reply_id, FormationViolationError(description=description)))
            return
        if message[0] != 2:
            try:
                self._response_queue.put_nowait(unpack(raw_msg))
            except OCPPError:
                logger.info("Unreadable answer from %s dropped: %s", self.id, raw_msg[:200])
            return
        if len(message) != 4 or not isinstance(message[2], str) or not isinstance(message[3], dict):
            description = "A CALL is [2, UniqueId, Action, {payload}]."
            await self._send(call_error(unique_id, FormationViolationError(description=description)))
            return
        action = message[2]
        if action not in self.route_map:
            error: OCPPError
            if action in Action._value2member_map_:
                error = NotSupportedError(description=f"{action} is not supported by this central system.")
            else:
                error = OcppNotImplementedError(description=f"{action} is not an OCPP 1.6 action.")
            await self._send(call_error(unique_id, error))
            return
        try:
            self._seen(action)
            await self._handle_call(Call(unique_id, action, message[3]))
        except FormatViolationError as error:
            await self._send(call_error(unique_id, FormationViolationError(description=error.description)))
        except OCPPError as error:
            await self._send(call_error(unique_id, error))
        except Exception:
            logger.exception("Charger %s: %s not handled", self.id, action)
            await self._send(call_error(unique_id, InternalError(description="The central system failed.")))

    async def _handle_call(self, msg: Call) -> None:
        """The library's ``_handle_call`` (ocpp 2.1: validate, call the handler, answer, validate the answer) without
        its per-frame overheads (``handling``). Unknown actions were answered by ``route_message`` already."""
        handlers = self.route_map[msg.action]
        if "_after_action" in handlers:
            await super()._handle_call(msg)  # none of ours has one: the library's full path, should one be added
            return
        validated = not handlers.get("_skip_schema_validation", False)
        if validated:
            await handling.validate(msg)
        payload = handling.snake_case(msg.payload)
        handler = handlers["_on_action"]
        try:
            if handling.takes_unique_id(handler):
                response = handler(**payload, call_unique_id=msg.unique_id)
            else:
                response = handler(**payload)
            if inspect.isawaitable(response):
                response = await response
        except Exception as error:  # as the library: the handler's error is the charger's CALLERROR
            self.logger.exception("Error while handling request '%s'", msg)
            await self._send(msg.create_call_error(error).to_json())
            return
        result = msg.create_call_result(handling.camel_case(remove_nones(serialize_as_dict(response))))
        if validated:
            await handling.validate(result)
        await self._send(result.to_json())

    # --- messages from the charger -------------------------------------------------------------------------------

    @on(Action.boot_notification)
    async def on_boot(self, charge_point_vendor: str, charge_point_model: str, **kwargs: Any) -> Any:
        facts = services.BootFacts(
            vendor=charge_point_vendor,
            model=charge_point_model,
            serial_number=kwargs.get("charge_point_serial_number") or kwargs.get("charge_box_serial_number") or "",
            firmware_version=kwargs.get("firmware_version") or "",
        )
        interval = await self._db(services.charger_boot, charger_id=self.charger_id, facts=facts)
        return call_result.BootNotification(
            current_time=format_timestamp(timezone.now()), interval=interval, status=RegistrationStatus.accepted
        )

    def _seen(self, action: str) -> None:
        """Any CALL shows the charger is alive (OCPP 1.6 §4.6: other traffic may stand in for heartbeats). Recorded
        at most every SEEN_WRITE_SECONDS and written in batches (``seen``): the answer never waits for this
        bookkeeping."""
        now, heartbeat = time.monotonic(), action == Action.heartbeat
        if now - (self.heartbeat_written if heartbeat else self.seen_written) < services.SEEN_WRITE_SECONDS:
            return
        self.seen_written = now
        if heartbeat:
            self.heartbeat_written = now
        seen_log.record(charger_id=self.charger_id, heartbeat=heartbeat)

    @on(Action.heartbeat)
    async def on_heartbeat(self, **kwargs: Any) -> Any:
        return call_result.Heartbeat(current_time=format_timestamp(timezone.now()))

    @on(Action.status_notification)
    async def on_status(self, connector_id: int, error_code: str, status: str, **kwargs: Any) -> Any:
        """Answered at once, written in the background (the answer carries nothing, and a charger never resends a
        StatusNotification, so answering after the write would keep nothing more if the write failed). The
        connection's later database work waits for the write (``_db``): its messages take effect in order."""
        facts = (status, error_code, kwargs.get("info") or "", kwargs.get("vendor_error_code") or "")
        if self.statuses.get(connector_id) == facts and error_code == "NoError":
            return call_result.StatusNotification()  # nothing new (a repeat, or a TriggerMessage answer)
        self.statuses[connector_id] = facts
        previous = self.status_write
        write = partial(
            services.charger_status,
            charger_id=self.charger_id,
            connector_id=connector_id,
            status=status,
            error_code=error_code,
            at=_when(kwargs.get("timestamp")),
            info=kwargs.get("info") or "",
            vendor_id=kwargs.get("vendor_id") or "",
            vendor_error_code=kwargs.get("vendor_error_code") or "",
        )

        async def in_order() -> None:
            if previous is not None:
                await asyncio.wait([previous])
            await in_db(write)

        task = asyncio.get_running_loop().create_task(in_order(), name=STATUS_WRITE_TASK)
        self.status_write = task
        self.background.add(task)  # held until done: the loop keeps only weak references to tasks
        task.add_done_callback(partial(self._status_written, connector_id, facts))
        return call_result.StatusNotification()

    def _status_written(self, connector_id: int, facts: tuple[str, ...], task: asyncio.Task[None]) -> None:
        self.background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            if self.statuses.get(connector_id) == facts:
                del self.statuses[connector_id]  # not written: the same status again is news
            logger.error("Charger %s: StatusNotification not written", self.id, exc_info=task.exception())

    async def settled(self) -> None:
        """Wait until the StatusNotifications answered so far are written."""
        while self.status_write is not None and not self.status_write.done():
            await asyncio.wait([self.status_write])

    async def _db(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``in_db`` after the StatusNotifications before: a connection's messages reach the database in order."""
        await self.settled()
        return await in_db(function, *args, **kwargs)

    @on(Action.authorize)
    async def on_authorize(self, id_tag: str, **kwargs: Any) -> Any:
        decision = None
        if self._remote_start(id_tag, claim=False) is None:
            decision = await self._db(services.authorize, charger_id=self.charger_id, id_tag=id_tag)
        if decision is not None:
            self.decisions[id_tag] = decision
        return call_result.Authorize(
            id_tag_info=datatypes.IdTagInfo(status=AuthorizationStatus(services.id_tag_status(decision)))
        )

    def _remote_start(self, id_tag: str, *, claim: bool) -> RemoteStart | None:
        now = time.monotonic()
        for tag, (_, expires) in list(self.remote_starts.items()):
            if expires < now:
                del self.remote_starts[tag]
        found = self.remote_starts.pop(id_tag, None) if claim else self.remote_starts.get(id_tag)
        return found[0] if found else None

    async def remote_start_keep(self, id_tag: str) -> None:
        """Write an accepted remote start down too, for a StartTransaction that comes after a reconnect (to any
        gateway process). One this connection claimed meanwhile is not left behind."""
        found = self.remote_starts.get(id_tag)
        if found is None:
            return
        await self._db(remote_start_expect, charger_id=self.charger_id, id_tag=id_tag, remote=found[0])
        if id_tag not in self.remote_starts:
            await self._db(remote_start_forget, charger_id=self.charger_id, id_tag=id_tag)

    # Transaction messages skip the library's schema check: chargers send values outside the enums, empty sample
    # lists and no timestamps, and a CALLERROR would be resent forever. They are read leniently here instead.
    @on(Action.start_transaction, skip_schema_validation=True)
    async def on_start_transaction(self, **payload: Any) -> Any:
        _required(payload, "connector_id", "id_tag", "meter_start", "timestamp")
        id_tag = payload["id_tag"]
        if not isinstance(id_tag, str):
            raise TypeConstraintViolationError(details={"cause": "idTag must be a string"})
        reservation = payload.get("reservation_id")
        connector_id = _int(payload["connector_id"], "connectorId")
        self.idle_connectors.discard(connector_id)
        tx = await self._db(
            transactions.transaction_start,
            charger_id=self.charger_id,
            connector_id=connector_id,
            id_tag=id_tag[:20],
            meter_start_wh=_int(payload["meter_start"], "meterStart"),
            at=_when(payload["timestamp"]),
            reservation_id=reservation if isinstance(reservation, int) else None,
            remote=self._remote_start(id_tag, claim=True),
            decision=self.decisions.pop(id_tag, None),
        )
        return call_result.StartTransaction(
            transaction_id=tx.pk, id_tag_info=datatypes.IdTagInfo(status=AuthorizationStatus(tx.id_tag_status))
        )

    @on(Action.meter_values, skip_schema_validation=True)
    async def on_meter_values(self, **payload: Any) -> Any:
        _required(payload, "connector_id", "meter_value")
        connector_id = _int(payload["connector_id"], "connectorId")
        transaction_id = payload.get("transaction_id")
        transaction_id = transaction_id if isinstance(transaction_id, int) and transaction_id > 0 else None
        if transaction_id is None and connector_id in self.idle_connectors:
            return call_result.MeterValues()  # outside any transaction: nothing to account
        found = await self._db(
            transactions.transaction_meter_values,
            charger_id=self.charger_id,
            connector_id=connector_id,
            transaction_id=transaction_id,
            readings=meter_readings(payload["meter_value"]),
        )
        if not found and transaction_id is None:
            self.idle_connectors.add(connector_id)
        return call_result.MeterValues()

    @on(Action.stop_transaction, skip_schema_validation=True)
    async def on_stop_transaction(self, **payload: Any) -> Any:
        _required(payload, "transaction_id", "meter_stop", "timestamp")
        await self._db(
            transactions.transaction_stop,
            charger_id=self.charger_id,
            transaction_id=_int(payload["transaction_id"], "transactionId"),
            meter_stop_wh=_int(payload["meter_stop"], "meterStop"),
            at=_when(payload["timestamp"]),
            reason=payload.get("reason") if isinstance(payload.get("reason"), str) else "",
            readings=meter_readings(payload.get("transaction_data")),
        )
        accepted = datatypes.IdTagInfo(status=AuthorizationStatus.accepted)
        return call_result.StopTransaction(id_tag_info=accepted if payload.get("id_tag") else None)

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id: str, **kwargs: Any) -> Any:
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)

    @on(Action.firmware_status_notification)
    async def on_firmware_status(self, status: str, **kwargs: Any) -> Any:
        await self._db(services.charger_firmware_status, charger_id=self.charger_id, status=status)
        return call_result.FirmwareStatusNotification()

    @on(Action.diagnostics_status_notification)
    async def on_diagnostics_status(self, status: str, **kwargs: Any) -> Any:
        await self._db(services.charger_diagnostics_status, charger_id=self.charger_id, status=status)
        return call_result.DiagnosticsStatusNotification()
