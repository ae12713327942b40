"""Building blocks for the pricing tests: the spec's tariffs, and sessions written as a timeline of parts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ocpi_api.modules.tariffs.serializers import pricing_tariff_from_ocpi
from tariffs import pricing

SPEC_EXAMPLES = Path(__file__).resolve().parents[2] / "ocpi_api" / "spec_examples" / "2.2.1"
BERLIN = ZoneInfo("Europe/Berlin")
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def spec_json(name: str) -> Any:
    """A spec example file, numbers read as Decimal (the files are verbatim and never written)."""
    return json.loads((SPEC_EXAMPLES / name).read_text(), parse_float=Decimal)


def spec_tariff(name: str) -> pricing.Tariff:
    return pricing_tariff_from_ocpi(spec_json(name))


@dataclass(frozen=True)
class Part:
    kind: str  # "charge", "park" or "reserve"
    minutes: Decimal
    kwh: Decimal = Decimal(0)
    max_current: Decimal | None = None
    max_power: Decimal | None = None


def charge(
    minutes: float | str, kwh: float | str = 0, *, current: float | None = None, power: float | None = None
) -> Part:
    return Part(
        "charge",
        Decimal(str(minutes)),
        Decimal(str(kwh)),
        Decimal(str(current)) if current is not None else None,
        Decimal(str(power)) if power is not None else None,
    )


def park(minutes: float | str) -> Part:
    return Part("park", Decimal(str(minutes)))


def reserve(minutes: float | str) -> Part:
    return Part("reserve", Decimal(str(minutes)))


def local(text: str, zone: ZoneInfo = BERLIN) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def session(start: datetime, *parts: Part, expired: bool = False) -> pricing.Session:
    """One charging period per part, back to back from ``start``."""
    periods = []
    cursor = start.astimezone(UTC)  # real time: adding to a local datetime would add wall-clock time across DST
    for part in parts:
        length = timedelta(minutes=float(part.minutes))
        periods.append(
            pricing.ChargingPeriod(
                start=cursor,
                energy=part.kwh,
                charging=length if part.kind == "charge" else timedelta(0),
                parking=length if part.kind == "park" else timedelta(0),
                reservation=length if part.kind == "reserve" else timedelta(0),
                max_current=part.max_current,
                max_power=part.max_power,
            )
        )
        cursor += length
    return pricing.Session(start=start, periods=tuple(periods), reservation_expired=expired)


def price(tariff: pricing.Tariff, start: datetime, *parts: Part, expired: bool = False) -> pricing.PricedSession:
    assert start.tzinfo is not None  # a local time: pricing reads restrictions in its zone
    return pricing.price_session(tariff=tariff, session=session(start, *parts, expired=expired), time_zone=start.tzinfo)


def totals(result: pricing.PricedSession) -> tuple[str, str]:
    return str(result.total_cost.excl_vat), str(result.total_cost.incl_vat)
