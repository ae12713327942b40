"""Tariff services: the validated shape of a tariff, and building pricing-engine input from it."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, NotRequired, TypedDict

from . import pricing


class PriceInput(TypedDict):
    excl_vat: Decimal
    incl_vat: NotRequired[Decimal | None]


class PriceComponentInput(TypedDict):
    type: str
    price: Decimal
    step_size: int
    vat: NotRequired[Decimal | None]


class RestrictionsInput(TypedDict, total=False):
    start_time: time | None
    end_time: time | None
    start_date: date | None
    end_date: date | None
    min_kwh: Decimal | None
    max_kwh: Decimal | None
    min_current: Decimal | None
    max_current: Decimal | None
    min_power: Decimal | None
    max_power: Decimal | None
    min_duration: int | None
    max_duration: int | None
    day_of_week: list[str]
    reservation: str | None


class TariffElementInput(TypedDict):
    price_components: list[PriceComponentInput]
    restrictions: NotRequired[RestrictionsInput | None]


class TariffInput(TypedDict):
    """A whole OCPI 2.2.1 Tariff with Python types, as the OCPI serializer and the editor validate it."""

    country_code: str
    party_id: str
    id: str
    currency: str
    elements: list[TariffElementInput]
    type: NotRequired[str | None]
    tariff_alt_text: NotRequired[list[dict[str, str]]]
    tariff_alt_url: NotRequired[str | None]
    min_price: NotRequired[PriceInput | None]
    max_price: NotRequired[PriceInput | None]
    start_date_time: NotRequired[datetime | None]
    end_date_time: NotRequired[datetime | None]
    energy_mix: NotRequired[dict[str, Any] | None]
    last_updated: NotRequired[datetime]


def pricing_tariff(*, data: TariffInput) -> pricing.Tariff:
    """The pricing engine's view of a tariff."""
    return pricing.Tariff(
        id=data["id"],
        currency=data["currency"],
        elements=tuple(_pricing_element(element) for element in data["elements"]),
        min_price=_pricing_price(data.get("min_price")),
        max_price=_pricing_price(data.get("max_price")),
        start_date_time=data.get("start_date_time"),
        end_date_time=data.get("end_date_time"),
    )


def _pricing_price(price: PriceInput | None) -> pricing.Price | None:
    if price is None:
        return None
    return pricing.Price(excl_vat=price["excl_vat"], incl_vat=price.get("incl_vat"))


def _pricing_element(element: TariffElementInput) -> pricing.TariffElement:
    components = tuple(
        pricing.PriceComponent(
            type=pricing.Dimension(c["type"]), price=c["price"], step_size=c["step_size"], vat=c.get("vat")
        )
        for c in element["price_components"]
    )
    r = element.get("restrictions")
    if not r:
        return pricing.TariffElement(price_components=components)
    reservation = r.get("reservation")
    restrictions = pricing.Restrictions(
        start_time=r.get("start_time"),
        end_time=r.get("end_time"),
        start_date=r.get("start_date"),
        end_date=r.get("end_date"),
        min_kwh=r.get("min_kwh"),
        max_kwh=r.get("max_kwh"),
        min_current=r.get("min_current"),
        max_current=r.get("max_current"),
        min_power=r.get("min_power"),
        max_power=r.get("max_power"),
        min_duration=r.get("min_duration"),
        max_duration=r.get("max_duration"),
        day_of_week=frozenset(pricing.DayOfWeek(day) for day in r.get("day_of_week") or ()),
        reservation=pricing.ReservationRestriction(reservation) if reservation else None,
    )
    return pricing.TariffElement(price_components=components, restrictions=restrictions)
