"""Sessions and CDRs between OCPI 2.1.1 (mod_sessions.md §3.1 Session object, mod_cdrs.md §3.1 CDR object, §4 Data
types) and 2.2.1 (mod_sessions.asciidoc and mod_cdrs.asciidoc, Object description).

In 2.1.1 a Session and a CDR carry the whole Location, with only the EVSE and connector used, where 2.2.1 has the ids
(a Session) or a CdrLocation (a CDR); the token is its ``auth_id`` (2.2.1: ``cdr_token.contract_id``); ``total_cost``
is a number, excluding VAT; datetimes are ``start_datetime``/``end_datetime`` (Session) and ``stop_date_time`` (CDR).
The ``*_to_211`` functions therefore take the 2.2.1 Location the object refers to; the ``*_from_211`` ones return it
beside the 2.2.1 object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .locations import location_from_211, location_narrowed, location_to_211
from .tariffs import tariff_from_211, tariff_to_211

# 2.1.1 mod_cdrs.md §4.3 CdrDimensionType, §4.1 AuthMethod; mod_sessions.md §4.1 SessionStatus.
DIMENSIONS_211 = frozenset({"ENERGY", "FLAT", "MAX_CURRENT", "MIN_CURRENT", "PARKING_TIME", "TIME"})
# A remote start was authorized by the eMSP itself, which 2.1.1 calls AUTH_REQUEST.
_AUTH_METHODS_211 = {"COMMAND": "AUTH_REQUEST"}
# A reservation is a session that has not started charging yet.
_SESSION_STATUSES_211 = {"RESERVATION": "PENDING"}
_SESSION_RENAMES = {"start_date_time": "start_datetime", "end_date_time": "end_datetime"}
_SESSION_DROPPED = ("country_code", "party_id", "authorization_reference", "location_id", "evse_uid", "connector_id")
_CDR_DROPPED = (
    "country_code",
    "party_id",
    "session_id",
    "authorization_reference",
    "signed_data",
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_reservation_cost",
    "invoice_reference_id",
    "credit",
    "credit_reference_id",
    "home_charging_compensation",
)
# CdrLocation fields that are a snapshot of the Location when the session ran: they win over the Location of today.
_SNAPSHOT_LOCATION = ("name", "address", "city", "postal_code", "country", "coordinates")
_SNAPSHOT_CONNECTOR = {
    "connector_standard": "standard",
    "connector_format": "format",
    "connector_power_type": "power_type",
}


def charging_periods_to_211(periods: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Without ``tariff_id``, and only the dimensions 2.1.1 has (power, state of charge… are left out)."""
    return [
        {
            "start_date_time": period["start_date_time"],
            "dimensions": [d for d in period.get("dimensions") or [] if d.get("type") in DIMENSIONS_211],
        }
        for period in periods
    ]


def _cost_to_211(price: Any) -> Any:
    return price.get("excl_vat") if isinstance(price, Mapping) else price


def _cost_from_211(value: Any) -> Any:
    return {"excl_vat": value} if isinstance(value, int | float) and not isinstance(value, bool) else value


def _token_from_211(auth_id: str, party: tuple[str, str]) -> dict[str, Any]:
    # 2.1.1 names the token only by its auth_id; the uid the driver presented is not there (type OTHER says so).
    return {"country_code": party[0], "party_id": party[1], "uid": auth_id, "type": "OTHER", "contract_id": auth_id}


def session_to_211(session: Mapping[str, Any], location: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A whole or partial 2.2.1 Session as 2.1.1 has it; ``location`` is the 2.2.1 Location it refers to (needed for
    a whole one)."""
    result: dict[str, Any] = {}
    for key, value in session.items():
        if key in _SESSION_DROPPED:
            continue
        if key in _SESSION_RENAMES:
            result[_SESSION_RENAMES[key]] = value
        elif key == "cdr_token":
            result["auth_id"] = value.get("contract_id")
        elif key == "auth_method":
            result[key] = _AUTH_METHODS_211.get(value, value)
        elif key == "total_cost":
            result[key] = _cost_to_211(value)
        elif key == "status":
            result[key] = _SESSION_STATUSES_211.get(value, value)
        elif key == "charging_periods":
            result[key] = charging_periods_to_211(value)
        else:
            result[key] = value
        if key == "auth_method" and location is not None:
            # 2.1.1 mod_sessions.md §3.1 orders auth_method before location.
            used = location_narrowed(location, session.get("evse_uid"), session.get("connector_id"))
            result["location"] = location_to_211(used)
    return result


def session_from_211(
    session: Mapping[str, Any], *, country_code: str, party_id: str, token_party: tuple[str, str]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The 2.2.1 Session of a 2.1.1 one by ``country_code``/``party_id`` whose token belongs to ``token_party``, and
    the 2.2.1 Location it carried."""
    result: dict[str, Any] = {"country_code": country_code, "party_id": party_id}
    location: dict[str, Any] | None = None
    renames = {new: old for old, new in _SESSION_RENAMES.items()}
    for key, value in session.items():
        if key in renames:
            result[renames[key]] = value
        elif key == "auth_id":
            result["cdr_token"] = _token_from_211(value, token_party)
        elif key == "location":
            location = location_from_211(value, country_code=country_code, party_id=party_id)[0]
            result.update(_location_ids(location))
        elif key == "total_cost":
            result[key] = _cost_from_211(value)
        else:
            result[key] = value
    return result, location


def _location_ids(location: Mapping[str, Any]) -> dict[str, Any]:
    ids: dict[str, Any] = {"location_id": location.get("id")}
    evses = location.get("evses") or []
    if evses:
        ids["evse_uid"] = evses[0].get("uid")
        connectors = evses[0].get("connectors") or []
        if connectors:
            ids["connector_id"] = connectors[0].get("id")
    return ids


def cdr_location_211(cdr_location: Mapping[str, Any], location: Mapping[str, Any] | None) -> dict[str, Any]:
    """The 2.1.1 Location of a CDR: the Location it refers to, narrowed to the EVSE and connector used, with the
    CDR's snapshot of name, address, coordinates and connector on top."""
    base: dict[str, Any] = dict(location) if location is not None else {"id": cdr_location.get("id")}
    used = location_narrowed(base, cdr_location.get("evse_uid"), cdr_location.get("connector_id"))
    for key in _SNAPSHOT_LOCATION:
        if key in cdr_location:
            used[key] = cdr_location[key]
    if not used["evses"]:
        used["evses"] = [
            {"uid": cdr_location.get("evse_uid"), "connectors": [{"id": cdr_location.get("connector_id")}]}
        ]
    evse = used["evses"][0] = {**used["evses"][0]}
    if "evse_id" in cdr_location:
        evse["evse_id"] = cdr_location["evse_id"]
    evse["connectors"] = [
        {**connector, **{new: cdr_location[old] for old, new in _SNAPSHOT_CONNECTOR.items() if old in cdr_location}}
        for connector in evse.get("connectors") or []
    ]
    return location_to_211(used)


def cdr_to_211(cdr: Mapping[str, Any], location: Mapping[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in cdr.items():
        if key in _CDR_DROPPED:
            continue
        if key == "end_date_time":
            result["stop_date_time"] = value
        elif key == "cdr_token":
            result["auth_id"] = value.get("contract_id")
        elif key == "auth_method":
            result[key] = _AUTH_METHODS_211.get(value, value)
        elif key == "cdr_location":
            result["location"] = cdr_location_211(value, location)
        elif key == "tariffs":
            result[key] = [tariff_to_211(t) for t in value]
        elif key == "charging_periods":
            result[key] = charging_periods_to_211(value)
        elif key == "total_cost":
            result[key] = _cost_to_211(value)
        else:
            result[key] = value
    return result


def cdr_from_211(
    cdr: Mapping[str, Any], *, country_code: str, party_id: str, token_party: tuple[str, str]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    result: dict[str, Any] = {"country_code": country_code, "party_id": party_id}
    location: dict[str, Any] | None = None
    for key, value in cdr.items():
        if key == "stop_date_time":
            result["end_date_time"] = value
        elif key == "auth_id":
            result["cdr_token"] = _token_from_211(value, token_party)
        elif key == "location":
            location = location_from_211(value, country_code=country_code, party_id=party_id)[0]
            result["cdr_location"] = _cdr_location_from(location)
        elif key == "tariffs":
            result[key] = [tariff_from_211(t, country_code=country_code, party_id=party_id) for t in value]
        elif key == "total_cost":
            result[key] = _cost_from_211(value)
        else:
            result[key] = value
    return result, location


def _cdr_location_from(location: Mapping[str, Any]) -> dict[str, Any]:
    snapshot = {key: location[key] for key in ("id", *_SNAPSHOT_LOCATION) if key in location}
    evse = (location.get("evses") or [{}])[0]
    connector = (evse.get("connectors") or [{}])[0]
    snapshot.update(evse_uid=evse.get("uid"), evse_id=evse.get("evse_id"), connector_id=connector.get("id"))
    for old, new in _SNAPSHOT_CONNECTOR.items():
        if new in connector:
            snapshot[old] = connector[new]
    return snapshot
