"""MeterValue lists (OCPP 1.6 §7.28 SampledValue), read leniently: chargers send unknown units, empty lists and kWh.

Only the readings for the whole connector count (no ``phase``): per-phase values are never summed with the total.
A value that cannot be read is skipped, never an error (the charger would resend the message forever).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .timestamps import parse_timestamp

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
CURRENT = "Current.Import"
_SCALE = {"Wh": Decimal(1), "kWh": Decimal(1000), "W": Decimal(1), "kW": Decimal(1000), "A": Decimal(1)}
_DEFAULT_UNIT = {ENERGY: "Wh", POWER: "W", CURRENT: "A"}


@dataclass(frozen=True)
class MeterReading:
    at: datetime
    energy_wh: Decimal | None = None
    power_w: Decimal | None = None
    current_a: Decimal | None = None


def _number(sample: dict[str, Any], measurand: str) -> Decimal | None:
    if sample.get("phase") or sample.get("format") == "SignedData":
        return None
    unit = sample.get("unit") or _DEFAULT_UNIT[measurand]
    scale = _SCALE.get(unit)
    if scale is None:
        return None
    try:
        value = Decimal(str(sample.get("value")))
    except InvalidOperation:
        return None
    return value * scale if value.is_finite() and value >= 0 else None


def meter_readings(meter_value: Any) -> list[MeterReading]:
    """The usable readings of a ``meterValue`` (or ``transactionData``) list."""
    readings: list[MeterReading] = []
    for entry in meter_value if isinstance(meter_value, list) else []:
        if not isinstance(entry, dict):
            continue
        at = parse_timestamp(entry.get("timestamp"))
        if at is None:
            continue
        found: dict[str, Decimal | None] = {ENERGY: None, POWER: None, CURRENT: None}
        # The library hands payloads over with snake_case keys, nested ones included.
        for sample in entry.get("sampled_value") or entry.get("sampledValue") or []:
            if not isinstance(sample, dict):
                continue
            measurand = sample.get("measurand") or ENERGY
            if measurand in found and found[measurand] is None:
                found[measurand] = _number(sample, measurand)
        if any(value is not None for value in found.values()):
            readings.append(MeterReading(at, found[ENERGY], found[POWER], found[CURRENT]))
    return readings
