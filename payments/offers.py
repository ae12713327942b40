"""What a driver is offered at an EVSE before paying ad hoc: the tariff, its price in words, and the hold.

EU AFIR (Regulation (EU) 2023/1804), Article 5: the ad hoc price and all its components are shown before the session
starts, the components in this order: price per kWh, price per minute, price per session, then any other applicable
component. We show each component incl. VAT with its VAT rate, in the tariff's currency; OCPI prices time per hour
(mod_tariffs.asciidoc, PriceComponent), which we show per minute as AFIR asks. Parking time is the idle fee (an
"other applicable" component, after the per-session fee).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from chargepoints.models import EVSE, Connector
from chargepoints.sessions.tariffs import FoundTariff, ad_hoc_tariff_in_force
from tariffs import pricing
from tariffs.currencies import MINOR_UNITS
from tariffs.pricing.formatting import fmt_money, fmt_number

from .catalogue import CARD_PAYABLE

# AFIR Article 5 order: per kWh, per minute, per session, any other component.
AFIR_ORDER = (pricing.Dimension.ENERGY, pricing.Dimension.TIME, pricing.Dimension.FLAT, pricing.Dimension.PARKING_TIME)
MINUTES_PER_HOUR = Decimal(60)


@dataclass(frozen=True)
class PriceText:
    dimension: str
    label: str  # "Energy", "Charging time", …
    amount: str  # "3.75 SEK per kWh"
    vat: str  # "incl. 25 % VAT"
    condition: str  # "" or "22:00–06:00", "after 120 min", …


@dataclass(frozen=True)
class Offer:
    evse: EVSE
    connector: Connector
    found: FoundTariff
    currency: str
    hold_amount: Decimal
    prices: tuple[PriceText, ...]
    notes: tuple[str, ...]


def ad_hoc_offer(*, evse: EVSE, at: datetime) -> Offer | None:
    """The offer on ``evse`` (its first connector that has an ad hoc price), None when it takes no ad hoc payment.
    A tariff for every session (no type) is an ad hoc price only where the EVSE says it takes cards: taking an EVSE
    off ad hoc payment (``catalogue.evse_disable_ad_hoc``) removes those capabilities, not its tariff for everyone."""
    card_payable = any(c in evse.capabilities for c in CARD_PAYABLE)
    for connector in evse.connectors.all():
        found = ad_hoc_tariff_in_force(connector=connector, at=at, or_untyped=card_payable)
        if found is not None:
            tariff = found.tariff
            return Offer(
                evse=evse,
                connector=connector,
                found=found,
                currency=tariff.currency,
                hold_amount=hold_amount(tariff),
                prices=tuple(price_texts(tariff)),
                notes=tuple(price_notes(tariff)),
            )
    return None


def hold_amount(tariff: pricing.Tariff) -> Decimal:
    """What we hold on the card: the configured amount for the currency, or the tariff's max_price when lower (a
    session can never cost more than that, OCPI 2.2.1 mod_tariffs.asciidoc, Tariff object)."""
    amounts: dict[str, str] = settings.PAYMENTS_HOLD_AMOUNTS
    amount = Decimal(amounts.get(tariff.currency, amounts.get("*", "50")))
    cap = tariff.max_price
    if cap is not None:
        ceiling = cap.incl_vat if cap.incl_vat is not None else cap.excl_vat
        amount = min(amount, ceiling)
    places = Decimal(1).scaleb(-MINOR_UNITS[tariff.currency])
    return amount.quantize(places, rounding=ROUND_UP)


def _incl(price: Decimal, vat: Decimal | None) -> Decimal:
    return price * (1 + (vat or Decimal(0)) / 100)


def _local(number: str) -> str:
    """A number the engine formatted (decimal point) with the active language's decimal separator."""
    return number.replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))


def _money(value: Decimal, currency: str) -> str:
    """At least two decimals, up to four for small per-minute prices (0.125 SEK stays 0.125, not 0.13)."""
    return f"{_local(fmt_money(value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)))} {currency}"


def price_texts(tariff: pricing.Tariff) -> list[PriceText]:
    """Every price component of the tariff in words, in the AFIR order (then in the tariff's own order)."""
    found: list[tuple[int, int, PriceText]] = []
    labels = {
        pricing.Dimension.ENERGY: (_("Energy"), _("%(price)s per kWh")),
        pricing.Dimension.TIME: (_("Charging time"), _("%(price)s per minute")),
        pricing.Dimension.FLAT: (_("Per session"), _("%(price)s per session")),
        pricing.Dimension.PARKING_TIME: (_("Idle fee (parked, not charging)"), _("%(price)s per minute")),
    }
    position = 0
    for element in tariff.elements:
        condition = restriction_text(element.restrictions)
        for component in element.price_components:
            price = _incl(component.price, component.vat)
            if component.type in (pricing.Dimension.TIME, pricing.Dimension.PARKING_TIME):
                price = price / MINUTES_PER_HOUR
            label, pattern = labels[component.type]
            vat = (
                _("incl. %(vat)s %% VAT") % {"vat": _local(fmt_number(component.vat))}
                if component.vat is not None
                else _("no VAT")
            )
            text = PriceText(
                dimension=str(component.type),
                label=label,
                amount=pattern % {"price": _money(price, tariff.currency)},
                vat=vat,
                condition=condition,
            )
            found.append((AFIR_ORDER.index(component.type), position, text))
            position += 1
    return [text for _order, _position, text in sorted(found, key=lambda item: item[:2])]


def restriction_text(restrictions: pricing.Restrictions | None) -> str:
    if restrictions is None:
        return ""
    r = restrictions
    parts: list[str] = []
    if r.start_time or r.end_time:
        start = f"{r.start_time:%H:%M}" if r.start_time else "00:00"
        end = f"{r.end_time:%H:%M}" if r.end_time else "24:00"
        parts.append(_("between %(start)s and %(end)s") % {"start": start, "end": end})
    if r.day_of_week:
        parts.append(", ".join(day.value.title() for day in sorted(r.day_of_week)))
    if r.min_duration is not None:
        parts.append(_("after %(minutes)s min") % {"minutes": r.min_duration // 60})
    if r.max_duration is not None:
        parts.append(_("for the first %(minutes)s min") % {"minutes": r.max_duration // 60})
    if r.min_kwh is not None:
        parts.append(_("after %(kwh)s kWh") % {"kwh": _local(fmt_number(r.min_kwh))})
    if r.max_kwh is not None:
        parts.append(_("up to %(kwh)s kWh") % {"kwh": _local(fmt_number(r.max_kwh))})
    if r.min_power is not None or r.max_power is not None:
        parts.append(_("at some charging powers"))
    return "; ".join(parts)


def price_notes(tariff: pricing.Tariff) -> list[str]:
    notes = []
    if tariff.min_price is not None:
        notes.append(
            _("A session costs at least %(price)s.") % {"price": _money(_price_incl(tariff.min_price), tariff.currency)}
        )
    if tariff.max_price is not None:
        notes.append(
            _("A session costs at most %(price)s.") % {"price": _money(_price_incl(tariff.max_price), tariff.currency)}
        )
    return notes


def _price_incl(price: pricing.Price) -> Decimal:
    return price.incl_vat if price.incl_vat is not None else price.excl_vat
