"""Commands to a charger (OCPP 1.6 §5), from any process: a channel-layer message to the connection's channel,
the CALL sent by the process holding the socket, and the charger's answer sent back to a reply channel.

``charger_call`` is the synchronous side (views, Celery tasks, the charger control); ``run_command`` runs in the
consumer's process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from ocpp.charge_point import serialize_as_dict
from ocpp.exceptions import OCPPError
from ocpp.v16 import call

from .charge_point import GatewayChargePoint
from .models import Charger
from .remote_starts import REMOTE_START_SECONDS, RemoteStart
from .routing_loop import run_exchange

logger = logging.getLogger(__name__)

# What staff may send from the Chargers page, besides the commands OCPI drives.
STAFF_ACTIONS = ("Reset", "ChangeAvailability", "TriggerMessage", "GetConfiguration", "ChangeConfiguration")


@dataclass(frozen=True)
class Answer:
    """How a command went: ``answered`` (with the charger's ``payload``), ``offline``, ``timeout`` or ``error``."""

    outcome: str
    payload: dict[str, Any] = field(default_factory=dict)
    code: str = ""
    description: str = ""

    @property
    def status(self) -> str:
        return str(self.payload.get("status", ""))

    def summary(self) -> str:
        if self.outcome == "answered":
            return self.status or json.dumps(self.payload)[:200]
        if self.outcome == "error":
            return f"CALLERROR {self.code}: {self.description}".strip()
        return {"offline": "Charger not connected", "timeout": "No answer in time"}.get(self.outcome, self.outcome)


def charger_call(
    *, charger: Charger, action: str, kwargs: dict[str, Any], remote_start: RemoteStart | None = None
) -> Answer:
    """Send ``action`` (an OCPP 1.6 CALL, with snake_case ``kwargs``) to the charger and wait for its answer."""
    charger.refresh_from_db(fields=["channel_name", "connected_since"])
    if not charger.channel_name:
        return Answer("offline")
    timeout = float(settings.OCPP_RESPONSE_TIMEOUT)
    event: dict[str, Any] = {"type": "ocpp.command", "action": action, "kwargs": kwargs}
    if remote_start is not None:
        event["remote_start"] = remote_start.as_json()
    channel = charger.channel_name

    async def exchange() -> dict[str, Any]:
        layer = get_channel_layer()
        assert layer is not None
        reply_to = await layer.new_channel("ocpp.reply.")
        await layer.send(channel, {**event, "reply_to": reply_to})
        return await asyncio.wait_for(layer.receive(reply_to), timeout + 2)

    try:
        reply = run_exchange(exchange, timeout=timeout + 2)
    except TimeoutError:
        return Answer("timeout")
    except Exception as error:  # the channel layer itself failed (Redis down): the command did not get through
        logger.exception("Command %s to %s not delivered", action, charger)
        return Answer("error", code="GatewayError", description=str(error)[:200])
    return Answer(
        reply.get("outcome", "error"),
        reply.get("payload") or {},
        reply.get("code", ""),
        reply.get("description", ""),
    )


async def run_command(charge_point: GatewayChargePoint, layer: Any, event: dict[str, Any]) -> None:
    action, kwargs = event["action"], event["kwargs"]
    remote = event.get("remote_start")
    if remote is not None:
        facts = RemoteStart.from_json(remote)
        charge_point.remote_starts[kwargs["id_tag"]] = (facts, time.monotonic() + REMOTE_START_SECONDS)
    reply: dict[str, Any]
    try:
        request = getattr(call, action)(**kwargs)
        result = await charge_point.call(request, suppress=False)
        reply = {"outcome": "answered", "payload": json.loads(json.dumps(serialize_as_dict(result), default=str))}
    except TimeoutError:
        reply = {"outcome": "timeout"}
    except OCPPError as error:
        reply = {"outcome": "error", "code": error.code, "description": error.description or ""}
    except Exception as error:
        logger.exception("Command %s to %s failed", action, charge_point.id)
        reply = {"outcome": "error", "code": "InternalError", "description": str(error)[:200]}
    # The answer goes back first: whoever waits for it may hold the database (one writer on SQLite).
    await layer.send(event["reply_to"], {"type": "ocpp.reply", **reply})
    if remote is not None:
        if reply.get("payload", {}).get("status") == "Accepted":
            await charge_point.remote_start_keep(kwargs["id_tag"])
        else:
            charge_point.remote_starts.pop(kwargs["id_tag"], None)
