"""The scale data set's chargers (chargepoints.scale): one charger per 100 locations, serving that location's EVSEs,
each with a full message log (``OCPP_MESSAGE_LOG_KEEP`` frames) of heartbeats, status reports and meter values.

Their passwords are unusable: staff set one (Chargers → register or adopt) before a real charger could connect.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password

from chargepoints.models import EVSE, Location
from chargepoints.scale import SCALE_SOURCE, ScalePlan, bulk_insert, copy_insert, register

from .models import Charger, ChargerEvse, OcppMessage

LOCATIONS_PER_CHARGER = 100


@register(order=50, name="chargers")
def seed_chargers(plan: ScalePlan) -> str:
    locations = list(Location.objects.filter(source=SCALE_SOURCE).order_by("id")[::LOCATIONS_PER_CHARGER])
    chargers = bulk_insert(
        Charger,
        (
            Charger(
                charge_point_id=f"SCALE-CP-{location.source_ref}",
                password_hash=make_password(None),
                vendor="ScaleVendor",
                model="DC150" if n % 3 == 0 else "AC22",
                firmware_version="1.4.2",
                last_seen_at=plan.now,
            )
            for n, location in enumerate(locations)
        ),
    )
    evses = EVSE.objects.filter(location__in=locations).order_by("id")
    charger_of = {location.pk: charger for location, charger in zip(locations, chargers, strict=True)}
    numbers: dict[int, int] = {}
    links = []
    for evse in evses:
        numbers[evse.location_id] = numbers.get(evse.location_id, 0) + 1
        links.append(
            ChargerEvse(charger=charger_of[evse.location_id], connector_id=numbers[evse.location_id], evse=evse)
        )
    ChargerEvse.objects.bulk_create(links)
    keep = min(int(settings.OCPP_MESSAGE_LOG_KEEP), max(100, plan.sessions // 100))
    count = copy_insert(OcppMessage, (m for charger in chargers for m in _log(charger, keep, plan)))
    return f"Chargers: {len(chargers)} serving {len(links)} EVSEs, {count} logged frames"


def _log(charger: Charger, count: int, plan: ScalePlan) -> Iterator[OcppMessage]:
    """``count`` frames, oldest first, a CALL from the charger and our CALLRESULT in turn."""
    start = plan.now - timedelta(minutes=5 * count)
    for n in range(0, count, 2):
        at = start + timedelta(minutes=5 * n)
        action, payload = [
            ("Heartbeat", {}),
            ("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"}),
            ("MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": at.isoformat(), "sampledValue": [
                {"value": str(1000 + n), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]}),
        ][n // 2 % 3]  # fmt: skip
        unique_id = f"{charger.pk}-{n}"
        yield OcppMessage(
            charger=charger, at=at, direction=OcppMessage.Direction.IN, message_type="CALL", unique_id=unique_id,
            action=action, frame=json.dumps([2, unique_id, action, payload]),
        )  # fmt: skip
        answer = {"currentTime": at.isoformat()} if action == "Heartbeat" else {}
        yield OcppMessage(
            charger=charger, at=at, direction=OcppMessage.Direction.OUT, message_type="CALLRESULT",
            unique_id=unique_id, action=action, frame=json.dumps([3, unique_id, answer]),
        )  # fmt: skip
