"""The message log: every frame in and out, written in batches so that logging never slows a charger down.

Frames are buffered per process and flushed every ``OCPP_MESSAGE_LOG_FLUSH_SECONDS``; each charger keeps its newest
``OCPP_MESSAGE_LOG_KEEP`` frames (the retention setting). Older ones are deleted each time a charger has written a
tenth of that again, so a charger holds at most 1.1 × KEEP frames, and a busy gateway does not pay a pruning query
per charger per flush.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from .db import in_db
from .models import OcppMessage

logger = logging.getLogger(__name__)
_KIND = {2: "CALL", 3: "CALLRESULT", 4: "CALLERROR"}


def describe(frame: str) -> tuple[str, str, str, str]:
    """(message type, unique id, action, error code) of a frame, as far as it can be read."""
    try:
        message = json.loads(frame)
    except ValueError:
        return "INVALID", "", "", ""
    if not isinstance(message, list) or len(message) < 2:
        return "INVALID", "", "", ""
    kind = _KIND.get(message[0], "INVALID") if isinstance(message[0], int) else "INVALID"
    unique_id = str(message[1])[:64]
    action = message[2] if kind == "CALL" and len(message) > 2 and isinstance(message[2], str) else ""
    error = message[2] if kind == "CALLERROR" and len(message) > 2 and isinstance(message[2], str) else ""
    return kind, unique_id, action[:64], error[:40]


# What a frame's row is made of, as recorded: its model instance is built in the database thread (``_write``), so
# that the event loop pays only for a tuple (a Django model's __init__ costs more than the rest of the record).
Row = tuple[int, datetime, str, str, str, str, str, str]


@dataclass
class MessageLog:
    pending: list[Row] = field(default_factory=list)
    # The action of each CALL still waiting for its answer, so that the answer is logged with it.
    actions: dict[tuple[int, str, str], str] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None
    unpruned: dict[int, int] = field(default_factory=dict)  # charger id → frames written since its last pruning

    def record(self, *, charger_id: int, direction: str, frame: str) -> None:
        kind, unique_id, action, error = describe(frame)
        # A CALL's answer goes the other way: key it by the direction the CALL travelled.
        if kind == "CALL":
            self.actions[(charger_id, direction, unique_id)] = action
            if len(self.actions) > 10_000:
                self.actions.clear()
        elif kind in ("CALLRESULT", "CALLERROR"):
            other = OcppMessage.Direction.OUT if direction == OcppMessage.Direction.IN else OcppMessage.Direction.IN
            action = self.actions.pop((charger_id, other, unique_id), "")
        self.pending.append((charger_id, timezone.now(), direction, kind, unique_id, action, error, frame[:65536]))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(float(settings.OCPP_MESSAGE_LOG_FLUSH_SECONDS))
        await self.flush()

    async def flush(self) -> None:
        batch, self.pending = self.pending, []
        if batch:
            prune_every = max(1, int(settings.OCPP_MESSAGE_LOG_KEEP) // 10)
            for row in batch:
                self.unpruned[row[0]] = self.unpruned.get(row[0], 0) + 1
            due = [charger_id for charger_id, count in self.unpruned.items() if count >= prune_every]
            for charger_id in due:
                del self.unpruned[charger_id]
            try:
                await in_db(_write, batch, due)
            except Exception:
                logger.exception("Could not write %s OCPP frames to the message log", len(batch))


def _write(batch: list[Row], prune: list[int]) -> None:
    OcppMessage.objects.bulk_create(
        OcppMessage(
            charger_id=charger_id,
            at=at,
            direction=direction,
            message_type=kind,
            unique_id=unique_id,
            action=action,
            error_code=error,
            frame=frame,
        )
        for charger_id, at, direction, kind, unique_id, action, error, frame in batch
    )
    keep = int(settings.OCPP_MESSAGE_LOG_KEEP)
    for charger_id in prune:
        ids = OcppMessage.objects.filter(charger_id=charger_id).values_list("id", flat=True)
        oldest_kept = ids.order_by("-id")[keep - 1 : keep].first()
        if oldest_kept is not None:
            with contextlib.suppress(Exception):
                OcppMessage.objects.filter(charger_id=charger_id, id__lt=oldest_kept).delete()


message_log = MessageLog()
