"""Locations, EVSEs and Connectors between OCPI 2.1.1 and 2.2.1 (OCPI 2.2.1 changelog.asciidoc, "Changes between OCPI
2.1.1 and 2.2").

2.1.1 (mod_locations.md §3.1 Location, §3.3 Connector) differs from 2.2.1 (mod_locations.asciidoc §8.3.1–8.3.3) in a
Location without ``country_code``, ``party_id`` and ``publish`` and with a required ``type`` where 2.2.1 has an optional
``parking_type``; a Connector with ``voltage``/``amperage`` where 2.2.1 has ``max_voltage``/``max_amperage``, and one
``tariff_id`` where 2.2.1 has the list ``tariff_ids``; an EnvironmentalImpact names its category ``source`` (2.1.1
mod_locations.md §4.8). Everything else a 2.1.1 Location holds means the same in 2.2.1.

The ``*_from_211`` functions return every change as ``(path, before, after)``, so that an importer can report them.
The ``*_to_211`` functions take whole or partial objects (a PATCH body) and leave out what 2.1.1 cannot carry.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

Change = tuple[str, Any, Any]

# 2.1.1 LocationType values that are 2.2.1 ParkingType values; OTHER and UNKNOWN have no 2.2.1 counterpart.
_PARKING_TYPES = frozenset({"ON_STREET", "PARKING_GARAGE", "UNDERGROUND_GARAGE", "PARKING_LOT"})
_CONNECTOR_RENAMES = {"voltage": "max_voltage", "amperage": "max_amperage"}


def looks_like_211(location: Any) -> bool:
    """A Location in 2.1.1 terms: no party of its own, or 2.1.1 names on a connector."""
    if not isinstance(location, Mapping):
        return False
    if "country_code" not in location and "party_id" not in location and "type" in location:
        return True
    return any(
        isinstance(connector, Mapping) and any(name in connector for name in (*_CONNECTOR_RENAMES, "tariff_id"))
        for evse in location.get("evses") or []
        if isinstance(evse, Mapping)
        for connector in evse.get("connectors") or []
    )


def connector_from_211(connector: Mapping[str, Any], path: str = "") -> tuple[dict[str, Any], list[Change]]:
    """A 2.1.1 Connector's names as 2.2.1 ones. A 2.2.1 name that is already there wins over its 2.1.1 twin."""
    result = dict(connector)
    changes: list[Change] = []
    for old, new in _CONNECTOR_RENAMES.items():
        if old in result:
            value = result.pop(old)
            if new not in result:
                result[new] = value
                changes.append((f"{path}{new}", {old: value}, value))
    if "tariff_id" in result:
        tariff_id = result.pop("tariff_id")
        if "tariff_ids" not in result and tariff_id not in (None, ""):
            result["tariff_ids"] = [tariff_id]
            changes.append((f"{path}tariff_ids", {"tariff_id": tariff_id}, [tariff_id]))
    return result, changes


def location_from_211(
    location: Mapping[str, Any], *, country_code: str, party_id: str
) -> tuple[dict[str, Any], list[Change]]:
    """The 2.2.1 form of a 2.1.1 Location published by the party ``country_code``/``party_id``."""
    result = copy.deepcopy(dict(location))
    changes: list[Change] = []
    for key, value in (("country_code", country_code), ("party_id", party_id), ("publish", True)):
        if key not in result:
            result[key] = value
            changes.append((key, None, value))
    if "type" in result:
        location_type = result.pop("type")
        if "parking_type" not in result and location_type in _PARKING_TYPES:
            result["parking_type"] = location_type
            changes.append(("parking_type", {"type": location_type}, location_type))
        else:
            changes.append(("parking_type", {"type": location_type}, result.get("parking_type")))
    if isinstance(result.get("energy_mix"), Mapping):
        mix = energy_mix_from_211(result["energy_mix"])
        if mix != result["energy_mix"]:
            changes.append(
                ("energy_mix.environ_impact", result["energy_mix"].get("environ_impact"), mix["environ_impact"])
            )
        result["energy_mix"] = mix
    for e, evse in enumerate(result.get("evses") or []):
        if not isinstance(evse, dict):
            continue
        connectors = evse.get("connectors")
        if not isinstance(connectors, list):
            continue
        for c, connector in enumerate(connectors):
            if isinstance(connector, Mapping):
                connectors[c], renamed = connector_from_211(connector, f"evses[{e}].connectors[{c}].")
                changes += renamed
    return result, changes


def energy_mix_from_211(mix: Mapping[str, Any]) -> dict[str, Any]:
    return _rename_impact(mix, "source", "category")


def energy_mix_to_211(mix: Mapping[str, Any]) -> dict[str, Any]:
    return _rename_impact(mix, "category", "source")


def _rename_impact(mix: Mapping[str, Any], old: str, new: str) -> dict[str, Any]:
    result = dict(mix)
    impacts = result.get("environ_impact")
    if isinstance(impacts, list):
        result["environ_impact"] = [
            {(new if key == old else key): value for key, value in impact.items()}
            if isinstance(impact, Mapping)
            else impact
            for impact in impacts
        ]
    return result


# --- 2.2.1 → 2.1.1 ------------------------------------------------------------------------------------------------

# 2.1.1 mod_locations.md §4.2, §4.4, §4.11, §4.18: the enum values 2.1.1 has.
CAPABILITIES_211 = frozenset(
    {
        "CHARGING_PROFILE_CAPABLE",
        "CREDIT_CARD_PAYABLE",
        "REMOTE_START_STOP_CAPABLE",
        "RESERVABLE",
        "RFID_READER",
        "UNLOCK_CAPABLE",
    }
)
CONNECTOR_TYPES_211 = frozenset(
    {
        "CHADEMO",
        *(f"DOMESTIC_{letter}" for letter in "ABCDEFGHIJKL"),
        "IEC_60309_2_single_16",
        "IEC_60309_2_three_16",
        "IEC_60309_2_three_32",
        "IEC_60309_2_three_64",
        "IEC_62196_T1",
        "IEC_62196_T1_COMBO",
        "IEC_62196_T2",
        "IEC_62196_T2_COMBO",
        "IEC_62196_T3A",
        "IEC_62196_T3C",
        "TESLA_R",
        "TESLA_S",
    }
)
FACILITIES_211 = frozenset(
    {
        "HOTEL",
        "RESTAURANT",
        "CAFE",
        "MALL",
        "SUPERMARKET",
        "SPORT",
        "RECREATION_AREA",
        "NATURE",
        "MUSEUM",
        "BUS_STOP",
        "TAXI_STAND",
        "TRAIN_STATION",
        "AIRPORT",
        "CARPOOL_PARKING",
        "FUEL_STATION",
        "WIFI",
    }
)
# Two-phase AC has no 2.1.1 value; from one phase's point of view (voltage line to neutral) it is single phase.
_POWER_TYPES_211 = {"AC_2_PHASE": "AC_1_PHASE", "AC_2_PHASE_SPLIT": "AC_1_PHASE"}
# Location.address is string(45) in 2.1.1 (mod_locations.md §3.1), string(255) in 2.2.1: cut, never refused.
ADDRESS_LENGTH_211 = 45
_LOCATION_DROPPED = ("country_code", "party_id", "publish", "publish_allowed_to", "state", "parking_type")


def connector_to_211(connector: Mapping[str, Any]) -> dict[str, Any]:
    """A 2.2.1 Connector (or part of one) as 2.1.1 has it: ``voltage``/``amperage``, one ``tariff_id``."""
    result: dict[str, Any] = {}
    for key, value in connector.items():
        if key == "max_voltage":
            result["voltage"] = value
        elif key == "max_amperage":
            result["amperage"] = value
        elif key == "tariff_ids":
            if value:
                result["tariff_id"] = value[0]
        elif key == "power_type":
            result[key] = _POWER_TYPES_211.get(value, value)
        elif key != "max_electric_power":
            result[key] = value
    return result


def connector_fits_211(connector: Mapping[str, Any]) -> bool:
    """Whether 2.1.1 has the connector's standard; one it cannot name is left out of EVSEs and Locations."""
    return "standard" not in connector or connector["standard"] in CONNECTOR_TYPES_211


def coordinates_to_211(point: Mapping[str, Any]) -> dict[str, Any]:
    """2.1.1 GeoLocation has exactly six decimals (mod_locations.md §4.12); 2.2.1 allows five to seven."""
    result = dict(point)
    for key in ("latitude", "longitude"):
        try:
            result[key] = f"{Decimal(str(point[key])).quantize(Decimal('0.000001'))}"
        except (KeyError, InvalidOperation):
            continue
    return result


def evse_to_211(evse: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(evse)
    if isinstance(result.get("coordinates"), Mapping):
        result["coordinates"] = coordinates_to_211(result["coordinates"])
    if "capabilities" in result:
        result["capabilities"] = [c for c in result["capabilities"] if c in CAPABILITIES_211]
    if "connectors" in result:
        result["connectors"] = [connector_to_211(c) for c in result["connectors"] if connector_fits_211(c)]
    return result


def evse_fits_211(evse: Mapping[str, Any]) -> bool:
    """An EVSE needs at least one connector (2.1.1 mod_locations.md §3.2, Card. +)."""
    return "connectors" not in evse or any(connector_fits_211(c) for c in evse["connectors"])


def location_type_211(parking_type: str | None) -> str:
    """2.1.1's required ``type``: the ParkingType when 2.1.1 has it, OTHER for the rest, UNKNOWN without one."""
    if parking_type is None:
        return "UNKNOWN"
    return parking_type if parking_type in _PARKING_TYPES else "OTHER"


def location_to_211(location: Mapping[str, Any]) -> dict[str, Any]:
    """A 2.2.1 Location (or part of one) as a 2.1.1 Location. A whole one always gets ``type`` and ``postal_code``,
    which 2.1.1 requires."""
    result = {key: value for key, value in location.items() if key not in _LOCATION_DROPPED}
    whole = "id" in location
    if whole or "parking_type" in location:
        result["type"] = location_type_211(location.get("parking_type"))
    if whole and "postal_code" not in result:
        result["postal_code"] = ""
    if isinstance(result.get("address"), str):
        result["address"] = result["address"][:ADDRESS_LENGTH_211]
    if isinstance(result.get("coordinates"), Mapping):
        result["coordinates"] = coordinates_to_211(result["coordinates"])
    if isinstance(result.get("related_locations"), list):
        result["related_locations"] = [coordinates_to_211(r) for r in result["related_locations"]]
    if "facilities" in result:
        result["facilities"] = [f for f in result["facilities"] if f in FACILITIES_211]
    if "evses" in result:
        result["evses"] = [evse_to_211(e) for e in result["evses"] if evse_fits_211(e)]
    if isinstance(result.get("energy_mix"), Mapping):
        result["energy_mix"] = energy_mix_to_211(result["energy_mix"])
    return result


def evse_from_211(evse: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(evse)
    if isinstance(result.get("connectors"), list):
        result["connectors"] = [connector_from_211(c)[0] if isinstance(c, Mapping) else c for c in result["connectors"]]
    return result


def location_narrowed(location: Mapping[str, Any], evse_uid: str | None, connector_id: str | None) -> dict[str, Any]:
    """The Location with only the EVSE and connector a session or CDR used (2.1.1 mod_sessions.md §3.1)."""
    result = dict(location)
    evses = []
    for evse in location.get("evses") or []:
        if evse.get("uid") != evse_uid:
            continue
        connectors = [c for c in evse.get("connectors") or [] if c.get("id") == connector_id]
        evses.append({**evse, "connectors": connectors or list(evse.get("connectors") or [])})
    result["evses"] = evses
    return result
