"""What a tariff must satisfy beyond OCPI's field types, with messages that say why.

Each function takes plain values and returns ``{field: message}`` (empty when all is well), so the model's ``clean()``,
the editor's formsets and the OCPI serializer report the same problems in the same words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from .currencies import currency_error
from .enums import EnergySourceCategory, EnvironmentalImpactCategory

DIMENSIONS = ("ENERGY", "FLAT", "PARKING_TIME", "TIME")
RESERVATION_DIMENSIONS = {"FLAT", "TIME"}
RANGES = (
    ("min_kwh", "max_kwh", "kWh charged"),
    ("min_current", "max_current", "current"),
    ("min_power", "max_power", "power"),
    ("min_duration", "max_duration", "session duration"),
)


def currency_errors(currency: str) -> dict[str, str]:
    problem = currency_error(currency)
    return {"currency": problem} if problem else {}


def component_errors(*, type: str, price: Decimal | None, vat: Decimal | None, step_size: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if price is not None and price < 0:
        errors["price"] = (
            "A price cannot be negative: OCPI prices are charges per unit excl. VAT, and a negative one would pay the "
            "driver for charging. Give discounts outside the tariff."
        )
    if vat is not None and not 0 <= vat <= 100:
        errors["vat"] = "VAT is a percentage between 0 and 100 (leave it empty when no VAT applies)."
    if step_size is not None:
        if type == "FLAT" and step_size > 1:
            errors["step_size"] = (
                "step_size has no meaning on a FLAT component: a flat fee is charged once and has no unit to round. "
                "OCPI still requires the field, so set it to 1."
            )
        elif type != "FLAT" and step_size < 1:
            unit = "Wh" if type == "ENERGY" else "seconds"
            errors["step_size"] = f"step_size is the billing granularity in {unit}; it must be 1 or more (1 = exact)."
    return errors


def element_errors(*, component_types: Iterable[str], reservation: str | None) -> list[str]:
    types = list(component_types)
    errors: list[str] = []
    if not types:
        errors.append("An element needs at least one price component.")
    duplicates = sorted({t for t in types if types.count(t) > 1})
    if duplicates:
        errors.append(
            f"Only one {', '.join(duplicates)} component per element: OCPI takes the first matching element per "
            "dimension, so a second component of the same type would never be used. Put it in its own element."
        )
    if reservation:
        others = sorted(set(types) - RESERVATION_DIMENSIONS)
        if others:
            errors.append(
                f"An element restricted to {reservation} may only hold FLAT and TIME components (TIME is then the "
                f"reservation time); {', '.join(others)} cannot be priced during a reservation."
            )
    return errors


def restriction_errors(r: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    start_time: time | None = r.get("start_time")
    end_time: time | None = r.get("end_time")
    if start_time is not None and start_time == end_time:
        errors["end_time"] = (
            "start_time and end_time are equal, so the window is either empty or the whole day. Leave both empty for "
            "the whole day. (An end_time before the start_time is fine: the window then runs past midnight, and "
            "00:00 as end_time means until midnight.)"
        )
    start_date: date | None = r.get("start_date")
    end_date: date | None = r.get("end_date")
    if start_date is not None and end_date is not None and start_date >= end_date:
        errors["end_date"] = (
            f"The start date {start_date} is not before the end date {end_date}; the end date is exclusive, so the "
            "element would never apply."
        )
    for low_name, high_name, label in RANGES:
        low, high = r.get(low_name), r.get(high_name)
        for name, value in ((low_name, low), (high_name, high)):
            if value is not None and value < 0 and not name.endswith("current") and not name.endswith("power"):
                errors[name] = f"{name} cannot be negative."
        if low is not None and high is not None and low >= high:
            errors[high_name] = (
                f"{low_name} ({low}) must be below {high_name} ({high}): the element applies while the {label} is at "
                f"least {low_name} and below {high_name}, so it would never apply."
            )
    days = list(r.get("day_of_week") or ())
    if len(days) != len(set(days)):
        errors["day_of_week"] = "Each day may be listed once."
    return errors


def price_errors(name: str, price: Mapping[str, Decimal | None] | None) -> dict[str, str]:
    if not price:
        return {}
    excl, incl = price.get("excl_vat"), price.get("incl_vat")
    if excl is not None and excl < 0:
        return {name: f"{name} cannot be negative."}
    if excl is not None and incl is not None and incl < excl:
        return {name: f"{name} incl_vat ({incl}) is below its excl_vat ({excl}); VAT cannot be negative."}
    return {}


def tariff_errors(
    *,
    currency: str,
    start_date_time: datetime | None,
    end_date_time: datetime | None,
    min_price: Mapping[str, Decimal | None] | None,
    max_price: Mapping[str, Decimal | None] | None,
) -> dict[str, str]:
    errors = currency_errors(currency)
    if start_date_time is not None and end_date_time is not None and start_date_time >= end_date_time:
        errors["end_date_time"] = (
            f"The tariff would end ({end_date_time:%Y-%m-%d %H:%M} UTC) before it starts "
            f"({start_date_time:%Y-%m-%d %H:%M} UTC); no session could ever use it."
        )
    errors.update(price_errors("min_price", min_price))
    errors.update(price_errors("max_price", max_price))
    if min_price and max_price and "min_price" not in errors and "max_price" not in errors:
        for key in ("excl_vat", "incl_vat"):
            low, high = min_price.get(key), max_price.get(key)
            if low is not None and high is not None and low > high:
                errors["max_price"] = f"min_price {key} ({low}) is above max_price {key} ({high})."
    return errors


# --- JSON parts of the model ------------------------------------------------------------------------------------------

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


def validate_days(value: Any) -> None:
    if not isinstance(value, list) or any(day not in DAYS for day in value):
        raise ValidationError(f"day_of_week must be a list of {', '.join(DAYS)}.")
    if len(value) != len(set(value)):
        raise ValidationError("Each day may be listed once.")


def validate_display_texts(value: Any) -> None:
    if not isinstance(value, list):
        raise ValidationError('Expected a list of {"language": "en", "text": "…"}.')
    for index, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"language", "text"}:
            raise ValidationError(f'[{index}]: expected exactly "language" and "text".')
        language, text = item["language"], item["text"]
        if not isinstance(language, str) or len(language) != 2:
            raise ValidationError(f"[{index}].language: a two-letter ISO 639-1 code such as en or sv.")
        if not isinstance(text, str) or not text or len(text) > 512 or any(ch in text for ch in "\r\n\t"):
            raise ValidationError(f"[{index}].text: 1 to 512 characters of plain text on one line.")


def validate_energy_mix(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or not isinstance(value.get("is_green_energy"), bool):
        raise ValidationError("energy_mix needs is_green_energy (true or false).")
    for index, source in enumerate(value.get("energy_sources") or []):
        if not isinstance(source, dict) or source.get("source") not in EnergySourceCategory.values:
            raise ValidationError(
                f"energy_sources[{index}].source must be one of {', '.join(EnergySourceCategory.values)}."
            )
        percentage = source.get("percentage")
        if (
            isinstance(percentage, bool)
            or not isinstance(percentage, int | float | str)
            or not 0 <= float(percentage) <= 100
        ):
            raise ValidationError(f"energy_sources[{index}].percentage must be a number from 0 to 100.")
    for index, impact in enumerate(value.get("environ_impact") or []):
        if not isinstance(impact, dict) or impact.get("category") not in EnvironmentalImpactCategory.values:
            raise ValidationError(
                f"environ_impact[{index}].category must be one of {', '.join(EnvironmentalImpactCategory.values)}."
            )
        amount = impact.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int | float | str) or float(amount) < 0:
            raise ValidationError(f"environ_impact[{index}].amount must be a number of 0 or more (g/kWh).")
    for key in ("supplier_name", "energy_product_name"):
        name = value.get(key)
        if name is not None and (not isinstance(name, str) or len(name) > 64):
            raise ValidationError(f"{key} is text of at most 64 characters.")
