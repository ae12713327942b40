"""Chargers let go by a stopping gateway, written in batches.

As uvicorn shuts down it sends every connection a close frame with 1012, Service Restart (RFC 6455 §7.4.1 and the
IANA WebSocket close code registry), and hands each consumer a disconnect with that code. Written one by one as
ordinary disconnects (every EVSE UNKNOWN, through the domain services), a thousand chargers kept the process alive
for a minute. Here the consumers' releases of a moment are written in one statement (``services.chargers_released``),
and each consumer's disconnect returns once its charger's is: uvicorn waits for the consumers, so nothing is lost
at exit.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from . import services
from .db import in_db

logger = logging.getLogger(__name__)
SERVICE_RESTART = 1012
# The disconnects of one shutdown arrive within a few event loop turns: this gathers them into one batch.
GATHER_SECONDS = 0.05


@dataclass
class ReleaseLog:
    pending: list[tuple[int, str]] = field(default_factory=list)  # (charger id, channel name)
    batch: asyncio.Task[None] | None = None

    async def release(self, *, charger_id: int, channel_name: str) -> None:
        self.pending.append((charger_id, channel_name))
        if self.batch is None or self.batch.done():  # done: cancelled with the event loop of an earlier server
            self.batch = asyncio.get_running_loop().create_task(self._write())
        await asyncio.shield(self.batch)

    async def _write(self) -> None:
        await asyncio.sleep(GATHER_SECONDS)
        connections, self.pending, self.batch = self.pending, [], None
        try:
            await in_db(services.chargers_released, connections=connections)
        except Exception:
            logger.exception("Could not release %s chargers", len(connections))


release_log = ReleaseLog()
