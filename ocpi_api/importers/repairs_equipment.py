"""Repair rules for what a Location holds: EVSEs and connectors (OCPI 2.2.1 mod_locations.asciidoc §8.3.2, §8.3.3),
images (§8.4.15) and opening times (§8.4.11, §8.4.21). Registered after the Location rules of ``repairs``."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from chargepoints.importers.repairs import RepairLog

from .repairs import Json, _enum_value, _evses, _images, _repair_enum, rule

# --- Connectors ---------------------------------------------------------------------------------------------------

_DC_STANDARDS = frozenset(
    {"CHADEMO", "CHAOJI", "GBT_DC", "IEC_62196_T1_COMBO", "IEC_62196_T2_COMBO", "PANTOGRAPH_BOTTOM_UP",
     "PANTOGRAPH_TOP_DOWN"}
)  # fmt: skip
_CABLE_STANDARDS = _DC_STANDARDS - {"PANTOGRAPH_BOTTOM_UP", "PANTOGRAPH_TOP_DOWN"} | {"TESLA_R", "TESLA_S"}
_SOCKET_PREFIXES = ("DOMESTIC_", "IEC_60309_", "NEMA_")
_PHASES = {"AC_1_PHASE": 1, "AC_2_PHASE": 2, "AC_2_PHASE_SPLIT": 2, "AC_3_PHASE": 3, "DC": 1}
# Nominal voltages when a feed gives only a power rating: 230 V line to neutral in AC; 400 V DC up to 50 kW
# (CHAdeMO and early CCS), 920 V above (CCS at high power).
AC_VOLTAGE = 230


def _dc_voltage(power_w: int) -> int:
    return 400 if power_w <= 50_000 else 920


def _integer(obj: Json, key: str, path: str, log: RepairLog) -> None:
    value = obj.get(key)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return
    try:
        number = float(value.strip().replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return
    if math.isfinite(number) and number >= 0:
        obj[key] = log.fix("number.integer", path + key, value, round(number))


def _power_in_watts(connector: Json, path: str, log: RepairLog) -> None:
    """No charging connector delivers less than 1 kW: a max_electric_power this small is in kW (22, 3.7)."""
    value = connector.get("max_electric_power")
    try:
        number = float(value) if isinstance(value, int | float | str) and not isinstance(value, bool) else 0.0
    except ValueError:
        return
    if 0 < number < 1000:
        connector["max_electric_power"] = log.fix("power.kw", f"{path}max_electric_power", value, round(number * 1000))


def _usable_connector(connector: Json, path: str, log: RepairLog) -> str | None:
    """Repair one connector; return why it is unusable, or None when it is now valid."""
    standard = connector.get("standard")
    if not isinstance(standard, str) or _enum_value("standard", standard) != standard:
        return f"{path}standard: {standard!r} is not a connector standard"
    if _enum_value("power_type", connector.get("power_type")) is None:
        if standard in _DC_STANDARDS:
            connector["power_type"] = log.fix(
                "power_type.from_standard", f"{path}power_type", connector.get("power_type"), "DC", derived=True
            )
        else:
            return f"{path}power_type: missing or unknown ({connector.get('power_type')!r})"
    if _enum_value("format", connector.get("format")) is None:
        implied = (
            "CABLE" if standard in _CABLE_STANDARDS else "SOCKET" if standard.startswith(_SOCKET_PREFIXES) else None
        )
        if implied is None:
            return f"{path}format: missing or unknown ({connector.get('format')!r})"
        connector["format"] = log.fix(
            "format.from_standard", f"{path}format", connector.get("format"), implied, derived=True
        )
    _power_in_watts(connector, path, log)
    for key in ("max_voltage", "max_amperage", "max_electric_power"):
        _integer(connector, key, path, log)
    raw_power = connector.get("max_electric_power")
    power = raw_power if isinstance(raw_power, int) and raw_power > 0 else 0
    power_type = connector["power_type"]
    phases = _PHASES[power_type]
    voltage, amperage = connector.get("max_voltage"), connector.get("max_amperage")
    has_power = power > 0
    if not isinstance(voltage, int) or voltage <= 0:
        if power_type == "DC" and not has_power:
            return f"{path}max_voltage: missing, and no max_electric_power to derive it from"
        nominal = AC_VOLTAGE if power_type != "DC" else _dc_voltage(power)
        connector["max_voltage"] = voltage = log.fix(
            "voltage.derived", f"{path}max_voltage", connector.get("max_voltage"), nominal, derived=True
        )
    if not isinstance(amperage, int) or amperage <= 0:
        if not has_power:
            return f"{path}max_amperage: missing, and no max_electric_power to derive it from"
        derived_amperage = max(1, math.ceil(power / (voltage * phases)))
        connector["max_amperage"] = log.fix(
            "amperage.derived", f"{path}max_amperage", connector.get("max_amperage"), derived_amperage, derived=True
        )
    return None


@rule("connectors")
def connectors(location: Json, log: RepairLog, now: datetime) -> None:
    """Numbers as integers, power in W, power type and format from the standard, voltage and amperage from power.

    A connector that still lacks its standard or electrical values is left out; an EVSE with no usable connector
    left is rejected (the rest of the Location still imports).
    """
    kept_evses = []
    for prefix, evse in _evses(location):
        usable, reasons = [], []
        for c, connector in enumerate(evse.get("connectors") or []):
            if not isinstance(connector, dict):
                reasons.append(f"{prefix}connectors[{c}]: not an object")
                continue
            reason = _usable_connector(connector, f"{prefix}connectors[{c}].", log)
            (reasons.append(reason) if reason else usable.append(connector))
        if not usable:
            log.reject(prefix.rstrip("."), "; ".join(reasons) or "the EVSE has no connectors")
            continue
        for reason in reasons:
            log.reject(reason.split(":", 1)[0].rsplit(".", 1)[0], f"connector left out: {reason}")
        evse["connectors"] = usable
        kept_evses.append(evse)
    if isinstance(location.get("evses"), list):
        location["evses"] = kept_evses


# --- EVSEs --------------------------------------------------------------------------------------------------------


@rule("evse")
def evses(location: Json, log: RepairLog, now: datetime) -> None:
    """An EVSE without a status is UNKNOWN; one without a uid takes its EVSE ID as uid."""
    for prefix, evse in _evses(location):
        if _enum_value("status", evse.get("status")) is None:
            evse["status"] = log.fix("evse.status", f"{prefix}status", evse.get("status"), "UNKNOWN")
        if not evse.get("uid") and isinstance(evse.get("evse_id"), str) and evse["evse_id"]:
            evse["uid"] = log.fix(
                "evse.uid_from_evse_id", f"{prefix}uid", evse.get("uid"), evse["evse_id"], derived=True
            )
        for key in ("capabilities", "parking_restrictions"):
            values = evse.get(key)
            if isinstance(values, list) and any(_enum_value(key, v) is None for v in values):
                kept = [v for v in values if _enum_value(key, v) is not None]
                evse[key] = log.fix("enum.unknown_dropped", f"{prefix}{key}", values, kept)
    facilities = location.get("facilities")
    if isinstance(facilities, list) and any(_enum_value("facilities", v) is None for v in facilities):
        kept = [v for v in facilities if _enum_value("facilities", v) is not None]
        location["facilities"] = log.fix("enum.unknown_dropped", "facilities", facilities, kept)
    if location.get("parking_type") is not None and _enum_value("parking_type", location["parking_type"]) is None:
        location["parking_type"] = log.fix("enum.unknown_dropped", "parking_type", location["parking_type"], None)


# --- Images -------------------------------------------------------------------------------------------------------

_IMAGE_TYPE_RE = re.compile(r"^[a-z0-9]{1,4}$")


@rule("image.type")
def image_types(location: Json, log: RepairLog, now: datetime) -> None:
    """Image ``type`` is the file type in at most 4 characters: "image/jpeg" is "jpeg", "svg+xml" is "svg"."""
    for prefix, image in _images(location):
        value = image.get("type")
        if isinstance(value, str) and _IMAGE_TYPE_RE.match(value):
            continue
        text = value.lower().rsplit("/", 1)[-1] if isinstance(value, str) else ""
        text = re.split(r"[+;]", text)[0].strip().replace("jpg", "jpeg")
        if not _IMAGE_TYPE_RE.match(text):
            url = image["url"] if isinstance(image.get("url"), str) else ""
            text = url.rsplit("?", 1)[0].rsplit(".", 1)[-1].lower() if "." in url.rsplit("/", 1)[-1] else ""
        if not _IMAGE_TYPE_RE.match(text):
            continue  # left for the reader to name
        for key in ("width", "height"):
            if isinstance(image.get(key), float):
                image[key] = log.fix("number.integer", prefix + key, image[key], round(image[key]))
        image["type"] = log.fix("image.type", f"{prefix}type", value, text)


# --- Opening times ------------------------------------------------------------------------------------------------

_TIME_RE = re.compile(r"^\s*(\d{1,2})[:.h](\d{2})(?::\d{2})?\s*$")


def _hour_minute(value: Any) -> str | None:
    match = _TIME_RE.match(value) if isinstance(value, str) else None
    if not match:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if (hours, minutes) >= (24, 0):
        return "23:59" if (hours, minutes) == (24, 0) else None
    return f"{hours:02d}:{minutes:02d}" if minutes < 60 else None


@rule("opening_times")
def opening_times(location: Json, log: RepairLog, now: datetime) -> None:
    """Weekday 0 is Sunday (7), times are HH:MM with 24:00 as 23:59, overnight periods are split at midnight, and
    ``twentyfourseven`` follows from whether there are regular hours."""
    hours = location.get("opening_times")
    if not isinstance(hours, dict):
        return
    regular = hours.get("regular_hours")
    if isinstance(hours.get("twentyfourseven"), str):
        hours["twentyfourseven"] = log.fix(
            "opening_times.boolean", "opening_times.twentyfourseven", hours["twentyfourseven"],
            hours["twentyfourseven"].strip().lower() == "true",
        )  # fmt: skip
    if not isinstance(hours.get("twentyfourseven"), bool):
        fixed = not regular
        hours["twentyfourseven"] = log.fix(
            "opening_times.twentyfourseven", "opening_times.twentyfourseven", hours.get("twentyfourseven"), fixed
        )
    if hours["twentyfourseven"] and regular:
        hours["regular_hours"] = log.fix("opening_times.regular_with_247", "opening_times.regular_hours", regular, [])
        return
    if not isinstance(regular, list):
        return
    periods: list[Json] = []
    for index, period in enumerate(regular):
        path = f"opening_times.regular_hours[{index}]."
        if not isinstance(period, dict):
            periods.append(period)
            continue
        weekday = period.get("weekday")
        if isinstance(weekday, str) and weekday.strip().isdigit():
            weekday = period["weekday"] = log.fix("number.integer", path + "weekday", weekday, int(weekday))
        if weekday == 0:
            period["weekday"] = log.fix("opening_times.weekday", path + "weekday", 0, 7)
        for key in ("period_begin", "period_end"):
            time = _hour_minute(period.get(key))
            if time is not None and time != period.get(key):
                period[key] = log.fix("opening_times.time", path + key, period.get(key), time)
        begin, end = period.get("period_begin"), period.get("period_end")
        if isinstance(begin, str) and isinstance(end, str) and isinstance(period["weekday"], int) and end <= begin:
            day = period["weekday"]
            split = [{"weekday": day, "period_begin": begin, "period_end": "23:59"}]
            if end != "00:00":
                split.append({"weekday": day % 7 + 1, "period_begin": "00:00", "period_end": end})
            periods += log.fix("opening_times.overnight", path.rstrip("."), dict(period), split)
            continue
        periods.append(period)
    hours["regular_hours"] = periods


def _repair_status_schedule(location: Json, log: RepairLog) -> None:
    for prefix, evse in _evses(location):
        for s, schedule in enumerate(evse.get("status_schedule") or []):
            if isinstance(schedule, dict):
                _repair_enum(schedule, "status", f"{prefix}status_schedule[{s}].", log)


@rule("status_schedule")
def status_schedule(location: Json, log: RepairLog, now: datetime) -> None:
    _repair_status_schedule(location, log)
