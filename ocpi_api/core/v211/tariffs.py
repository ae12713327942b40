"""Tariffs between OCPI 2.1.1 (mod_tariffs.md §3.1 Tariff object) and 2.2.1 (mod_tariffs.asciidoc, Tariff object).

2.1.1 has no party of the tariff, no ``type``, no ``min_price``/``max_price`` and no validity period; a PriceComponent
has no ``vat``; TariffRestrictions have no ``min_current``/``max_current`` and no ``reservation`` (2.1.1 mod_tariffs.md,
TariffRestrictions class). The dimensions (ENERGY, FLAT, PARKING_TIME, TIME) and everything else mean the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .locations import energy_mix_from_211, energy_mix_to_211

_TARIFF_DROPPED = ("country_code", "party_id", "type", "min_price", "max_price", "start_date_time", "end_date_time")
# An element restricted by these applies only in circumstances 2.1.1 cannot state; without its restriction it would
# price every session, so the whole element is left out.
RESTRICTIONS_NOT_IN_211 = frozenset({"min_current", "max_current", "reservation"})


def element_fits_211(element: Mapping[str, Any]) -> bool:
    restrictions = element.get("restrictions") or {}
    return not any(restrictions.get(name) is not None for name in RESTRICTIONS_NOT_IN_211)


def _element_to_211(element: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(element)
    result["price_components"] = [
        {key: value for key, value in component.items() if key != "vat"}
        for component in element.get("price_components") or []
    ]
    return result


def tariff_to_211(tariff: Mapping[str, Any]) -> dict[str, Any]:
    result = {key: value for key, value in tariff.items() if key not in _TARIFF_DROPPED}
    if "elements" in result:
        result["elements"] = [_element_to_211(e) for e in result["elements"] if element_fits_211(e)]
    if isinstance(result.get("energy_mix"), Mapping):
        result["energy_mix"] = energy_mix_to_211(result["energy_mix"])
    return result


def tariff_from_211(tariff: Mapping[str, Any], *, country_code: str, party_id: str) -> dict[str, Any]:
    """The 2.2.1 Tariff of a 2.1.1 one published by ``country_code``/``party_id``."""
    result = {"country_code": country_code, "party_id": party_id, **tariff}
    if isinstance(result.get("energy_mix"), Mapping):
        result["energy_mix"] = energy_mix_from_211(result["energy_mix"])
    return result
