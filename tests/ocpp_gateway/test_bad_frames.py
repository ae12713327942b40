"""Bad frames get the OCPP 1.6 CALLERROR (OCPP-J 1.6 §4.2.3) and the connection stays up; an oversized frame closes
the connection (1009); one charger's bad frames never touch another's connection."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from websockets.typing import Subprotocol

from tests.ocpi_api.drivers import roaming_station

from .conftest import basic, registered, run_async

HEARTBEAT = '[2,"beat","Heartbeat",{}]'
CASES = [
    ("this is not JSON", "-1", "FormationViolation"),
    ('{"not": "an array"}', "-1", "FormationViolation"),
    ('[2, "m1", "Heartbeat"]', "m1", "FormationViolation"),
    ('[9, "m2", "Heartbeat", {}]', "m2", "FormationViolation"),
    ('[2, "m3", "FlyToTheMoon", {}]', "m3", "NotImplemented"),
    ('[2, "m4", "GetLocalListVersion", {}]', "m4", "NotSupported"),
    (
        '[2, "m5", "StatusNotification", {"connectorId": "1", "errorCode": "NoError", "status": "Available"}]',
        "m5",
        "TypeConstraintViolation",
    ),
    ('[2, "m6", "BootNotification", {"chargePointVendor": "Acme"}]', "m6", "ProtocolError"),
    (
        '[2, "m7", "BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "X", "colour": "red"}]',
        "m7",
        "FormationViolation",
    ),
    ('[2, "m8", "StartTransaction", {"connectorId": 1}]', "m8", "ProtocolError"),
    (
        '[2, "m9", "StartTransaction", {"connectorId": "1", "idTag": "A", "meterStart": 0, "timestamp": "x"}]',
        "m9",
        "TypeConstraintViolation",
    ),
]


def raw(gateway, charge_point_id: str, password: str):
    return websockets.connect(
        gateway.url(charge_point_id),
        subprotocols=[Subprotocol("ocpp1.6")],
        additional_headers={"Authorization": basic(charge_point_id, password)},
        max_size=2**20,
    )


@pytest.fixture
def two_chargers():
    first = roaming_station(evses=2)
    second = first.location.evses.exclude(pk=first.pk).get()
    return registered([first.uid], "CP-A")[1], registered([second.uid], "CP-B")[1]


def test_each_bad_frame_gets_its_callerror_and_the_connection_stays_up(gateway, two_chargers):
    password, _ = two_chargers

    async def play() -> list[Any]:
        answers = []
        async with raw(gateway, "CP-A", password) as socket:
            for frame, _, _ in CASES:
                await socket.send(frame)
                answers.append(json.loads(await asyncio.wait_for(socket.recv(), 5)))
            await socket.send(HEARTBEAT)
            answers.append(json.loads(await asyncio.wait_for(socket.recv(), 5)))
        return answers

    answers = run_async(play())
    for (frame, unique_id, code), answer in zip(CASES, answers, strict=False):
        assert answer[:3] == [4, unique_id, code], frame
        assert isinstance(answer[3], str)
        assert isinstance(answer[4], dict)
    assert answers[-1][:2] == [3, "beat"]
    assert "currentTime" in answers[-1][2]


def test_an_oversized_frame_closes_that_connection_only(gateway, two_chargers, settings):
    password_a, password_b = two_chargers
    settings.OCPP_MAX_FRAME_BYTES = 10_000

    async def play() -> tuple[int, Any, Any]:
        async with raw(gateway, "CP-A", password_a) as a, raw(gateway, "CP-B", password_b) as b:
            await a.send('[2,"big","DataTransfer",{"vendorId":"x","data":"' + "x" * 20_000 + '"}]')
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(a.recv(), 5)
            await b.send(HEARTBEAT)
            other = json.loads(await asyncio.wait_for(b.recv(), 5))
            await b.send('[2,"dt","DataTransfer",{"vendorId":"com.example.unknown"}]')
            vendor = json.loads(await asyncio.wait_for(b.recv(), 5))
            assert closed.value.rcvd is not None
            return closed.value.rcvd.code, other, vendor

    code, other, vendor = run_async(play())
    assert code == 1009
    assert other[:2] == [3, "beat"]
    assert vendor == [3, "dt", {"status": "UnknownVendorId"}]
