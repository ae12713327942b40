"""The Bundesnetzagentur's charging station register (Ladesäulenregister) in its API JSON form.

Each charging station (Ladeeinrichtung) becomes a Location and each of its charging points an EVSE. The register
names no voltage or amperage, only power per connector, so those come from ``electrical_from_power``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ..enums import Capability, EvseStatus
from ..services import ConnectorInput, EvseInput, LocationInput, OpeningTimesInput, RegularHoursInput
from .base import (
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
from .connector_types import BNETZA_CONNECTORS

SOURCE = "bnetza"
_WEEKDAYS = {
    "Montag": 1,
    "Dienstag": 2,
    "Mittwoch": 3,
    "Donnerstag": 4,
    "Freitag": 5,
    "Samstag": 6,
    "Sonntag": 7,
}
_PAYMENT_SYSTEMS: dict[str, list[Capability]] = {
    # Paying online means starting from an app or web page, which needs remote start.
    "Onlinezahlungsverfahren": [Capability.REMOTE_START_STOP_CAPABLE],
    "RFID-Karte": [Capability.RFID_READER],
    "Kreditkarte (NFC)": [Capability.CREDIT_CARD_PAYABLE, Capability.CONTACTLESS_CARD_SUPPORT],
    "Kreditkarte (Lesegerät)": [Capability.CREDIT_CARD_PAYABLE, Capability.CHIP_CARD_SUPPORT, Capability.PED_TERMINAL],
    "Debitkarte (NFC)": [Capability.DEBIT_CARD_PAYABLE, Capability.CONTACTLESS_CARD_SUPPORT],
    "Debitkarte (Lesegerät)": [Capability.DEBIT_CARD_PAYABLE, Capability.CHIP_CARD_SUPPORT, Capability.PED_TERMINAL],
}
# The register records whether a station is in operation, not whether a charging point is free right now.
_STATUSES = {"In Betrieb": EvseStatus.UNKNOWN, "In Wartung": EvseStatus.INOPERATIVE}
_HOUR_MINUTE = re.compile(r"^([01]\d|2[0-4]):[0-5]\d$")


class BnetzaParser(LocationParser):
    def split(self, raw: bytes) -> list[RawRecord]:
        try:
            document = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ImportFileError(f"not JSON: {error}") from error
        stations = document.get("chargingStations") if isinstance(document, dict) else None
        if not isinstance(stations, list):
            raise ImportFileError("no 'chargingStations' list: not a Bundesnetzagentur register export")
        return [RawRecord(index=i, label=_label(i, s), payload=s) for i, s in enumerate(stations)]

    def convert(self, record: RawRecord) -> LocationInput:
        station = record.payload
        if not isinstance(station, Mapping):
            raise RecordError("", "must be an object")
        station_id = _required(station, "id")
        if not isinstance(station_id, int) or isinstance(station_id, bool):
            raise RecordError("id", f"'{station_id}' is not a number")
        position = station.get("coordinates")
        if not isinstance(position, Mapping):
            raise RecordError("coordinates", "missing")
        street = clean_text(_required(station, "street"), max_length=255)
        address = clean_text(f"{street} {station.get('house_no') or ''}", max_length=255)
        operator = station.get("operator")
        operator = operator if isinstance(operator, Mapping) else {}
        operator_name = clean_text(operator.get("displayName") or operator.get("companyName"), max_length=100)
        directions = clean_text(station.get("address_addition"), max_length=512)
        status = _STATUSES.get(str((station.get("status") or {}).get("operational")), EvseStatus.UNKNOWN).value
        capabilities = [
            str(c)
            for c in dict.fromkeys(c for p in station.get("payment_systems") or [] for c in _PAYMENT_SYSTEMS.get(p, []))
        ]
        evses = [
            _evse(station_id, index, evse, status, capabilities) for index, evse in enumerate(_list(station, "evses"))
        ]
        if not evses:
            raise RecordError("evses", "the station has no charging points")
        country_code, party_id = own_party()
        return {
            "country_code": country_code,
            "party_id": party_id,
            "ocpi_id": f"{SOURCE}-{station_id}",
            "source": SOURCE,
            "source_ref": str(station_id),
            "publish": True,
            "address": address,
            "city": clean_text(_required(station, "city"), max_length=45),
            "postal_code": clean_text(station.get("postal_code"), max_length=10),
            "state": clean_text(station.get("state"), max_length=45),
            "country": "DEU",
            "latitude": coordinate(position.get("latitude"), field="coordinates.latitude", limit=90),
            "longitude": coordinate(position.get("longitude"), field="coordinates.longitude", limit=180),
            "directions": [{"language": "de", "text": directions}] if directions else [],
            "operator": {"name": operator_name} if operator_name else None,
            "time_zone": "Europe/Berlin",
            "opening_times": _opening_times(station),
            "evses": evses,
        }


def _label(index: int, station: Any) -> str:
    station_id = station.get("id") if isinstance(station, Mapping) else None
    return f"chargingStations[{index}]" + (f" (id {station_id})" if station_id is not None else "")


def _required(mapping: Mapping[str, Any], key: str, path: str | None = None) -> Any:
    value = mapping.get(key)
    if value is None or value == "":
        raise RecordError(path or key, "missing")
    return value


def _list(mapping: Mapping[str, Any], key: str, path: str | None = None) -> list[Any]:
    value = mapping.get(key)
    if not isinstance(value, list):
        raise RecordError(path or key, "missing" if value is None else "must be a list")
    return value


def _opening_times(station: Mapping[str, Any]) -> OpeningTimesInput | None:
    """ "247" is open around the clock; otherwise opening_days, when given; "Keine Angabe" alone means unknown."""
    if station.get("opening_hours_specification") == "247":
        return {"twentyfourseven": True}
    days = station.get("opening_days") or []
    if not days:
        return None
    regular: list[RegularHoursInput] = []
    for index, day in enumerate(days):
        path = f"opening_days[{index}]"
        if not isinstance(day, Mapping) or day.get("weekday") not in _WEEKDAYS:
            raise RecordError(
                f"{path}.weekday", f"'{day.get('weekday') if isinstance(day, Mapping) else day}' is not a weekday"
            )
        begin, end = (_hour_minute(day.get(key), f"{path}.{key}") for key in ("open_from", "open_to"))
        regular.extend(split_overnight(_WEEKDAYS[day["weekday"]], begin, end))
    return {"twentyfourseven": False, "regular_hours": sorted(regular, key=lambda p: (p["weekday"], p["period_begin"]))}


def _hour_minute(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _HOUR_MINUTE.match(value):
        raise RecordError(path, f"'{value}' is not HH:MM")
    return value


def _evse(station_id: int, index: int, evse: Any, status: str, capabilities: list[str]) -> EvseInput:
    path = f"evses[{index}]"
    if not isinstance(evse, Mapping):
        raise RecordError(path, "must be an object")
    connectors = _list(evse, "connectors", f"{path}.connectors")
    return {
        "uid": f"{SOURCE}-{station_id}-{index + 1}",
        "evse_id": emi3_evse_id(f"2{station_id:08d}{index + 1:02d}"),
        "status": status,
        "capabilities": capabilities,
        "connectors": [_connector(c, i, f"{path}.connectors[{i}]") for i, c in enumerate(connectors)],
    }


def _connector(connector: Any, index: int, path: str) -> ConnectorInput:
    if not isinstance(connector, Mapping):
        raise RecordError(path, "must be an object")
    label = _required(connector, "connector_type", f"{path}.connector_type")
    if label not in BNETZA_CONNECTORS:
        raise RecordError(f"{path}.connector_type", f"unknown connector '{label}'")
    ocm_id, connector_format = BNETZA_CONNECTORS[label]
    standard, _ = ocm_standard(ocm_id, field=f"{path}.connector_type", label=label)
    power_kw = connector.get("max_electric_power_connector")
    if isinstance(power_kw, bool) or not isinstance(power_kw, int | float) or power_kw <= 0:
        raise RecordError(f"{path}.max_electric_power_connector", f"'{power_kw}' is not a power in kW")
    electrical = electrical_from_power(
        power_w=round(power_kw * 1000),
        dc=str(label).startswith("DC "),
        standard=standard,
        connector_format=connector_format.value,
    )
    return {"connector_id": str(index + 1), "standard": standard, "format": connector_format.value, **electrical}
