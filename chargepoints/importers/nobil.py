"""NOBIL API v3 search responses (the Nordic charging station registry), as JSON or as a captured HTTP response.

Each NOBIL station becomes a Location and each of its connectors (``attr.conn``, one per charging point) an EVSE
with one Connector. Attribute ids are NOBIL's (nobil.no/admin/attributes.php); the labels are in the comments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ..enums import Capability, ConnectorFormat, EvseStatus, Facility, ParkingRestriction, ParkingType, PowerType
from ..services import ConnectorInput, EvseInput, LocationInput, OpeningTimesInput
from .base import (
    AC_VOLTAGE,
    ImportFileError,
    LocationParser,
    RawRecord,
    RecordError,
    clean_text,
    coordinate,
    electrical_from_power,
    emi3_evse_id,
    ocm_standard,
    own_party,
    split_overnight,
)
from .connector_types import NOBIL_CONNECTORS

SOURCE = "nobil"

# Land_code -> (IANA time zone, ISO 639-1 language of the free text)
_COUNTRIES = {
    "SWE": ("Europe/Stockholm", "sv"),
    "NOR": ("Europe/Oslo", "no"),
    "FIN": ("Europe/Helsinki", "fi"),
    "DNK": ("Europe/Copenhagen", "da"),
    "ISL": ("Atlantic/Reykjavik", "is"),
}
# Station attribute 3 "Location": parking type and facilities.
_LOCATION_TYPES: dict[str, tuple[str, list[str]]] = {
    "1": (ParkingType.ON_STREET, []),  # Street
    "2": (ParkingType.PARKING_LOT, []),  # Car park
    "4": ("", [Facility.MALL]),  # Shopping center
    "6": ("", [Facility.HOTEL, Facility.RESTAURANT]),  # Hotel & restaurants
    "7": ("", [Facility.FUEL_STATION]),  # Gas station
}
# Station attribute 2 "Availability": 1 Public, 2 Visitors. Anything else (employees, residents…) is not public.
_PUBLIC, _VISITORS = "1", "2"
# Connector attribute 19 "Payment method", by the words of its label (NOBIL combines them, e.g. "Cellular phone and
# Charging card"). Paying by phone means starting from an app, which needs remote start.
_PAYMENT_WORDS = {
    "cellular phone": [Capability.REMOTE_START_STOP_CAPABLE],
    "charging card": [Capability.RFID_READER],
    "bank card": [Capability.CREDIT_CARD_PAYABLE, Capability.DEBIT_CARD_PAYABLE],
}
_CAPACITY_AC = re.compile(
    r"^(?:(?P<kw>\d+(?:[.,]\d+)?) kW - )?(?P<v>\d+) ?V (?P<phases>[123])-phase max (?P<a>\d+) ?A$"
)
_CAPACITY_DC = re.compile(r"^(?:(?P<kw>\d+(?:[.,]\d+)?) kW - )?(?P<v>\d+) ?VDC max (?P<a>\d+) ?A$")
_CAPACITY_DC_POWER_ONLY = re.compile(r"^(?P<kw>\d+(?:[.,]\d+)?) kW DC$")
_HOURS = re.compile(r"^(?P<begin>[0-2]\d:[0-5]\d) ?- ?(?P<end>[0-2]\d:[0-5]\d)$")


class NobilParser(LocationParser):
    def split(self, raw: bytes) -> list[RawRecord]:
        body = raw
        if raw.startswith(b"HTTP/"):
            # A captured HTTP response: the JSON body follows the first blank line.
            separator = re.search(rb"\r?\n\r?\n", raw)
            if separator is None:
                raise ImportFileError("HTTP capture without a blank line before the body")
            body = raw[separator.end() :]
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ImportFileError(f"not NOBIL JSON: {error}") from error
        stations = document.get("chargerstations") if isinstance(document, dict) else None
        if not isinstance(stations, list):
            raise ImportFileError("no 'chargerstations' list: not a NOBIL API response")
        return [
            RawRecord(index=i, label=f"chargerstations[{i}]{_station_id_suffix(s)}", payload=s)
            for i, s in enumerate(stations)
        ]

    def convert(self, record: RawRecord) -> LocationInput:
        station = _mapping(record.payload, "")
        csmd = _mapping(station.get("csmd"), "csmd")
        attrs = _mapping(station.get("attr"), "attr")
        station_attrs = _mapping(attrs.get("st", {}), "attr.st")
        connectors = _mapping(attrs.get("conn"), "attr.conn")

        station_id = _required(csmd, "id", "csmd.id")
        if not isinstance(station_id, int) or isinstance(station_id, bool):
            raise RecordError("csmd.id", f"'{station_id}' is not a number")
        land_code = _required(csmd, "Land_code", "csmd.Land_code")
        if land_code not in _COUNTRIES:
            raise RecordError("csmd.Land_code", f"no time zone known for '{land_code}'")
        time_zone, language = _COUNTRIES[land_code]
        latitude, longitude = _position(_required(csmd, "Position", "csmd.Position"))

        parking_type, facilities = _LOCATION_TYPES.get(_attr_id(station_attrs, "3"), ("", []))
        availability = _attr_id(station_attrs, "2") or _PUBLIC
        parking_restrictions = [ParkingRestriction.CUSTOMERS.value] if availability == _VISITORS else []

        address = clean_text(f"{csmd.get('Street') or ''} {csmd.get('House_number') or ''}", max_length=255)
        if not address:
            raise RecordError("csmd.Street", "missing")
        city = clean_text(_required(csmd, "City", "csmd.City"), max_length=45)
        description = clean_text(csmd.get("Description_of_location"), max_length=512)
        owner = clean_text(csmd.get("Owned_by"), max_length=100)
        country_code, party_id = own_party()

        evses: list[EvseInput] = []
        for key in sorted(connectors, key=lambda k: (len(k), k)):
            path = f"attr.conn.{key}"
            evse = _evse(station_id, key, _mapping(connectors[key], path), path)
            evse["parking_restrictions"] = parking_restrictions
            evses.append(evse)
        if not evses:
            raise RecordError("attr.conn", "the station has no connectors")

        return {
            "country_code": country_code,
            "party_id": party_id,
            "ocpi_id": f"{SOURCE}-{station_id}",
            "source": SOURCE,
            "source_ref": str(station_id),
            "publish": availability in (_PUBLIC, _VISITORS),
            "name": clean_text(csmd.get("name"), max_length=255),
            "address": address,
            "city": city.title() if city.isupper() else city,
            "postal_code": clean_text(csmd.get("Zipcode"), max_length=10),
            "country": land_code,
            "latitude": latitude,
            "longitude": longitude,
            "parking_type": str(parking_type),
            "facilities": [str(f) for f in facilities],
            "directions": [{"language": language, "text": description}] if description else [],
            "owner": {"name": owner} if owner else None,
            "time_zone": time_zone,
            "opening_times": _opening_times(station_attrs),
            "evses": evses,
        }


def _station_id_suffix(station: Any) -> str:
    station_id = station.get("csmd", {}).get("id") if isinstance(station, dict) else None
    return f" (id {station_id})" if station_id is not None else ""


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RecordError(path, "missing" if value is None else "must be an object")
    return value


def _required(mapping: Mapping[str, Any], key: str, path: str) -> Any:
    value = mapping.get(key)
    if value is None or value == "":
        raise RecordError(path, "missing")
    return value


def _attr_id(attributes: Mapping[str, Any], attribute: str) -> str:
    value = attributes.get(attribute)
    return str(value.get("attrvalid", "")) if isinstance(value, Mapping) else ""


def _attr_text(attributes: Mapping[str, Any], attribute: str, key: str = "trans") -> str:
    value = attributes.get(attribute)
    return clean_text(value.get(key), max_length=255) if isinstance(value, Mapping) else ""


def _position(value: Any) -> tuple[str, str]:
    match = re.fullmatch(r"\(\s*([^,]+?)\s*,\s*([^)]+?)\s*\)", str(value))
    if match is None:
        raise RecordError("csmd.Position", f"'{value}' is not '(latitude,longitude)'")
    return (
        coordinate(match.group(1), field="csmd.Position", limit=90),
        coordinate(match.group(2), field="csmd.Position", limit=180),
    )


def _opening_times(attributes: Mapping[str, Any]) -> OpeningTimesInput | None:
    """Attribute 24 "Open 24h": Yes, or No with the hours as free text. Text we cannot read leaves hours unknown."""
    open_24h = _attr_id(attributes, "24")
    if open_24h == "1":
        return {"twentyfourseven": True}
    hours = _HOURS.match(_attr_text(attributes, "24", key="attrval"))
    if open_24h != "2" or hours is None:
        return None
    regular = [p for day in range(1, 8) for p in split_overnight(day, hours["begin"], hours["end"])]
    return {"twentyfourseven": False, "regular_hours": sorted(regular, key=lambda p: (p["weekday"], p["period_begin"]))}


def _evse(station_id: int, key: str, attributes: Mapping[str, Any], path: str) -> EvseInput:
    if not key.isdigit():
        raise RecordError(path, "connector keys must be numbers")
    return {
        "uid": f"{SOURCE}-{station_id}-{key}",
        "evse_id": emi3_evse_id(f"1{station_id:07d}{int(key):03d}"),
        "status": _status(attributes),
        "capabilities": _capabilities(attributes),
        "connectors": [_connector(attributes, path)],
    }


def _status(attributes: Mapping[str, Any]) -> str:
    """Live status exists only for real-time stations: 9 "Connector Error status" and 8 "Connector status"."""
    if _attr_text(attributes, "9", key="attrval") == "1":
        return EvseStatus.OUTOFORDER.value
    return {"0": EvseStatus.AVAILABLE, "1": EvseStatus.CHARGING}.get(
        _attr_text(attributes, "8", key="attrval"), EvseStatus.UNKNOWN
    ).value


def _capabilities(attributes: Mapping[str, Any]) -> list[str]:
    capabilities: list[str] = []
    payment = _attr_text(attributes, "19").lower()
    for words, values in _PAYMENT_WORDS.items():
        if words in payment:
            capabilities.extend(values)
    if _attr_id(attributes, "1") == "4":  # Accessibility: RFID
        capabilities.append(Capability.RFID_READER)
    if _attr_id(attributes, "18") == "1":  # Reservable: Yes
        capabilities.append(Capability.RESERVABLE)
    return [str(c) for c in dict.fromkeys(capabilities)]


def _connector(attributes: Mapping[str, Any], path: str) -> ConnectorInput:
    connector_id = _attr_id(attributes, "4")
    label = _attr_text(attributes, "4")
    if not connector_id:
        raise RecordError(f"{path}.4", "connector type missing")
    if connector_id not in NOBIL_CONNECTORS:
        raise RecordError(f"{path}.4", f"unknown connector '{label}' (NOBIL id {connector_id})")
    standard, implied_format = ocm_standard(NOBIL_CONNECTORS[connector_id], field=f"{path}.4", label=label)
    capacity = _attr_text(attributes, "5")
    if not capacity:
        raise RecordError(f"{path}.5", "charging capacity missing")
    electrical = _electrical(capacity, standard, f"{path}.5")
    fixed_cable = _attr_id(attributes, "25")  # Fixed cable: 1 Yes, 2 No
    if fixed_cable in ("1", "2"):
        connector_format = ConnectorFormat.CABLE.value if fixed_cable == "1" else ConnectorFormat.SOCKET.value
    elif implied_format:
        connector_format = implied_format
    else:
        dc = electrical["power_type"] == PowerType.DC
        connector_format = (ConnectorFormat.CABLE if dc else ConnectorFormat.SOCKET).value
    return {"connector_id": "1", "standard": standard, "format": connector_format, **electrical}


def _kw_to_w(kw: str | None) -> int | None:
    return round(float(kw.replace(",", ".")) * 1000) if kw else None


def _electrical(capacity: str, standard: str, path: str) -> ConnectorInput:
    """Attribute 5 "Charging capacity", e.g. "22 kW - 400V 3-phase max 32A" or "50 kW - 500VDC max 100A"."""
    if match := _CAPACITY_AC.match(capacity):
        phases = int(match["phases"])
        line_voltage = int(match["v"])
        # OCPI wants line-to-neutral voltage for 3-phase; 400 V between phases is the nominal 230 V to neutral.
        voltage = line_voltage if phases == 1 else (AC_VOLTAGE if line_voltage == 400 else round(line_voltage / 3**0.5))
        power_type = {1: PowerType.AC_1_PHASE, 2: PowerType.AC_2_PHASE, 3: PowerType.AC_3_PHASE}[phases].value
        amperage = int(match["a"])
        physical = voltage * amperage * phases
    elif match := _CAPACITY_DC.match(capacity):
        power_type, voltage, amperage = PowerType.DC.value, int(match["v"]), int(match["a"])
        physical = voltage * amperage
    elif match := _CAPACITY_DC_POWER_ONLY.match(capacity):
        power_w = _kw_to_w(match["kw"])
        assert power_w is not None
        return electrical_from_power(power_w=power_w, dc=True, standard=standard, connector_format="CABLE")
    else:
        raise RecordError(path, f"unknown charging capacity '{capacity}'")
    result: ConnectorInput = {"power_type": power_type, "max_voltage": voltage, "max_amperage": amperage}
    power_w = _kw_to_w(match["kw"])
    if power_w is not None and power_w < physical:
        result["max_electric_power"] = power_w
    return result
