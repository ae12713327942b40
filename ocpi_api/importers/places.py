"""Countries and time zones for the repair rules: ISO 3166 codes from pycountry, IANA zones from tzdata's zone.tab.

zone.tab lists each zone with the country it serves and the position of its principal city, so a Location without a
zone gets the only zone of its country, or, in a country with several, the zone whose city is nearest.
"""

from __future__ import annotations

import math
import re
import zoneinfo
from functools import cache
from importlib import resources

import pycountry


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {_fold(zone): zone for zone in _zones()}


def _fold(name: str) -> str:
    return re.sub(r"[\s_]+", "_", name.strip()).lower()


def time_zone_spelling(value: str) -> str | None:
    """The IANA zone a sloppy spelling means ("Asia/Kuala Lumpur", "europe/berlin"), or None."""
    if value in _zones():
        return value
    return _zones_by_folded_name().get(_fold(value))


def _iso6709(text: str) -> float:
    """±DDMM[SS] or ±DDDMM[SS] as degrees."""
    sign = -1 if text[0] == "-" else 1
    digits = text[1:]
    degree_digits = 2 if len(digits) in (4, 6) else 3
    degrees, rest = int(digits[:degree_digits]), digits[degree_digits:]
    minutes, seconds = int(rest[:2]), int(rest[2:4] or 0)
    return sign * (degrees + minutes / 60 + seconds / 3600)


@cache
def _zone_table() -> list[tuple[str, str, float, float]]:
    """(alpha-2 country, zone, latitude, longitude) of every line of zone.tab."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, position, zone = line.split("\t")[:3]
        split = max(position.rfind("+"), position.rfind("-"))
        rows.append((code, zone, _iso6709(position[:split]), _iso6709(position[split:])))
    return rows


def _distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in radians; only compared, so no Earth radius."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    return math.acos(max(-1.0, min(1.0, math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl))))


def time_zone_for(country: object, latitude: float, longitude: float) -> str | None:
    """The zone of the country (alpha-3) nearest to the position; any zone nearest to it when the country is unknown."""
    alpha2 = _alpha2(country) if isinstance(country, str) else None
    rows = [row for row in _zone_table() if row[0] == alpha2] or _zone_table()
    best = min(rows, key=lambda row: _distance(latitude, longitude, row[2], row[3]))
    return best[1] if best[1] in _zones() else None


def _alpha2(alpha3: str) -> str | None:
    found = pycountry.countries.get(alpha_3=alpha3.upper())
    return found.alpha_2 if found else None


def alpha3_country(value: str) -> str | None:
    """ISO 3166-1 alpha-3 for an alpha-3 in any case, an alpha-2 code or an English country name."""
    text = value.strip()
    found = None
    if len(text) == 3:
        found = pycountry.countries.get(alpha_3=text.upper())
    elif len(text) == 2:
        found = pycountry.countries.get(alpha_2=text.upper())
    elif text:
        try:
            found = pycountry.countries.lookup(text)
        except LookupError:
            found = None
    return found.alpha_3 if found else None
