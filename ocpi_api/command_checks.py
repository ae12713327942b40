"""What we can check of an eMSP's command ourselves, before any charger is asked (OCPI 2.2.1 mod_commands.asciidoc).

Known location, EVSE and connector; the eMSP's own token and its own session; the EVSE's capabilities; a
response_url on one of the eMSP's registered hosts. A failed check is a :class:`CommandRefused`, answered at once as
the CommandResponse; a passed one says which CommandRequest fields it found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from chargepoints.enums import Capability, EvseStatus
from chargepoints.models import EVSE, ChargingSession, Connector, Location
from chargepoints.sessions.enums import SessionStatus

from .core.egress import url_host, url_problem
from .core.status import OcpiStatus
from .models import CommandRequest, Partner
from .selectors import partner_parties

Command = CommandRequest.Command
Response = CommandRequest.Response


def reservation_max_duration() -> timedelta:
    """How far ahead a RESERVE_NOW's expiry_date may be; beyond it the command is refused (never clamped)."""
    return timedelta(hours=float(settings.OCPI_RESERVATION_MAX_HOURS))


class CommandRefused(Exception):
    """A command we answer at once with a CommandResponse other than ACCEPTED."""

    def __init__(self, result: str, message: str, status_code: OcpiStatus = OcpiStatus.SUCCESS) -> None:
        super().__init__(message)
        self.result, self.message, self.status_code = result, message, status_code


@dataclass
class CheckedCommand:
    """What the checks found, as CommandRequest fields."""

    fields: dict[str, Any] = field(default_factory=dict)


def _location(location_id: str) -> Location:
    location = Location.objects.filter(ocpi_id=location_id, roaming_enabled=True).first()
    if location is None:
        raise CommandRefused(Response.REJECTED, f"Unknown location '{location_id}'.", OcpiStatus.UNKNOWN_LOCATION)
    return location


def _evse(location: Location, evse_uid: str) -> EVSE:
    evse = location.evses.exclude(status=EvseStatus.REMOVED).filter(uid=evse_uid).first()
    if evse is None:
        raise CommandRefused(
            Response.REJECTED, f"Unknown EVSE '{evse_uid}' at this location.", OcpiStatus.UNKNOWN_LOCATION
        )
    return evse


def _connector(evse: EVSE, connector_id: str) -> Connector:
    connector = evse.connectors.filter(connector_id=connector_id).first()
    if connector is None:
        raise CommandRefused(
            Response.REJECTED, f"Unknown connector '{connector_id}' of EVSE '{evse.uid}'.", OcpiStatus.UNKNOWN_LOCATION
        )
    return connector


def _capable(evses: list[EVSE], capability: Capability, what: str) -> None:
    if not any(capability in evse.capabilities for evse in evses):
        raise CommandRefused(Response.NOT_SUPPORTED, f"{what} is not supported here (no {capability}).")


def _check_response_url(partner: Partner, url: str) -> None:
    """The result is POSTed to response_url: only to a host of the partner's registered endpoints (the address is
    vetted again when we call)."""
    problem = url_problem(url)
    hosts = {url_host(str(endpoint.get("url", ""))) for endpoint in partner.endpoints or []}
    if problem is None and url_host(url) not in hosts:
        problem = f"{url_host(url)} is not a host of your registered endpoints"
    if problem is not None:
        raise CommandRefused(
            Response.REJECTED, f"Invalid parameter 'response_url': {problem}.", OcpiStatus.INVALID_PARAMETERS
        )


def _own_token(partner: Partner, token: dict[str, Any]) -> None:
    if (token["country_code"].upper(), token["party_id"].upper()) not in partner_parties(partner=partner):
        raise CommandRefused(Response.REJECTED, "eMSPs may only use their own tokens in commands.")


def _check_start(partner: Partner, data: dict[str, Any]) -> CheckedCommand:
    _own_token(partner, data["token"])
    location = _location(data["location_id"])
    checked = CheckedCommand({"location_id": location.ocpi_id})
    if data.get("evse_uid"):
        evse = _evse(location, data["evse_uid"])
        checked.fields["evse_uid"] = evse.uid
        if data.get("connector_id"):
            checked.fields["connector_id"] = _connector(evse, data["connector_id"]).connector_id
        elif Capability.START_SESSION_CONNECTOR_REQUIRED in evse.capabilities:
            raise CommandRefused(
                Response.REJECTED, "This EVSE needs a connector_id to start.", OcpiStatus.INVALID_PARAMETERS
            )
        evses = [evse]
    else:
        evses = list(location.evses.exclude(status=EvseStatus.REMOVED))
    _capable(evses, Capability.REMOTE_START_STOP_CAPABLE, "Remote start")
    return checked


def _check_stop(partner: Partner, data: dict[str, Any]) -> CheckedCommand:
    session = ChargingSession.objects.filter(ocpi_id=data["session_id"]).select_related("evse").first()
    if session is None:
        raise CommandRefused(Response.UNKNOWN_SESSION, f"Unknown session '{data['session_id']}'.")
    if (session.token_country_code.upper(), session.token_party_id.upper()) not in partner_parties(partner=partner):
        raise CommandRefused(Response.REJECTED, "This session is not one of your drivers'.")
    if session.status == SessionStatus.RESERVATION:
        raise CommandRefused(Response.REJECTED, "This is a reservation: cancel it with CANCEL_RESERVATION.")
    if not session.is_open:
        raise CommandRefused(Response.REJECTED, f"The session is {session.status}: there is nothing to stop.")
    _capable([session.evse], Capability.REMOTE_START_STOP_CAPABLE, "Remote stop")
    return CheckedCommand(
        {
            "session": session,
            "location_id": session.cdr_location.get("id", ""),
            "evse_uid": session.evse.uid,
            "connector_id": session.connector_id,
        }
    )


def _check_reserve(partner: Partner, data: dict[str, Any]) -> CheckedCommand:
    _own_token(partner, data["token"])
    location = _location(data["location_id"])
    now, longest = timezone.now(), reservation_max_duration()
    if data["expiry_date"] <= now:
        raise CommandRefused(Response.REJECTED, "expiry_date has already passed.", OcpiStatus.INVALID_PARAMETERS)
    if data["expiry_date"] > now + longest:
        raise CommandRefused(
            Response.REJECTED,
            f"Invalid parameter 'expiry_date': at most {longest.total_seconds() / 3600:g} hours from now.",
            OcpiStatus.INVALID_PARAMETERS,
        )
    checked = CheckedCommand(
        {"location_id": location.ocpi_id, "reservation_id": data["reservation_id"], "expiry_date": data["expiry_date"]}
    )
    if data.get("evse_uid"):
        evses = [_evse(location, data["evse_uid"])]
        checked.fields["evse_uid"] = evses[0].uid
    else:
        evses = list(location.evses.exclude(status=EvseStatus.REMOVED))
    _capable(evses, Capability.RESERVABLE, "Reservation")
    return checked


def _check_cancel(partner: Partner, data: dict[str, Any]) -> CheckedCommand:
    # Whether the reservation exists is the charger's answer (UNKNOWN_RESERVATION in the result).
    return CheckedCommand({"reservation_id": data["reservation_id"]})


def _check_unlock(partner: Partner, data: dict[str, Any]) -> CheckedCommand:
    location = _location(data["location_id"])
    evse = _evse(location, data["evse_uid"])
    connector = _connector(evse, data["connector_id"])
    _capable([evse], Capability.UNLOCK_CAPABLE, "Unlocking")
    return CheckedCommand(
        {"location_id": location.ocpi_id, "evse_uid": evse.uid, "connector_id": connector.connector_id}
    )


_CHECKS: dict[str, Callable[[Partner, dict[str, Any]], CheckedCommand]] = {
    Command.START_SESSION: _check_start,
    Command.STOP_SESSION: _check_stop,
    Command.RESERVE_NOW: _check_reserve,
    Command.CANCEL_RESERVATION: _check_cancel,
    Command.UNLOCK_CONNECTOR: _check_unlock,
}


def command_check(*, partner: Partner, command: str, data: dict[str, Any]) -> CheckedCommand:
    """Raises CommandRefused with the CommandResponse when a check fails."""
    _check_response_url(partner, data["response_url"])
    return _CHECKS[command](partner, data)
