"""Numbers, amounts and quantities as people read them in the explanation lines and on the staff pages."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .types import Dimension


def ordinal(index: int | None) -> str:
    """1-based, as staff count elements in the editor."""
    return "-" if index is None else str(index + 1)


def fmt_number(value: Decimal | None) -> str:
    return "-" if value is None else format(value.normalize(), "f")


def format_amount(value: Decimal) -> str:
    """A price or amount for people: at least two decimals, more when it has them (0.2345 stays 0.2345)."""
    return fmt_money(value)


def fmt_money(value: Decimal, places: int = 2) -> str:
    """At least ``places`` decimals, more when the amount has them (a price of 0.2345 stays 0.2345)."""
    exponent = value.normalize().as_tuple().exponent
    digits = max(places, -exponent) if isinstance(exponent, int) else places
    return format(value.quantize(Decimal(1).scaleb(-min(digits, 6)), rounding=ROUND_HALF_UP), "f")


def fmt_kwh(kwh: Decimal) -> str:
    return f"{fmt_number(kwh.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP))} kWh"


def fmt_seconds(seconds: Decimal) -> str:
    minutes = seconds / 60
    whole = minutes.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    return f"{format(whole, 'f')} min"


def fmt_quantity(dimension: Dimension, quantity: Decimal) -> str:
    return fmt_kwh(quantity) if dimension is Dimension.ENERGY else fmt_seconds(quantity)
