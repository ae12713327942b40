""" "Last seen" and "last heartbeat", written in batches: one UPDATE for every charger heard from lately, instead of
two per charger, so that a thousand chargers' bookkeeping costs the database threads (and the event loop, which shares
the interpreter with them) a few queries a second.

Each connection records a charger at most every ``services.SEEN_WRITE_SECONDS``; the batch is written
``services.SEEN_FLUSH_SECONDS`` later, or when a charger disconnects. It is bookkeeping only: no message waits for it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from . import services
from .db import in_db

logger = logging.getLogger(__name__)


@dataclass
class SeenLog:
    pending: dict[int, bool] = field(default_factory=dict)  # charger id → whether a Heartbeat was among its frames
    task: asyncio.Task[None] | None = None

    def record(self, *, charger_id: int, heartbeat: bool) -> None:
        self.pending[charger_id] = self.pending.get(charger_id, False) or heartbeat
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(services.SEEN_FLUSH_SECONDS)
        await self.flush()

    async def flush(self) -> None:
        batch, self.pending = self.pending, {}
        if not batch:
            return
        heartbeats = [charger_id for charger_id, heartbeat in batch.items() if heartbeat]
        try:
            await in_db(services.chargers_seen, charger_ids=list(batch), heartbeat_ids=heartbeats)
        except Exception:
            logger.exception("Could not write 'last seen' of %s chargers", len(batch))


seen_log = SeenLog()
