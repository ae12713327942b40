"""An OCPI 2.1.1 Location as a 2.2.1 one (OCPI 2.2.1 changelog.asciidoc, "Changes between OCPI 2.1.1 and 2.2").

2.1.1 (mod_locations.md §3.1, §3.3, §3.4) differs from 2.2.1 (mod_locations.asciidoc §8.3.1–8.3.3) in a Location
without ``country_code``, ``party_id`` and ``publish`` and with a required ``type`` where 2.2.1 has an optional
``parking_type``; a Connector with ``voltage``/``amperage`` where 2.2.1 has ``max_voltage``/``max_amperage``, and one
``tariff_id`` where 2.2.1 has the list ``tariff_ids``. Everything else a 2.1.1 Location holds means the same in 2.2.1.

The functions never change their input and return every change as ``(path, before, after)``, so that an importer can
report them and a 2.1.1 partner's module can log them. They do not validate: the 2.2.1 reader does that.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
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
