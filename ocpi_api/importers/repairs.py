"""The repair layer of the OCPI Locations import: small named rules between parsing and the strict 2.2.1 reader.

Each rule looks at one kind of field of a Location (OCPI 2.2.1 mod_locations.asciidoc §8.3) and turns a common
departure from the spec into the value the spec wants, recording the field path, the value before and the value
after in the record's ``RepairLog``. A rule only repairs what has one sensible reading; what cannot be made valid
without guessing is rejected with the field named: the whole Location when it has no coordinates, one EVSE when it
has no usable connector. Whatever the rules leave is read by the 2.2.1 codec, as strictly as what we serve.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from chargepoints.enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    EvseStatus,
    Facility,
    ImageCategory,
    ParkingRestriction,
    ParkingType,
    PowerType,
)
from chargepoints.importers import RecordError
from chargepoints.importers.repairs import RepairLog
from ocpi_api.core.envelope import format_datetime

from .places import alpha3_country, time_zone_for, time_zone_spelling

Json = dict[str, Any]
Rule = Callable[[Json, RepairLog, datetime], None]
RULES: list[tuple[str, Rule]] = []


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        RULES.append((name, function))
        return function

    return register


def repair_location(location: Json, *, log: RepairLog, now: datetime) -> Json:
    """Run every rule over ``location`` (changed in place). Raises ``RecordError`` for an unrepairable Location."""
    for _, function in RULES:
        function(location, log, now)
    return location


def rule_names() -> list[str]:
    return [name for name, _ in RULES]


# --- Walking the document --------------------------------------------------------------------------------------


def _drop_null_items(value: Any, path: str, log: RepairLog) -> Any:
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = _drop_null_items(item, f"{path}.{key}" if path else key, log)
        return value
    if isinstance(value, list):
        kept = [_drop_null_items(item, f"{path}[{n}]", log) for n, item in enumerate(value) if item is not None]
        return log.fix("list.null_items", path, value, kept) if len(kept) != len(value) else value
    return value


@rule("list.null_items")
def null_list_items(location: Json, log: RepairLog, now: datetime) -> None:
    """A list item that is null stands for nothing (exporters write ``[null]`` for an empty list): it is left out.
    Runs first, so that the other rules only meet real objects."""
    _drop_null_items(location, "", log)


def _evses(location: Json) -> Iterator[tuple[str, Json]]:
    evses = location.get("evses")
    if isinstance(evses, list):
        for e, evse in enumerate(evses):
            if isinstance(evse, dict):
                yield f"evses[{e}].", evse


def _connectors(location: Json) -> Iterator[tuple[str, Json]]:
    for prefix, evse in _evses(location):
        connectors = evse.get("connectors")
        if isinstance(connectors, list):
            for c, connector in enumerate(connectors):
                if isinstance(connector, dict):
                    yield f"{prefix}connectors[{c}].", connector


def _images(location: Json) -> Iterator[tuple[str, Json]]:
    owners: list[tuple[str, Any]] = [("", location), *list(_evses(location))]
    for prefix, owner in owners:
        images = owner.get("images")
        if isinstance(images, list):
            for i, image in enumerate(images):
                if isinstance(image, dict):
                    yield f"{prefix}images[{i}].", image
    for key in ("operator", "suboperator", "owner"):
        details = location.get(key)
        if isinstance(details, dict) and isinstance(details.get("logo"), dict):
            yield f"{key}.logo.", details["logo"]


# --- Identifiers --------------------------------------------------------------------------------------------------


def _as_id(obj: Json, key: str, path: str, log: RepairLog) -> None:
    value = obj.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = str(int(value)) if float(value).is_integer() else str(value)
        obj[key] = log.fix("id.string", path + key, value, text)
    elif isinstance(value, str) and value != value.strip():
        obj[key] = log.fix("id.whitespace", path + key, value, value.strip())


@rule("id.string")
def ids_as_strings(location: Json, log: RepairLog, now: datetime) -> None:
    """OCPI ids are strings (CiString); many feeds write them as JSON numbers."""
    _as_id(location, "id", "", log)
    for prefix, evse in _evses(location):
        _as_id(evse, "uid", prefix, log)
        _as_id(evse, "evse_id", prefix, log)
    for prefix, connector in _connectors(location):
        _as_id(connector, "id", prefix, log)
        tariff_ids = connector.get("tariff_ids")
        if isinstance(tariff_ids, list) and any(not isinstance(t, str) for t in tariff_ids):
            fixed = [t if isinstance(t, str) else str(t) for t in tariff_ids]
            connector["tariff_ids"] = log.fix("id.string", prefix + "tariff_ids", tariff_ids, fixed)


@rule("party.case")
def party_case(location: Json, log: RepairLog, now: datetime) -> None:
    for key in ("country_code", "party_id"):
        value = location.get(key)
        if isinstance(value, str) and value != value.strip().upper():
            location[key] = log.fix("party.case", key, value, value.strip().upper())


# --- Coordinates (GeoLocation, mod_locations.asciidoc §8.4.13: 5 to 7 decimals) ---------------------------------


def _coordinate(value: Any, limit: int) -> str | None:
    """The spec's string for a coordinate given as a number or a sloppy string; None when it is no coordinate."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    text = str(value).strip().replace(",", ".") if isinstance(value, str) else repr(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or not -limit <= number <= limit:
        return None
    decimals = max(5, min(7, -int(number.as_tuple().exponent)))
    return f"{number.quantize(Decimal(1).scaleb(-decimals)):.{decimals}f}"


def _repair_coordinates(obj: Json, path: str, log: RepairLog) -> bool:
    """Fix ``obj["coordinates"]`` in place; False when it cannot be read as a position at all."""
    coordinates = obj.get("coordinates")
    if not isinstance(coordinates, dict):
        return False
    fixed = {}
    for key, limit in (("latitude", 90), ("longitude", 180)):
        value = coordinates.get(key)
        text = _coordinate(value, limit)
        if text is None:
            return False
        if text != value:
            name = "coordinates.number" if not isinstance(value, str) else "coordinates.precision"
            log.fix(name, f"{path}coordinates.{key}", value, text)
        fixed[key] = text
    coordinates.update(fixed)
    return True


@rule("coordinates")
def coordinates(location: Json, log: RepairLog, now: datetime) -> None:
    """Numbers become strings and any precision becomes 5–7 decimals; a Location without a position is rejected."""
    if not _repair_coordinates(location, "", log):
        raise RecordError("coordinates", f"no usable coordinates ({location.get('coordinates')!r})")
    for prefix, evse in _evses(location):
        if "coordinates" in evse and evse["coordinates"] is not None and not _repair_coordinates(evse, prefix, log):
            log.fix("coordinates.unusable", f"{prefix}coordinates", evse.pop("coordinates"), None)


# --- Enumerations ---------------------------------------------------------------------------------------------------

_ENUMS: dict[str, dict[str, str]] = {
    name: {re.sub(r"[\s\-]+", "_", value).upper(): value for value in choices.values}
    for name, choices in (
        ("parking_type", ParkingType),
        ("facilities", Facility),
        ("status", EvseStatus),
        ("capabilities", Capability),
        ("parking_restrictions", ParkingRestriction),
        ("standard", ConnectorType),
        ("format", ConnectorFormat),
        ("power_type", PowerType),
        ("category", ImageCategory),
    )
}
# Names in common use for connector standards, with separators and case already folded.
_ENUMS["standard"] |= {
    "TYPE_2": "IEC_62196_T2",
    "TYPE2": "IEC_62196_T2",
    "MENNEKES": "IEC_62196_T2",
    "TYPE_1": "IEC_62196_T1",
    "TYPE1": "IEC_62196_T1",
    "J1772": "IEC_62196_T1",
    "CCS": "IEC_62196_T2_COMBO",
    "CCS2": "IEC_62196_T2_COMBO",
    "CCS1": "IEC_62196_T1_COMBO",
    "SCHUKO": "DOMESTIC_F",
}


def _enum_value(kind: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    names = _ENUMS[kind]
    if names.get(value) == value:  # already the spec's value: folding would find itself
        return value
    return names.get(re.sub(r"[\s\-]+", "_", value.strip()).upper())


def _repair_enum(obj: Json, key: str, path: str, log: RepairLog, kind: str | None = None) -> None:
    value = obj.get(key)
    if isinstance(value, list):
        fixed = [_enum_value(kind or key, item) or item for item in value]
        if fixed != value:
            obj[key] = log.fix("enum.case", path + key, value, fixed)
        return
    fixed_value = _enum_value(kind or key, value)
    if fixed_value is not None and fixed_value != value:
        obj[key] = log.fix("enum.case", path + key, value, fixed_value)


@rule("enum.case")
def enums(location: Json, log: RepairLog, now: datetime) -> None:
    """Enum values in another case, with spaces or hyphens, or under a common alias ("Type 2") get the spec's value."""
    _repair_enum(location, "parking_type", "", log)
    _repair_enum(location, "facilities", "", log)
    for prefix, evse in _evses(location):
        for key in ("status", "capabilities", "parking_restrictions"):
            _repair_enum(evse, key, prefix, log)
    for prefix, connector in _connectors(location):
        for key in ("standard", "format", "power_type"):
            _repair_enum(connector, key, prefix, log)
    for prefix, image in _images(location):
        _repair_enum(image, "category", prefix, log)
        if "category" in image and _enum_value("category", image["category"]) is None:
            image["category"] = log.fix("image.category", prefix + "category", image.get("category"), "OTHER")


# --- Texts and places -----------------------------------------------------------------------------------------------

_TEXT_LIMITS = {"name": 255, "address": 255, "city": 45, "postal_code": 10, "state": 45}


@rule("text")
def texts(location: Json, log: RepairLog, now: datetime) -> None:
    """Line breaks and runs of spaces become single spaces, numbers (postal codes) strings; over-long text is cut."""
    for key, limit in _TEXT_LIMITS.items():
        value = location.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            value = location[key] = log.fix("text.string", key, value, str(value))
        if not isinstance(value, str):
            continue
        cleaned = " ".join(value.split())
        if cleaned != value:
            value = location[key] = log.fix("text.whitespace", key, value, cleaned)
        if len(value) > limit:
            location[key] = log.fix("text.truncated", key, value, value[:limit].rstrip())


@rule("city.missing")
def city(location: Json, log: RepairLog, now: datetime) -> None:
    """City is required; a feed without one usually names it as the last part of the address, or as the state."""
    if isinstance(location.get("city"), str) and location["city"]:
        return
    address = location["address"] if isinstance(location.get("address"), str) else ""
    tail = address.rsplit(",", 1)[1].strip() if "," in address else ""
    tail = re.sub(r"^\d[\d\s-]*", "", tail).strip()  # "75321 Uppsala" -> "Uppsala"
    state = location["state"] if isinstance(location.get("state"), str) else ""
    derived = (tail or state or "Unknown")[:45]
    location["city"] = log.fix("city.missing", "city", location.get("city"), derived, derived=True)


@rule("country")
def country(location: Json, log: RepairLog, now: datetime) -> None:
    """Country as ISO 3166-1 alpha-3: alpha-2 codes, lower case and country names are mapped."""
    value = location.get("country")
    if isinstance(value, str) and re.fullmatch(r"[A-Z]{3}", value):
        return
    fixed = alpha3_country(value) if isinstance(value, str) else None
    if fixed is None and isinstance(location.get("country_code"), str):
        fixed = alpha3_country(location["country_code"])
        if fixed is not None:
            location["country"] = log.fix("country.from_country_code", "country", value, fixed, derived=True)
            return
    if fixed is not None:
        location["country"] = log.fix("country.alpha3", "country", value, fixed)


@rule("time_zone")
def time_zone(location: Json, log: RepairLog, now: datetime) -> None:
    """An IANA zone: spellings such as "Asia/Kuala Lumpur" are fixed; a missing one comes from country and place."""
    value = location.get("time_zone")
    if isinstance(value, str) and value:
        spelled = time_zone_spelling(value)
        if spelled == value:
            return
        if spelled is not None:
            location["time_zone"] = log.fix("time_zone.spelling", "time_zone", value, spelled)
            return
    coordinates = location["coordinates"]
    derived = time_zone_for(location.get("country"), float(coordinates["latitude"]), float(coordinates["longitude"]))
    if derived is not None:
        location["time_zone"] = log.fix("time_zone.derived", "time_zone", value, derived, derived=True)


@rule("publish.missing")
def publish(location: Json, log: RepairLog, now: datetime) -> None:
    """A feed that publishes a Location without ``publish`` means it to be seen (2.1.1 had no such field)."""
    if not isinstance(location.get("publish"), bool):
        location["publish"] = log.fix("publish.missing", "publish", location.get("publish"), True)


# --- Dates --------------------------------------------------------------------------------------------------------


def _repair_datetime(obj: Json, path: str, log: RepairLog, now: datetime) -> None:
    value = obj.get("last_updated")
    if value is None:
        obj["last_updated"] = log.fix("last_updated.missing", path + "last_updated", None, format_datetime(now))
        return
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        obj["last_updated"] = log.fix("last_updated.missing", path + "last_updated", value, format_datetime(now))
    elif parsed.tzinfo is None:
        fixed = format_datetime(parsed.replace(tzinfo=UTC))
        obj["last_updated"] = log.fix("datetime.utc", path + "last_updated", value, fixed)


@rule("last_updated")
def last_updated(location: Json, log: RepairLog, now: datetime) -> None:
    """A missing or unreadable ``last_updated`` is the import time; one without a zone is taken as UTC."""
    _repair_datetime(location, "", log, now)
    for prefix, evse in _evses(location):
        _repair_datetime(evse, prefix, log, now)
    for prefix, connector in _connectors(location):
        _repair_datetime(connector, prefix, log, now)
