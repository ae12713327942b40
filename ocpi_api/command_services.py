"""Commands from eMSPs (OCPI 2.2.1 mod_commands.asciidoc): our verdict at once, the charger's result later.

``command_receive`` runs in the eMSP's request. It checks what we can check ourselves (``command_checks``), stores
a ``CommandRequest`` and answers with a CommandResponse and a timeout. An accepted command is then carried out by
``command_execute`` in a Celery task: the charger serving the EVSE is asked over OCPP (``chargepoints.control``),
or the charge point simulator plays one, and the outcome is POSTed as a CommandResult to the eMSP's
``response_url`` through the push pipeline.

Reservations: the eMSP's ``reservation_id`` is only ever looked up among that eMSP's own RESERVE_NOW commands, so
one eMSP can neither replace nor cancel another's reservation (mod_commands.asciidoc, ReserveNow object).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chargepoints.authorization import AuthMethod, DriverToken
from chargepoints.control import ControlResult, serving_control
from chargepoints.enums import Capability, EvseStatus
from chargepoints.models import EVSE, ChargingSession, Location
from chargepoints.sessions.enums import SessionStatus
from chargepoints.sessions.reservations import reservation_create, reservation_end
from chargepoints.simulator import ChargerSimulator

from .authority import authorization_record_command
from .command_checks import CheckedCommand, CommandRefused, command_check
from .core.status import ModuleID, OcpiStatus
from .models import CommandRequest, Partner
from .modules.commands.serializers import command_result_json
from .push.keys import command_result_key, reservation_canceled_key
from .push.services import push_enqueue

Command = CommandRequest.Command
Response = CommandRequest.Response
Result = CommandRequest.Result
_OCCUPIED = (EvseStatus.CHARGING, EvseStatus.BLOCKED, EvseStatus.RESERVED)


def command_timeout() -> int:
    """Seconds the eMSP should wait for the result."""
    return int(settings.OCPI_COMMAND_TIMEOUT)


@dataclass(frozen=True)
class CommandAnswer:
    """The CommandResponse, and the OCPI status code of the envelope it goes in."""

    result: str
    message: str
    timeout: int
    status_code: OcpiStatus = OcpiStatus.SUCCESS


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    """The validated command as it can be stored (datetimes as ISO strings)."""
    return {
        key: _json_safe(value)
        if isinstance(value, dict)
        else value.isoformat()
        if isinstance(value, datetime)
        else value
        for key, value in data.items()
    }


@transaction.atomic
def command_receive(*, partner: Partner, command: str, data: dict[str, Any]) -> CommandAnswer:
    """Check a validated command, record it, and have it carried out after commit when we accept it."""
    from .tasks import command_execute_task  # the tasks module imports this one

    timeout = command_timeout()
    result: str
    try:
        checked = command_check(partner=partner, command=command, data=data)
        result, message, status_code = Response.ACCEPTED, "", OcpiStatus.SUCCESS
    except CommandRefused as refusal:
        checked = CheckedCommand()
        result, message, status_code = refusal.result, refusal.message, refusal.status_code
    request = CommandRequest.objects.create(
        partner=partner,
        command=command,
        response_url=data["response_url"],
        payload=_json_safe(data),
        response=result,
        response_message=message[:255],
        timeout=timeout,
        **checked.fields,
    )
    if result == Response.ACCEPTED:
        command_execute_task.delay_on_commit(request.pk)
    return CommandAnswer(result=result, message=message, timeout=timeout, status_code=status_code)


# --- The charger's side ------------------------------------------------------------------------------------------


def driver_token(data: dict[str, Any]) -> DriverToken:
    """The facts of a Token an eMSP sent in a command (stored with the command as JSON)."""
    return DriverToken(
        country_code=data["country_code"].upper(),
        party_id=data["party_id"].upper(),
        uid=data["uid"],
        type=data["type"],
        contract_id=data["contract_id"],
        issuer=data["issuer"],
        valid=data["valid"],
        whitelist=data["whitelist"],
        visual_number=data.get("visual_number") or "",
        group_id=data.get("group_id") or "",
        language=data.get("language") or "",
    )


def _same_token(session: ChargingSession, token: DriverToken) -> bool:
    return (
        session.token_uid.upper() == token.uid.upper()
        and session.token_type == token.type
        and (session.token_country_code.upper(), session.token_party_id.upper()) == (token.country_code, token.party_id)
    )


def _pick_evse(command: CommandRequest, capability: Capability) -> EVSE | None:
    """The EVSE the command names, or the first free one of the location that can do it (the charger's choice)."""
    location = Location.objects.filter(ocpi_id=command.location_id).first()
    if location is None:
        return None
    evses = location.evses.exclude(status=EvseStatus.REMOVED).order_by("id")
    if command.evse_uid:
        return evses.filter(uid=command.evse_uid).first()
    capable = [evse for evse in evses if capability in evse.capabilities]
    return next((evse for evse in capable if evse.status == EvseStatus.AVAILABLE), capable[0] if capable else None)


def _busy(evse: EVSE) -> tuple[str, str]:
    if evse.status in _OCCUPIED:
        return Result.EVSE_OCCUPIED, f"EVSE {evse} is {evse.get_status_display().lower()}."
    return Result.EVSE_INOPERATIVE, f"EVSE {evse} is {evse.get_status_display().lower()}."


def _reservation_of(evse: EVSE) -> ChargingSession | None:
    return ChargingSession.objects.filter(evse=evse, status=SessionStatus.RESERVATION).first()


def _start(command: CommandRequest, now: datetime) -> tuple[str, str]:
    evse = _pick_evse(command, Capability.REMOTE_START_STOP_CAPABLE)
    if evse is None:
        return Result.FAILED, "The location or EVSE is no longer there."
    token = driver_token(command.payload["token"])
    reference = command.payload.get("authorization_reference")
    if control := serving_control(evse):
        outcome = control.remote_start(evse=evse, token=token, authorization_reference=reference)
        command.evse_uid = evse.uid
        return outcome.result, outcome.message
    simulator = ChargerSimulator(evse=evse, connector_id=command.connector_id or None)
    reservation = _reservation_of(evse) if evse.status == EvseStatus.RESERVED else None
    if reservation is not None and _same_token(reservation, token):
        session = simulator.start_reserved(session=reservation, at=now, authorization_reference=reference)
    elif evse.status != EvseStatus.AVAILABLE:
        return _busy(evse)
    else:
        session = simulator.start(
            token=token, auth_method=AuthMethod.COMMAND, at=now, authorization_reference=reference
        )
    authorization_record_command(
        partner=command.partner,
        token=token,
        location_id=command.location_id,
        evse_uid=evse.uid,
        command=command.command,
    )
    command.session, command.evse_uid, command.connector_id = session, evse.uid, session.connector_id
    return Result.ACCEPTED, f"Session {session.ocpi_id} started on {evse}."


def _stop(command: CommandRequest, now: datetime) -> tuple[str, str]:
    session = ChargingSession.objects.select_related("evse").get(commands=command)
    if not session.is_open:
        return Result.FAILED, f"The session had already ended ({session.status})."
    if control := serving_control(session.evse):
        outcome = control.remote_stop(session=session)
        return outcome.result, outcome.message
    simulator = ChargerSimulator(evse=session.evse, connector_id=session.connector_id)
    simulator.remote_stop(session=session, now=now, reason="Stopped remotely by the eMSP")
    return Result.ACCEPTED, f"Session {session.ocpi_id} stopped."


def _reservations(partner_id: int, reservation_id: str) -> list[ChargingSession]:
    """Open reservations made with this eMSP's ``reservation_id``, latest first."""
    commands = CommandRequest.objects.filter(
        partner_id=partner_id,
        command=Command.RESERVE_NOW,
        reservation_id=reservation_id,
        response=Response.ACCEPTED,
        session__status=SessionStatus.RESERVATION,
    ).select_related("session__evse")
    sessions: dict[int, ChargingSession] = {}
    for reserve in commands.order_by("-received_at", "-id"):
        assert reserve.session is not None
        sessions.setdefault(reserve.session.pk, reserve.session)
    return list(sessions.values())


def _reserve(command: CommandRequest, now: datetime) -> tuple[str, str]:
    evse = _pick_evse(command, Capability.RESERVABLE)
    if evse is None:
        return Result.FAILED, "The location or EVSE is no longer there."
    token = driver_token(command.payload["token"])
    previous = [
        s for s in _reservations(command.partner_id, command.reservation_id) if s.location_id == evse.location_id
    ]
    for session in previous:
        if session.evse_id == evse.pk and _same_token(session, token):
            command.session, command.evse_uid = session, evse.uid  # same id, same place: only the expiry changes
            return (
                Result.ACCEPTED,
                f"Reservation {session.ocpi_id} now lasts until {command.expiry_date:%Y-%m-%d %H:%M} UTC.",
            )
        reservation_end(session=session, at=now, reason="Replaced by a new reservation with the same id")
        evse.refresh_from_db()
    if evse.status != EvseStatus.AVAILABLE:
        return _busy(evse)
    if control := serving_control(evse):
        key = f"{command.partner_id}:{command.reservation_id}"
        assert command.expiry_date is not None
        outcome = control.reserve(evse=evse, reservation_key=key, expiry=command.expiry_date, token=token)
        if outcome.result != ControlResult.ACCEPTED:
            return outcome.result, outcome.message
    session = reservation_create(
        evse=evse, token_facts=token, at=now, authorization_reference=command.payload.get("authorization_reference")
    )
    command.session, command.evse_uid, command.connector_id = session, evse.uid, session.connector_id
    return Result.ACCEPTED, f"EVSE {evse} reserved (session {session.ocpi_id})."


def _cancel(command: CommandRequest, now: datetime) -> tuple[str, str]:
    sessions = _reservations(command.partner_id, command.reservation_id)
    if not sessions:
        return Result.UNKNOWN_RESERVATION, f"No open reservation '{command.reservation_id}' of yours."
    for session in sessions:
        if control := serving_control(session.evse):
            key = f"{command.partner_id}:{command.reservation_id}"
            outcome = control.cancel_reservation(evse=session.evse, reservation_key=key)
            if outcome.result != ControlResult.ACCEPTED:
                return outcome.result, outcome.message
        reservation_end(session=session, at=now, reason="Cancelled by the eMSP")
    command.session = sessions[0]
    return Result.ACCEPTED, "Reservation cancelled."


def _unlock(command: CommandRequest, now: datetime) -> tuple[str, str]:
    evse = _pick_evse(command, Capability.UNLOCK_CAPABLE)
    if evse is None:
        return Result.FAILED, "The location or EVSE is no longer there."
    if control := serving_control(evse):
        outcome = control.unlock(evse=evse)
        return outcome.result, outcome.message
    running = ChargingSession.objects.filter(evse=evse, status=SessionStatus.ACTIVE).exists()
    if running:
        return Result.REJECTED, "A session is running on this connector: stop it first."
    return Result.ACCEPTED, f"Connector {command.connector_id} of {evse} unlocked."


_EXECUTORS: dict[str, Callable[[CommandRequest, datetime], tuple[str, str]]] = {
    Command.START_SESSION: _start,
    Command.STOP_SESSION: _stop,
    Command.RESERVE_NOW: _reserve,
    Command.CANCEL_RESERVATION: _cancel,
    Command.UNLOCK_CONNECTOR: _unlock,
}


def command_result_send(*, command: CommandRequest) -> None:
    """POST the CommandResult to the eMSP's response_url, through the outbox (in the current transaction)."""
    push_enqueue(
        partner=command.partner,
        module=ModuleID.COMMANDS,
        object_key=command_result_key(command.pk),
        method="POST",
        url=command.response_url,
        body=command_result_json(command.result, command.result_message),
    )


@transaction.atomic
def command_execute(*, command_id: int) -> CommandRequest:
    """Carry out an accepted command on the (simulated) charger and send its result. Safe to run again: a command
    that has a result is left alone. One that reaches the charger after its timeout is not carried out: the eMSP
    has stopped waiting, so it gets TIMEOUT instead of a session it no longer expects."""
    command = CommandRequest.objects.select_for_update().select_related("partner").get(pk=command_id)
    if command.result or command.response != Response.ACCEPTED:
        return command
    now = timezone.now()
    result: str
    if now > command.deadline:
        result, message = Result.TIMEOUT, "The charger did not get the command in time."
    else:
        try:
            with transaction.atomic():
                result, message = _EXECUTORS[command.command](command, now)
        except (ValidationError, ValueError) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            result, message = Result.FAILED, "; ".join(messages)
    command.result, command.result_message, command.result_at = result, message[:255], now
    command.save()
    command_result_send(command=command)
    return command


def reservations_expire(*, now: datetime | None = None) -> int:
    """End every reservation whose latest RESERVE_NOW has expired. Returns how many."""
    now = now or timezone.now()
    ended = 0
    for session in ChargingSession.objects.filter(status=SessionStatus.RESERVATION):
        reserves = CommandRequest.objects.filter(session=session, command=Command.RESERVE_NOW)
        latest = reserves.order_by("-received_at", "-id").first()
        if latest is not None and latest.expiry_date is not None and latest.expiry_date <= now:
            with transaction.atomic():
                reservation_end(session=session, at=latest.expiry_date, reason="Reservation expired unused")
            ended += 1
    return ended


_OUT_OF_SERVICE = (EvseStatus.OUTOFORDER, EvseStatus.INOPERATIVE, EvseStatus.REMOVED)


def reservations_cancel_for_evse(*, evse: EVSE, status: str) -> int:
    """An EVSE that breaks down or goes out of service cannot keep its reservations: each ends, and the eMSP gets
    CANCELED_RESERVATION at its RESERVE_NOW's response_url (OCPI 2.2.1 mod_commands.asciidoc). Returns how many."""
    if status not in _OUT_OF_SERVICE:
        return 0
    cancelled = 0
    for session in ChargingSession.objects.filter(evse=evse, status=SessionStatus.RESERVATION):
        reservation_end(session=session, at=timezone.now(), reason=f"Cancelled by us: the EVSE is {status}")
        reserve = (
            CommandRequest.objects.filter(session=session, command=Command.RESERVE_NOW)
            .select_related("partner")
            .order_by("-received_at", "-id")
            .first()
        )
        if reserve is not None:
            push_enqueue(
                partner=reserve.partner,
                module=ModuleID.COMMANDS,
                object_key=reservation_canceled_key(reserve.pk),
                method="POST",
                url=reserve.response_url,
                body=command_result_json(Result.CANCELED_RESERVATION, f"The EVSE is {status.lower()}."),
            )
        cancelled += 1
    return cancelled
