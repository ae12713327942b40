"""The websocket edge: ``ws(s)://HOST/ocpp/{charge_point_id}`` with the subprotocol ``ocpp1.6`` (OCPP-J 1.6 §3).

The charger is authenticated at the upgrade, before anything is accepted (security profile 1, HTTP Basic). A
refused charger gets HTTP 401 where the server can answer the upgrade with a response of its own (the ASGI
``websocket.http.response`` extension: uvicorn), else the server's refusal (daphne under runserver: 403).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
from typing import Any
from urllib.parse import unquote

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from . import services
from .charge_point import GatewayChargePoint
from .commands import run_command
from .db import in_db
from .message_log import message_log
from .models import Charger, OcppMessage
from .releases import SERVICE_RESTART, release_log
from .routing_loop import remember_gateway_loop
from .seen import seen_log

logger = logging.getLogger(__name__)
SUBPROTOCOL = "ocpp1.6"
MESSAGE_TOO_BIG = 1009  # RFC 6455 §7.4.1


class ConnectionClosed(Exception):
    pass


class ChannelsConnection:
    """The connection the library reads and writes (``recv``/``send``), fed by the consumer; every frame is logged."""

    def __init__(self, consumer: ChargerConsumer, charger_id: int) -> None:
        self._consumer = consumer
        self._charger_id = charger_id
        self._inbox: asyncio.Queue[str | None] = asyncio.Queue()

    def feed(self, frame: str | None) -> None:
        self._inbox.put_nowait(frame)

    async def recv(self) -> str:
        frame = await self._inbox.get()
        if frame is None:
            raise ConnectionClosed
        message_log.record(charger_id=self._charger_id, direction=OcppMessage.Direction.IN, frame=frame)
        return frame

    async def send(self, frame: str) -> None:
        message_log.record(charger_id=self._charger_id, direction=OcppMessage.Direction.OUT, frame=frame)
        await self._consumer.send(text_data=frame)


def _basic_credentials(headers: list[tuple[bytes, bytes]]) -> tuple[str | None, str | None]:
    for name, value in headers:
        if name.lower() == b"authorization":
            scheme, _, encoded = value.decode("latin-1").partition(" ")
            if scheme.lower() != "basic":
                return None, None
            try:
                user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None, None
            return (user, password) if sep else (None, None)
    return None, None


class ChargerConsumer(AsyncWebsocketConsumer):
    charger: Charger | None = None
    connection: ChannelsConnection | None = None
    charge_point: GatewayChargePoint | None = None
    task: asyncio.Task[None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands: set[asyncio.Task[None]] = set()

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels' own dispatch first closes stale database connections, a hop to its one shared sync thread for
        # every frame. This consumer never uses the database on the event loop; db.py's threads look after theirs.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        remember_gateway_loop()
        charge_point_id = unquote(self.scope["url_route"]["kwargs"]["charge_point_id"])
        if SUBPROTOCOL not in self.scope.get("subprotocols", []):
            await self._refuse(400, "The websocket subprotocol ocpp1.6 is required.")
            return
        user, password = _basic_credentials(self.scope.get("headers", []))
        client = self.scope.get("client") or ("", 0)
        charger = await in_db(
            services.charger_authenticate,
            charge_point_id=charge_point_id,
            username=user,
            password=password,
            remote_address=str(client[0]),
        )
        if charger is None:
            await self._refuse(401, "Unknown charger or wrong credentials.")
            return
        self.charger = charger
        previous = charger.channel_name
        # The inbox exists before the charger may speak: a BootNotification sent the moment the socket opens waits
        # there while the connection is being recorded, instead of depending on when Channels delivers it.
        self.connection = ChannelsConnection(self, charger.pk)
        await self.accept(subprotocol=SUBPROTOCOL)
        if previous and previous != self.channel_name:
            # One live connection per charger: the newest wins (a charger that rebooted, a NAT that dropped the old).
            with contextlib.suppress(Exception):
                await self.channel_layer.send(previous, {"type": "ocpp.replaced"})
        idle = await in_db(services.charger_connected, charger_id=charger.pk, channel_name=self.channel_name)
        self.charge_point = GatewayChargePoint(
            charge_point_id,
            self.connection,
            charger_id=charger.pk,
            response_timeout=int(settings.OCPP_RESPONSE_TIMEOUT),
            idle_connectors=idle,
        )
        self.task = asyncio.create_task(self._serve())

    async def _refuse(self, status: int, reason: str) -> None:
        if "websocket.http.response" in self.scope.get("extensions", {}):
            body = reason.encode()
            headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
            if status == 401:
                headers.append((b"www-authenticate", b'Basic realm="ocpp"'))
            await self.base_send({"type": "websocket.http.response.start", "status": status, "headers": headers})
            await self.base_send({"type": "websocket.http.response.body", "body": body})
        else:
            await self.close()

    async def _serve(self) -> None:
        assert self.charge_point is not None
        try:
            await self.charge_point.start()
        except ConnectionClosed:
            pass
        except Exception:
            logger.exception("Connection of charger %s failed", self.charger)
            await self.close(code=1011)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.connection is None:
            return
        if text_data is None:
            await self.close(code=1003)  # OCPP-J frames are text (OCPP-J 1.6 §4.1)
            return
        if len(text_data) > int(settings.OCPP_MAX_FRAME_BYTES):
            logger.warning("Charger %s sent a frame of %s characters: closed", self.charger, len(text_data))
            await self.close(code=MESSAGE_TOO_BIG)
            return
        self.connection.feed(text_data)

    async def disconnect(self, code: int) -> None:
        if self.connection is not None:
            self.connection.feed(None)
        if self.task is not None:
            self.task.cancel()
        if self.charger is not None:
            if self.charge_point is not None:
                await self.charge_point.settled()  # its StatusNotifications first: they came before the close
            await message_log.flush()
            await seen_log.flush()
            if code == SERVICE_RESTART:
                # The gateway is stopping (or the charger says it restarts): it will connect again, here or elsewhere.
                await release_log.release(charger_id=self.charger.pk, channel_name=self.channel_name)
            else:
                await in_db(services.charger_disconnected, charger_id=self.charger.pk, channel_name=self.channel_name)

    async def ocpp_replaced(self, event: dict[str, Any]) -> None:
        await self.close(code=1000)

    async def ocpp_command(self, event: dict[str, Any]) -> None:
        """A command for this charger, from any process: sent in a task of its own, so this consumer keeps reading."""
        if self.charge_point is None:
            return
        task = asyncio.create_task(run_command(self.charge_point, self.channel_layer, event))
        self.commands.add(task)  # held until done: the loop keeps only weak references to tasks
        task.add_done_callback(self.commands.discard)
