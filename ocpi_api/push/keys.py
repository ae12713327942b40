"""Outbox object keys and paths. A key names one queue: rows with the same (partner, object key) go out strictly in
order (ocpi_api.push.services). Each key starts with the OCPI module of the object."""

from __future__ import annotations

from chargepoints.models import EVSE, Connector, Location
from ocpi_api.core.status import ModuleID
from tariffs.models import Tariff


def location_key(location: Location) -> str:
    """One queue per location: its EVSEs and connectors never overtake it."""
    return f"{ModuleID.LOCATIONS}/{location.country_code}/{location.party_id}/{location.ocpi_id}"


def location_path(location: Location, evse: EVSE | None = None, connector: Connector | None = None) -> str:
    parts = [location.country_code, location.party_id, location.ocpi_id]
    if evse is not None:
        parts.append(evse.uid)
        if connector is not None:
            parts.append(connector.connector_id)
    return "/".join(parts)


def tariff_key(tariff: Tariff) -> str:
    return f"{ModuleID.TARIFFS}/{tariff_path(tariff)}"


def tariff_path(tariff: Tariff) -> str:
    return f"{tariff.country_code}/{tariff.party_id}/{tariff.ocpi_id}"


def session_path(country_code: str, party_id: str, session_id: str) -> str:
    return f"{country_code}/{party_id}/{session_id}"


def session_key(path: str) -> str:
    return f"{ModuleID.SESSIONS}/{path}"


def cdr_key(cdr_id: str) -> str:
    """Keyed by the CDR's OCPI id: billing's CDR page finds a CDR's deliveries by it (ocpi_api.cdr_deliveries)."""
    return f"{ModuleID.CDRS}/{cdr_id}"


def command_result_key(command_id: int) -> str:
    return f"{ModuleID.COMMANDS}/{command_id}"


def reservation_canceled_key(command_id: int) -> str:
    """The CommandResult that tells the eMSP its reservation ended early, after its RESERVE_NOW result."""
    return f"{ModuleID.COMMANDS}/{command_id}/cancel"
