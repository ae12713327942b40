"""Builders for station-search tests: compact descriptions in, saved Location/EVSE/Connector rows out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import count

from chargepoints.models import EVSE, Connector, ExceptionalPeriod, Location, RegularHours

_serial = count(1)


@dataclass
class Plug:
    standard: str = "IEC_62196_T2"
    format: str = "SOCKET"
    power_type: str = "AC_3_PHASE"
    power_w: int = 11_000
    tariff_ids: list[str] = field(default_factory=list)


@dataclass
class Charger:
    status: str = "AVAILABLE"
    capabilities: list[str] = field(default_factory=list)
    parking_restrictions: list[str] = field(default_factory=list)
    plugs: list[Plug] = field(default_factory=lambda: [Plug()])
    evse_id: str = ""


def make_location(
    name: str,
    lat: float = 59.3293,
    lon: float = 18.0686,
    *,
    chargers: list[Charger] | None = None,
    time_zone: str = "Europe/Stockholm",
    twentyfourseven: bool | None = True,
    hours: list[tuple[int, str, str]] = (),  # type: ignore[assignment]
    openings: list[tuple[datetime, datetime]] = (),  # type: ignore[assignment]
    closings: list[tuple[datetime, datetime]] = (),  # type: ignore[assignment]
    facilities: list[str] | None = None,
    operator: str | None = None,
    city: str = "Stockholm",
    address: str = "Storgatan 1",
    country: str = "SWE",
    publish: bool = True,
    roaming_enabled: bool = True,
) -> Location:
    location = Location.objects.create(
        name=name,
        address=address,
        city=city,
        country=country,
        latitude=f"{lat:.6f}",
        longitude=f"{lon:.6f}",
        time_zone=time_zone,
        twentyfourseven=twentyfourseven,
        facilities=facilities or [],
        operator={"name": operator} if operator else None,
        publish=publish,
        roaming_enabled=roaming_enabled,
    )
    for weekday, begin, end in hours:
        RegularHours.objects.create(location=location, weekday=weekday, period_begin=begin, period_end=end)
    for kind, periods in (("opening", openings), ("closing", closings)):
        for period_begin, period_end in periods:
            ExceptionalPeriod.objects.create(
                location=location, kind=kind, period_begin=period_begin, period_end=period_end
            )
    for charger in [Charger()] if chargers is None else chargers:
        n = next(_serial)
        evse = EVSE.objects.create(
            location=location,
            uid=f"UID-{n}",
            evse_id=charger.evse_id or f"SE*CPO*E{n}",
            status=charger.status,
            capabilities=charger.capabilities,
            parking_restrictions=charger.parking_restrictions,
        )
        for index, plug in enumerate(charger.plugs, start=1):
            Connector.objects.create(
                evse=evse,
                connector_id=str(index),
                standard=plug.standard,
                format=plug.format,
                power_type=plug.power_type,
                max_voltage=400,
                max_amperage=16,
                max_electric_power=plug.power_w,
                tariff_ids=plug.tariff_ids,
            )
    location.refresh_from_db()
    return location
