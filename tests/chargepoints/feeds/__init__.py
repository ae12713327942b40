"""Operator feeds with the faults that real OCPI Locations feeds carry, built here (no third-party data).

Each feed imitates one back office: its document shape, its OCPI version and its habits. About one Location in 25
cannot be repaired without guessing (no coordinates, or its only EVSE without a usable connector); everything else
must land, with each fault reported by a repair rule. ``FAULTS`` names the rules each feed should trigger.
"""

from __future__ import annotations

import json
import random
from typing import Any

# (country, alpha-3, zone, city, latitude, longitude)
PLACES = {
    "my": ("MY", "MYS", "Asia/Kuala_Lumpur", "Kuala Lumpur", 3.139003, 101.686855),
    "de": ("DE", "DEU", "Europe/Berlin", "Berlin", 52.520008, 13.404954),
    "nl": ("NL", "NLD", "Europe/Amsterdam", "Utrecht", 52.090737, 5.12142),
    "fr": ("FR", "FRA", "Europe/Paris", "Lyon", 45.764043, 4.835659),
    "se": ("SE", "SWE", "Europe/Stockholm", "Uppsala", 59.858562, 17.638927),
}

FAULTS = {
    "my": {"time_zone.spelling", "coordinates.number", "id.string"},
    "de": {"ocpi211.names", "coordinates.precision"},
    "nl": {"power.kw", "voltage.derived", "city.missing", "last_updated.missing"},
    "fr": {"image.type", "opening_times.weekday", "last_updated.missing", "opening_times.time"},
    "se": {"time_zone.derived", "enum.case", "coordinates.precision"},
}


def _connector(rng: random.Random, number: int) -> dict[str, Any]:
    if rng.random() < 0.3:
        return {
            "id": str(number),
            "standard": "IEC_62196_T2_COMBO",
            "format": "CABLE",
            "power_type": "DC",
            "max_voltage": 920,
            "max_amperage": 200,
            "max_electric_power": 150000,
            "last_updated": "2024-03-01T08:00:00Z",
        }
    return {
        "id": str(number),
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
        "tariff_ids": ["AC-1"],
        "last_updated": "2024-03-01T08:00:00Z",
    }


def clean(feed: str, n: int, rng: random.Random) -> dict[str, Any]:
    country_code, country, zone, city, lat, lon = PLACES[feed]
    location_id = f"{feed.upper()}-{n:06d}"
    evses = [
        {
            "uid": f"{location_id}-{e}",
            "evse_id": f"{country_code}*ABC*E{n:06d}{e}",
            "status": rng.choice(["AVAILABLE", "CHARGING", "UNKNOWN"]),
            "capabilities": ["RFID_READER"],
            "connectors": [_connector(rng, c + 1) for c in range(rng.choice([1, 1, 2]))],
            "last_updated": "2024-03-01T08:00:00Z",
        }
        for e in range(rng.choice([1, 2, 2, 3]))
    ]
    return {
        "country_code": country_code,
        "party_id": "ABC",
        "id": location_id,
        "publish": True,
        "name": f"{city} {n}",
        "address": f"Main street {n % 300 + 1}",
        "city": city,
        "postal_code": f"{10000 + n % 80000}",
        "country": country,
        "coordinates": {"latitude": f"{lat + (n % 1000) / 5000:.6f}", "longitude": f"{lon + (n % 997) / 5000:.6f}"},
        "parking_type": "ON_STREET",
        "time_zone": zone,
        "opening_times": {"twentyfourseven": True},
        "evses": evses,
        "last_updated": "2024-03-01T08:00:00Z",
    }


def _first_connectors(location: dict[str, Any]) -> list[dict[str, Any]]:
    return [evse["connectors"][0] for evse in location["evses"]]


def _fault(feed: str, location: dict[str, Any], n: int) -> None:
    if feed == "my":
        location["time_zone"] = "Asia/Kuala Lumpur"
        location["coordinates"] = {k: float(v) for k, v in location["coordinates"].items()}
        location["id"] = 700000 + n
    elif feed == "de":  # 2.1.1: no party, LocationType, voltage/amperage/tariff_id, 15 decimals
        for key in ("country_code", "party_id", "publish", "parking_type"):
            del location[key]
        location["type"] = "ON_STREET"
        for evse in location["evses"]:
            for connector in evse["connectors"]:
                connector["voltage"] = connector.pop("max_voltage")
                connector["amperage"] = connector.pop("max_amperage")
                connector.pop("max_electric_power", None)
                if "tariff_ids" in connector:
                    connector["tariff_id"] = connector.pop("tariff_ids")[0]
        location["coordinates"]["latitude"] += "123456789"
    elif feed == "nl":
        for connector in _first_connectors(location):
            connector["max_electric_power"] = 22 if connector["power_type"] != "DC" else 150
            del connector["max_voltage"]
        location["city"] = None
        del location["evses"][0]["last_updated"]
    elif feed == "fr":
        location["images"] = [{"url": f"https://img.example/{n}.jpg", "category": "LOCATION", "type": "image/jpeg"}]
        location["opening_times"] = {
            "twentyfourseven": False,
            "regular_hours": [{"weekday": 0, "period_begin": "9:00", "period_end": "18:00"}]
            + [{"weekday": d, "period_begin": "07:00", "period_end": "22:00"} for d in range(1, 7)],
        }
        del location["evses"][0]["connectors"][0]["last_updated"]
    elif feed == "se":
        del location["time_zone"]
        location["parking_type"] = "parking lot"
        location["coordinates"]["longitude"] = location["coordinates"]["longitude"][:-2]


def _unrepairable(location: dict[str, Any], n: int) -> None:
    if n % 2:
        del location["coordinates"]
    else:
        location["evses"] = location["evses"][:1]
        for connector in location["evses"][0]["connectors"]:
            connector.pop("standard")


def operator_feed(feed: str, count: int, *, seed: int = 16) -> list[dict[str, Any]]:
    """``count`` Locations as the ``feed`` back office publishes them."""
    rng = random.Random(f"{feed}-{seed}")
    locations = []
    for n in range(count):
        location = clean(feed, n, rng)
        _fault(feed, location, n)
        if n % 25 == 13:
            _unrepairable(location, n)
        locations.append(location)
    return locations


def operator_document(feed: str, count: int) -> bytes:
    """The feed in its back office's document shape."""
    locations = operator_feed(feed, count)
    if feed == "nl":
        return json.dumps({"data": locations}).encode()
    if feed == "fr":
        return b"\xef\xbb\xbf" + json.dumps(locations, indent=1).encode()
    if feed in ("de", "se"):
        return json.dumps({"data": locations, "status_code": 1000, "timestamp": "2024-03-01T08:00:00Z"}).encode()
    return json.dumps(locations).encode()
