"""Input the engine refuses, with the field at fault (PricingInputError)."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

from ..currencies import MINOR_UNITS
from .types import ZERO, Price, PricingInputError, Session, Tariff


def validate_tariff(tariff: Tariff) -> None:
    if tariff.currency not in MINOR_UNITS:
        raise PricingInputError("currency", f"'{tariff.currency}' is not an ISO 4217 currency code")
    if not tariff.elements:
        raise PricingInputError("elements", "a tariff needs at least one element")
    for index, element in enumerate(tariff.elements):
        path = f"elements[{index}]"
        if not element.price_components:
            raise PricingInputError(f"{path}.price_components", "an element needs at least one price component")
        for c_index, component in enumerate(element.price_components):
            c_path = f"{path}.price_components[{c_index}]"
            if component.price < 0:
                raise PricingInputError(f"{c_path}.price", "must not be negative")
            if component.vat is not None and component.vat < 0:
                raise PricingInputError(f"{c_path}.vat", "must not be negative")
            if component.step_size < 0:
                raise PricingInputError(f"{c_path}.step_size", "must not be negative")
    for name in ("min_price", "max_price"):
        limit: Price | None = getattr(tariff, name)
        if limit is None:
            continue
        if limit.excl_vat < 0 or (limit.incl_vat is not None and limit.incl_vat < limit.excl_vat):
            raise PricingInputError(name, "excl_vat must not be negative and incl_vat not below excl_vat")
    if tariff.min_price and tariff.max_price:
        low, high = tariff.min_price, tariff.max_price
        if low.excl_vat > high.excl_vat or (
            low.incl_vat is not None and high.incl_vat is not None and low.incl_vat > high.incl_vat
        ):
            raise PricingInputError("min_price", "is higher than max_price")


def validate_session(session: Session) -> None:
    if session.start.tzinfo is None:
        raise PricingInputError("start_date_time", "must carry a time zone (OCPI DateTimes are UTC)")
    if not session.periods:
        raise PricingInputError("charging_periods", "a session needs at least one charging period")
    previous = session.start.astimezone(UTC)
    for index, period in enumerate(session.periods):
        path = f"charging_periods[{index}]"
        if period.start.tzinfo is None:
            raise PricingInputError(f"{path}.start_date_time", "must carry a time zone")
        if period.start.astimezone(UTC) < previous:
            what = "the session start" if index == 0 else "the previous period"
            raise PricingInputError(f"{path}.start_date_time", f"is before {what}")
        previous = period.start.astimezone(UTC)
        for name, label in (
            ("energy", "ENERGY"),
            ("charging", "TIME"),
            ("parking", "PARKING_TIME"),
            ("reservation", "RESERVATION_TIME"),
        ):
            if getattr(period, name) < _ZERO_OF[name]:
                raise PricingInputError(f"{path}.dimensions[{label}]", "must not be negative")


_ZERO_OF: dict[str, Decimal | timedelta] = {
    "energy": ZERO,
    "charging": timedelta(0),
    "parking": timedelta(0),
    "reservation": timedelta(0),
}
