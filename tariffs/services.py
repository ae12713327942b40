"""Tariff services: the validated shape of a tariff, writing it, and building pricing-engine input from it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NotRequired, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction

from . import pricing, validators
from .models import RESTRICTION_FIELDS, PriceComponent, Tariff, TariffElement, touch_tariff
from .signals import tariff_changed


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


# --- Writes -----------------------------------------------------------------------------------------------------------


@transaction.atomic
def tariff_replace(*, data: TariffInput) -> Tariff:
    """Create the tariff ``data`` describes, or replace the one with its country_code/party_id/id wholesale (OCPI PUT
    semantics: fields not given go back to empty). Every object is validated with the editor's rules first; a
    ``ValidationError`` leaves the stored tariff untouched."""
    tariff = Tariff.objects.filter(
        country_code=data["country_code"], party_id=data["party_id"], ocpi_id=data["id"]
    ).first() or Tariff(country_code=data["country_code"], party_id=data["party_id"], ocpi_id=data["id"])
    tariff.currency = data["currency"]
    tariff.type = data.get("type") or ""
    tariff.tariff_alt_text = list(data.get("tariff_alt_text") or [])
    tariff.tariff_alt_url = data.get("tariff_alt_url") or ""
    for name, limit in (("min_price", data.get("min_price")), ("max_price", data.get("max_price"))):
        setattr(tariff, f"{name}_excl_vat", limit["excl_vat"] if limit else None)
        setattr(tariff, f"{name}_incl_vat", limit.get("incl_vat") if limit else None)
    tariff.start_date_time = data.get("start_date_time")
    tariff.end_date_time = data.get("end_date_time")
    tariff.energy_mix = _json_safe(data.get("energy_mix"))
    tariff.full_clean()
    tariff.save()
    tariff.elements.all().delete()
    for e_index, element_data in enumerate(data["elements"]):
        restrictions: dict[str, Any] = dict(element_data.get("restrictions") or {})
        element = TariffElement(
            tariff=tariff,
            position=e_index,
            **{name: restrictions.get(name) for name in RESTRICTION_FIELDS if name not in _TEXT_RESTRICTIONS},
            day_of_week=list(restrictions.get("day_of_week") or []),
            reservation=restrictions.get("reservation") or "",
        )
        _clean(element, f"elements[{e_index}]")
        element.save()
        for c_index, component_data in enumerate(element_data["price_components"]):
            component = PriceComponent(
                element=element,
                position=c_index,
                type=component_data["type"],
                price=component_data["price"],
                vat=component_data.get("vat"),
                step_size=component_data["step_size"],
            )
            _clean(component, f"elements[{e_index}].price_components[{c_index}]")
            component.save()
        problems = validators.element_errors(
            component_types=[c["type"] for c in element_data["price_components"]],
            reservation=element.reservation or None,
        )
        if problems:
            raise ValidationError({f"elements[{e_index}].price_components": problems})
    tariff.refresh_from_db()
    tariff_changed.send(sender=Tariff, tariff=tariff)
    return tariff


def tariff_edited(*, tariff: Tariff) -> None:
    """The admin's forms wrote a tariff and its elements in place: mark it changed (OCPI last_updated) and announce
    it, in the admin's transaction, as tariff_replace does for every other write."""
    touch_tariff(tariff.pk)
    tariff_changed.send(sender=Tariff, tariff=tariff)


_TEXT_RESTRICTIONS = {"day_of_week", "reservation"}


def _clean(obj: TariffElement | PriceComponent, path: str) -> None:
    try:
        obj.full_clean(exclude=["element", "tariff"])
    except ValidationError as error:
        raise ValidationError(
            {f"{path}.{field}": messages for field, messages in error.message_dict.items()}
        ) from error


def _json_safe(value: Any) -> Any:
    """Energy mix numbers as JSON numbers (the JSONField cannot hold Decimals)."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


# --- Reads ------------------------------------------------------------------------------------------------------------


def tariff_data(*, tariff: Tariff) -> TariffInput:
    """A stored tariff in the validated shape (prefetch ``elements__price_components`` for many tariffs)."""
    data: TariffInput = {
        "country_code": tariff.country_code,
        "party_id": tariff.party_id,
        "id": tariff.ocpi_id,
        "currency": tariff.currency,
        "elements": [
            _element_data(element) for element in sorted(tariff.elements.all(), key=lambda e: (e.position, e.pk))
        ],
        "last_updated": tariff.last_updated,
    }
    if tariff.type:
        data["type"] = tariff.type
    if tariff.tariff_alt_text:
        data["tariff_alt_text"] = list(tariff.tariff_alt_text)
    if tariff.tariff_alt_url:
        data["tariff_alt_url"] = tariff.tariff_alt_url
    for name in ("min_price", "max_price"):
        limit = getattr(tariff, name)
        if limit is not None:
            price: PriceInput = {"excl_vat": limit["excl_vat"]}
            if limit["incl_vat"] is not None:
                price["incl_vat"] = limit["incl_vat"]
            data[name] = price
    if tariff.start_date_time is not None:
        data["start_date_time"] = tariff.start_date_time
    if tariff.end_date_time is not None:
        data["end_date_time"] = tariff.end_date_time
    if tariff.energy_mix is not None:
        data["energy_mix"] = tariff.energy_mix
    return data


def _element_data(element: TariffElement) -> TariffElementInput:
    components: list[PriceComponentInput] = []
    for component in sorted(element.price_components.all(), key=lambda c: (c.position, c.pk)):
        item: PriceComponentInput = {"type": component.type, "price": component.price, "step_size": component.step_size}
        if component.vat is not None:
            item["vat"] = component.vat
        components.append(item)
    data: TariffElementInput = {"price_components": components}
    restrictions = element.restrictions()
    if restrictions:
        data["restrictions"] = restrictions  # type: ignore[typeddict-item]
    return data


def tariff_pricing(*, tariff: Tariff) -> pricing.Tariff:
    """The pricing engine's input for a stored tariff."""
    return pricing_tariff(data=tariff_data(tariff=tariff))


def tariff_price_preview(
    *,
    tariff: Tariff,
    start: datetime,
    charging: timedelta,
    energy_kwh: Decimal,
    parking: timedelta,
    max_power_kw: Decimal | None,
    max_current_a: Decimal | None,
    time_zone: str,
) -> pricing.PricedSession:
    """Price a session summary as staff enter it: charging (with its energy, spread evenly, and its peak power and
    current), then parking. Raises ``pricing.TariffNotApplicable`` outside the tariff's validity."""
    start = start.astimezone(UTC)  # real-time arithmetic below
    periods = [
        pricing.ChargingPeriod(
            start=start,
            energy=energy_kwh,
            charging=charging,
            min_current=max_current_a,
            max_current=max_current_a,
            min_power=max_power_kw,
            max_power=max_power_kw,
        )
    ]
    if parking:
        # Parking: the vehicle no longer requests power.
        periods.append(
            pricing.ChargingPeriod(
                start=start + charging,
                parking=parking,
                min_current=Decimal(0),
                max_current=Decimal(0),
                min_power=Decimal(0),
                max_power=Decimal(0),
            )
        )
    session = pricing.Session(start=start, periods=tuple(periods))
    return pricing.price_session(tariff=tariff_pricing(tariff=tariff), session=session, time_zone=time_zone)
