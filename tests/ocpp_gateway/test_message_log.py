"""The message log keeps each charger's newest OCPP_MESSAGE_LOG_KEEP frames, and prunes in steps, not per flush."""

from __future__ import annotations

import asyncio
import json

from ocpp_gateway.message_log import MessageLog
from ocpp_gateway.models import OcppMessage
from tests.ocpi_api.drivers import roaming_station

from .conftest import registered, run_async


def test_each_charger_keeps_its_newest_frames_within_a_tenth_more_than_the_setting(gateway, settings):
    settings.OCPP_MESSAGE_LOG_KEEP = 20
    busy, _ = registered([roaming_station().uid], "CP-BUSY")
    quiet, _ = registered([roaming_station().uid], "CP-QUIET")
    log = MessageLog()
    counts: list[int] = []

    async def play() -> None:
        log.record(charger_id=quiet.pk, direction="IN", frame=json.dumps([2, "q-1", "Heartbeat", {}]))
        for n in range(100):
            log.record(charger_id=busy.pk, direction="IN", frame=json.dumps([2, f"b-{n}", "Heartbeat", {}]))
            if n % 5 == 4:
                await log.flush()
                counts.append(await asyncio.to_thread(OcppMessage.objects.filter(charger=busy).count))

    run_async(play())
    assert max(counts) <= 22, "at most a tenth more than OCPP_MESSAGE_LOG_KEEP"
    kept = list(OcppMessage.objects.filter(charger=busy).order_by("id").values_list("unique_id", flat=True))
    assert 20 <= len(kept) <= 22
    assert kept == [f"b-{n}" for n in range(100 - len(kept), 100)], "the newest frames are the ones kept"
    assert OcppMessage.objects.filter(charger=quiet).count() == 1
