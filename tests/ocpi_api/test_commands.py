"""Commands module: the CommandResponse at once, and the simulated charger's CommandResult at the eMSP's
response_url, posted through the push pipeline after commit."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from billing.models import Cdr
from chargepoints.enums import EvseStatus
from chargepoints.models import ChargingSession
from chargepoints.services import evse_set_status
from chargepoints.simulator import ChargerSimulator
from ocpi_api.command_services import command_execute, reservations_expire
from ocpi_api.core.envelope import format_datetime
from ocpi_api.models import AuthorizationRecord, CommandRequest
from ocpi_api.push.models import OutboxItem

from .contract import COMMAND_RESPONSE, COMMAND_RESULT, validate
from .drivers import Commands, registered_partner, roaming_station, token_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(drivers_emsp):
    return registered_partner(drivers_emsp)


@pytest.fixture
def evse():
    return roaming_station()


@pytest.fixture
def commands(client, partner, drivers_emsp, django_capture_on_commit_callbacks):
    return Commands(client, partner[1], drivers_emsp, django_capture_on_commit_callbacks)


def result_of(results: list[dict[str, Any]]) -> str:
    [result] = results
    assert validate(result, COMMAND_RESULT) == []
    outcome: str = result["result"]
    return outcome


def test_start_session_is_accepted_and_the_charger_starts_it(commands, evse, drivers_emsp):
    envelope, results = commands.start(evse, authorization_reference="EMSP-REF-9", connector_id="1")

    assert envelope["status_code"] == 1000
    assert validate(envelope["data"], COMMAND_RESPONSE) == []
    assert envelope["data"] == {"result": "ACCEPTED", "timeout": 60}
    assert result_of(results) == "ACCEPTED"
    session = ChargingSession.objects.get()
    assert (session.status, session.auth_method, session.authorization_reference) == (
        "ACTIVE",
        "COMMAND",
        "EMSP-REF-9",
    )
    assert (session.token_uid, session.token_contract_id) == ("04A1B2C3", "NL-EMS-C04A1B2C3")
    command = CommandRequest.objects.get()
    assert (command.session, command.result, command.evse_uid) == (session, "ACCEPTED", evse.uid)
    record = AuthorizationRecord.objects.get()
    assert (record.source, record.allowed, record.reason) == (
        "COMMAND",
        True,
        "pre-authorized by the eMSP with START_SESSION",
    )
    # The new session went to the eMSP as a PUT, after the result.
    assert drivers_emsp.sessions[f"SE/CPO/{session.ocpi_id}"]["status"] == "ACTIVE"
    assert OutboxItem.objects.get(module="commands").status == "DELIVERED"


def test_without_an_evse_the_charger_picks_a_free_one(commands):
    evse = roaming_station(evses=2)
    evse_set_status(evse=evse, status=EvseStatus.CHARGING)
    envelope, results = commands.post("START_SESSION", {"token": token_body(), "location_id": evse.location.ocpi_id})
    assert (envelope["data"]["result"], result_of(results)) == ("ACCEPTED", "ACCEPTED")
    assert ChargingSession.objects.get().evse.location == evse.location
    assert ChargingSession.objects.get().evse != evse


@pytest.mark.parametrize(
    ("fields", "status_code", "message"),
    [
        ({"location_id": "NOWHERE"}, 2003, "Unknown location"),
        ({"evse_uid": "NO-EVSE"}, 2003, "Unknown EVSE"),
        ({"connector_id": "9"}, 2003, "Unknown connector"),
        ({"token": token_body(country_code="DE", party_id="EMD")}, 1000, "own tokens"),
    ],
)
def test_start_session_refusals_are_answered_at_once(commands, evse, drivers_emsp, fields, status_code, message):
    envelope, results = commands.start(evse, **fields)
    assert (envelope["status_code"], envelope["data"]["result"]) == (status_code, "REJECTED")
    assert validate(envelope["data"], COMMAND_RESPONSE) == []
    assert message in envelope["data"]["message"][0]["text"]
    assert results == []
    assert not ChargingSession.objects.exists()
    assert CommandRequest.objects.get().response == "REJECTED"  # recorded for staff


def test_an_evse_without_remote_start_does_not_support_it(commands):
    evse = roaming_station(capabilities=["RFID_READER"])
    envelope, results = commands.start(evse)
    assert (envelope["status_code"], envelope["data"]["result"]) == (1000, "NOT_SUPPORTED")
    assert results == []


@pytest.mark.parametrize(
    ("status", "result"),
    [
        (EvseStatus.CHARGING, "EVSE_OCCUPIED"),
        (EvseStatus.BLOCKED, "EVSE_OCCUPIED"),
        (EvseStatus.OUTOFORDER, "EVSE_INOPERATIVE"),
    ],
)
def test_the_charger_refuses_a_busy_or_broken_evse(commands, evse, status, result):
    evse_set_status(evse=evse, status=status)
    envelope, results = commands.start(evse)
    assert envelope["data"]["result"] == "ACCEPTED"  # we can forward it; the charger says no
    assert result_of(results) == result
    assert not ChargingSession.objects.exists()


def test_invalid_bodies_and_unknown_commands(commands, evse):
    envelope, _ = commands.post("START_SESSION", {"token": {"uid": "X"}, "location_id": evse.location.ocpi_id})
    assert envelope["status_code"] == 2001
    assert "token.country_code" in envelope["status_message"]
    envelope, _ = commands.post("START_SESSION", {"token": token_body(), "location_id": "L", "connector_id": "1"})
    assert "evse_uid" in envelope["status_message"]
    envelope, _ = commands.post("SELF_DESTRUCT", {})
    assert (envelope["status_code"], envelope["data"]["result"]) == (2000, "NOT_SUPPORTED")
    assert not CommandRequest.objects.exists()


def test_stop_session_stops_the_drivers_session_and_bills_it(commands, evse, drivers_emsp):
    commands.start(evse)
    session = ChargingSession.objects.get()
    # The car charged for 20 minutes before the eMSP stopped it: the charger reports that energy at the stop.
    ChargingSession.objects.filter(pk=session.pk).update(
        start_date_time=session.start_date_time - timedelta(minutes=20),
        accounted_until=session.accounted_until - timedelta(minutes=20),
    )
    session.charging_periods.update(start_date_time=session.start_date_time - timedelta(minutes=20))
    envelope, results = commands.post("STOP_SESSION", {"session_id": session.ocpi_id})

    assert envelope["data"]["result"] == "ACCEPTED"
    assert result_of(results) == "ACCEPTED"
    session.refresh_from_db()
    assert session.status == "COMPLETED"
    assert session.kwh == Decimal("3.667")  # 11 kW for 20 minutes, to the Wh
    assert session.stop_reason == "Stopped remotely by the eMSP"
    cdr = Cdr.objects.get(session=session)
    assert cdr.status == "ISSUED"
    assert cdr.total_cost_excl_vat is not None
    assert drivers_emsp.cdrs[cdr.ocpi_id]["total_cost"]["excl_vat"] == float(cdr.total_cost_excl_vat)


def test_stop_session_for_unknown_other_or_finished_sessions(commands, evse, client):
    envelope, results = commands.post("STOP_SESSION", {"session_id": "NO-SUCH-SESSION"})
    assert (envelope["status_code"], envelope["data"]["result"], results) == (1000, "UNKNOWN_SESSION", [])

    _other, other_token = registered_partner(commands.emsp, country_code="DE", party_id="EMD")
    theirs = Commands(client, other_token, commands.emsp, commands.capture)
    theirs.start(evse, token=token_body(country_code="DE", party_id="EMD"))
    session = ChargingSession.objects.get()
    envelope, results = commands.post("STOP_SESSION", {"session_id": session.ocpi_id})
    assert (envelope["data"]["result"], results) == ("REJECTED", [])
    session.refresh_from_db()
    assert session.status == "ACTIVE"

    theirs.post("STOP_SESSION", {"session_id": session.ocpi_id})
    envelope, _ = theirs.post("STOP_SESSION", {"session_id": session.ocpi_id})
    assert envelope["data"]["result"] == "REJECTED"
    assert "nothing to stop" in envelope["data"]["message"][0]["text"]


def test_a_command_that_reaches_the_charger_too_late_times_out(
    partner, evse, drivers_emsp, django_capture_on_commit_callbacks
):
    body = {"token": token_body(), "location_id": evse.location.ocpi_id, "evse_uid": evse.uid}
    command = CommandRequest.objects.create(
        partner=partner[0],
        command="START_SESSION",
        response_url=f"{drivers_emsp.commands_base}/START_SESSION/late",
        payload=body,
        location_id=evse.location.ocpi_id,
        evse_uid=evse.uid,
        response="ACCEPTED",
        timeout=60,
        received_at=timezone.now() - timedelta(seconds=61),
    )
    with django_capture_on_commit_callbacks(execute=True):
        command_execute(command_id=command.pk)
        command_execute(command_id=command.pk)  # a task run twice sends one result
    assert drivers_emsp.command_results["/ocpi/emsp/2.2.1/commands/START_SESSION/late"] == [
        {"result": "TIMEOUT", "message": [{"language": "en", "text": "The charger did not get the command in time."}]}
    ]
    assert not ChargingSession.objects.exists()


def reserve_body(evse, reservation_id="R-1", minutes=30, **fields):
    expiry = format_datetime(timezone.now() + timedelta(minutes=minutes))
    return {
        "token": token_body(),
        "expiry_date": expiry,
        "reservation_id": reservation_id,
        "location_id": evse.location.ocpi_id,
        "evse_uid": evse.uid,
        **fields,
    }


def test_reserve_now_then_start_with_the_same_token(commands, evse, drivers_emsp):
    envelope, results = commands.post("RESERVE_NOW", reserve_body(evse))
    assert (envelope["data"]["result"], result_of(results)) == ("ACCEPTED", "ACCEPTED")
    reservation = ChargingSession.objects.get()
    evse.refresh_from_db()
    assert (reservation.status, evse.status) == ("RESERVATION", "RESERVED")
    assert drivers_emsp.sessions[f"SE/CPO/{reservation.ocpi_id}"]["status"] == "RESERVATION"

    # The same id again: the reservation is extended, not doubled.
    _, results = commands.post("RESERVE_NOW", reserve_body(evse, minutes=60))
    assert result_of(results) == "ACCEPTED"
    assert ChargingSession.objects.count() == 1

    # Someone else's driver cannot take the reserved EVSE.
    _, results = commands.start(evse, token=token_body("OTHER-CARD"))
    assert result_of(results) == "EVSE_OCCUPIED"

    _, results = commands.start(evse)
    assert result_of(results) == "ACCEPTED"
    reservation.refresh_from_db()
    evse.refresh_from_db()
    assert (reservation.status, reservation.tariff_id, evse.status) == ("ACTIVE", "SE-AC-STANDARD", "CHARGING")
    assert ChargingSession.objects.count() == 1
    ChargerSimulator(evse=evse).charge(session=reservation, minutes=10, kw=Decimal(11))
    reservation.refresh_from_db()
    assert reservation.kwh == Decimal("1.833")


def test_cancel_reservation_and_expiry(commands, evse):
    commands.post("RESERVE_NOW", reserve_body(evse))
    envelope, results = commands.post("CANCEL_RESERVATION", {"reservation_id": "R-1"})
    assert (envelope["data"]["result"], result_of(results)) == ("ACCEPTED", "ACCEPTED")
    session = ChargingSession.objects.get()
    evse.refresh_from_db()
    assert (session.status, session.stop_reason, evse.status) == ("INVALID", "Cancelled by the eMSP", "AVAILABLE")
    assert not Cdr.objects.exists()  # reservations are not billed

    _, results = commands.post("CANCEL_RESERVATION", {"reservation_id": "R-1"})
    assert result_of(results) == "UNKNOWN_RESERVATION"

    commands.post("RESERVE_NOW", reserve_body(evse, reservation_id="R-2", minutes=5))
    assert reservations_expire(now=timezone.now() + timedelta(minutes=4)) == 0
    assert reservations_expire(now=timezone.now() + timedelta(minutes=6)) == 1
    expired = ChargingSession.objects.get(status="INVALID", stop_reason="Reservation expired unused")
    assert expired.end_date_time is not None
    assert expired.end_date_time <= timezone.now() + timedelta(minutes=5)
    evse.refresh_from_db()
    assert evse.status == "AVAILABLE"


def test_reserve_now_refusals(commands, evse):
    envelope, _ = commands.post("RESERVE_NOW", reserve_body(evse, minutes=-1))
    assert (envelope["status_code"], envelope["data"]["result"]) == (2001, "REJECTED")
    not_reservable = roaming_station(capabilities=["REMOTE_START_STOP_CAPABLE"])
    envelope, _ = commands.post("RESERVE_NOW", reserve_body(not_reservable))
    assert envelope["data"]["result"] == "NOT_SUPPORTED"
    envelope, _ = commands.post("RESERVE_NOW", reserve_body(evse, token=token_body(country_code="DE", party_id="EMD")))
    assert envelope["data"]["result"] == "REJECTED"
    assert not ChargingSession.objects.exists()


def test_reserve_now_beyond_the_cap_is_refused(commands, evse, settings):
    """An EVSE is held for at most OCPI_RESERVATION_MAX_HOURS (24 h): a later expiry_date is refused, not clamped."""
    for expiry in (reserve_body(evse, minutes=24 * 60 + 1)["expiry_date"], "9999-12-31T23:59:59Z"):
        envelope, results = commands.post("RESERVE_NOW", reserve_body(evse, expiry_date=expiry))
        assert (envelope["status_code"], envelope["data"]["result"], results) == (2001, "REJECTED", [])
        assert "'expiry_date': at most 24 hours from now" in envelope["status_message"]
    evse.refresh_from_db()
    assert evse.status == "AVAILABLE"
    assert not ChargingSession.objects.exists()

    settings.OCPI_RESERVATION_MAX_HOURS = 1
    envelope, _ = commands.post("RESERVE_NOW", reserve_body(evse, minutes=61))
    assert envelope["data"]["result"] == "REJECTED"
    envelope, results = commands.post("RESERVE_NOW", reserve_body(evse, minutes=59))
    assert (envelope["data"]["result"], result_of(results)) == ("ACCEPTED", "ACCEPTED")


def test_unlock_connector(commands, evse):
    body = {"location_id": evse.location.ocpi_id, "evse_uid": evse.uid, "connector_id": "1"}
    envelope, results = commands.post("UNLOCK_CONNECTOR", dict(body))
    assert (envelope["data"]["result"], result_of(results)) == ("ACCEPTED", "ACCEPTED")

    envelope, _ = commands.post("UNLOCK_CONNECTOR", {**body, "location_id": "NOWHERE"})
    assert (envelope["status_code"], envelope["data"]["result"]) == (2003, "REJECTED")

    commands.start(evse)
    _, results = commands.post("UNLOCK_CONNECTOR", dict(body))
    assert result_of(results) == "REJECTED"  # the connector is locked by a running session

    plain = roaming_station(capabilities=["REMOTE_START_STOP_CAPABLE"])
    envelope, _ = commands.post(
        "UNLOCK_CONNECTOR", {"location_id": plain.location.ocpi_id, "evse_uid": plain.uid, "connector_id": "1"}
    )
    assert envelope["data"]["result"] == "NOT_SUPPORTED"


def test_reservations_expire_on_a_beat_schedule(settings):
    from celery import current_app

    import ocpi_api.tasks  # the worker autodiscovers it; the test process imports it here

    entry = settings.CELERY_BEAT_SCHEDULE["ocpi-reservations-expire"]
    assert current_app.tasks[entry["task"]].name == ocpi_api.tasks.reservations_expire_task.name == entry["task"]
    assert current_app.tasks[entry["task"]].delay().get() == 0


def test_a_reserved_evse_that_breaks_down_cancels_the_reservation(commands, evse, django_capture_on_commit_callbacks):
    body = reserve_body(evse)
    commands.post("RESERVE_NOW", body)
    with django_capture_on_commit_callbacks(execute=True):
        evse_set_status(evse=evse, status=EvseStatus.OUTOFORDER)
    session = ChargingSession.objects.get()
    assert (session.status, session.stop_reason) == ("INVALID", "Cancelled by us: the EVSE is OUTOFORDER")
    results = commands.emsp.command_results[body["response_url"].removeprefix(commands.emsp.base_url)]
    assert [r["result"] for r in results] == ["ACCEPTED", "CANCELED_RESERVATION"]
    assert validate(results[1], COMMAND_RESULT) == []
    evse.refresh_from_db()
    assert evse.status == "OUTOFORDER"
