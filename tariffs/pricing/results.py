"""What the engine returns: the priced session and its explanation lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from .formatting import fmt_money, fmt_number, fmt_quantity, format_amount, ordinal
from .types import CostCategory, Dimension, Phase, Price


@dataclass(frozen=True, slots=True)
class PriceLine:
    """One component applied to one contiguous part of the session (or a part no component prices)."""

    phase: Phase
    dimension: Dimension
    start: datetime  # local wall-clock time of the location
    end: datetime
    quantity: Decimal  # measured: kWh for ENERGY, seconds for TIME/PARKING_TIME, 1 for FLAT
    billed_quantity: Decimal  # after step_size rounding
    element_index: int | None  # 0-based position in Tariff.elements; None = no element prices this part
    component_index: int | None
    unit_price: Decimal
    vat: Decimal | None
    step_size: int | None
    category: CostCategory
    excl_vat: Decimal  # exact, unrounded
    incl_vat: Decimal

    @property
    def is_free(self) -> bool:
        return self.element_index is None

    @property
    def element_number(self) -> int | None:
        """1-based, as staff count elements in the editor."""
        return None if self.element_index is None else self.element_index + 1

    @property
    def component_number(self) -> int | None:
        return None if self.component_index is None else self.component_index + 1

    @property
    def quantity_text(self) -> str:
        return "1 ×" if self.dimension is Dimension.FLAT else fmt_quantity(self.dimension, self.quantity)

    @property
    def unit_price_text(self) -> str:
        return "" if self.is_free else format_amount(self.unit_price)

    @property
    def vat_text(self) -> str:
        return "" if self.vat is None else f"{fmt_number(self.vat)} %"

    @property
    def billed_text(self) -> str:
        return "1 ×" if self.dimension is Dimension.FLAT else fmt_quantity(self.dimension, self.billed_quantity)

    def describe(self, currency: str) -> str:
        """One line of explanation: when, what, which element and component, and what it costs."""
        when = f"{self.start:%a %Y-%m-%d %H:%M}"
        if self.dimension is Dimension.FLAT:
            what = f"{when} {self.phase} FLAT fee {fmt_money(self.unit_price)} {currency}"
        else:
            quantity = fmt_quantity(self.dimension, self.quantity)
            if self.billed_quantity != self.quantity:
                quantity += f" → {fmt_quantity(self.dimension, self.billed_quantity)} (step_size {self.step_size})"
            unit = "kWh" if self.dimension is Dimension.ENERGY else "h"
            what = f"{when}–{self.end:%H:%M} {self.phase} {self.dimension} {quantity}"
            if self.element_index is None:
                return f"{what}: no tariff element prices {self.dimension} then, free"
            what += f" × {fmt_money(self.unit_price)} {currency}/{unit}"
        vat = f"VAT {fmt_number(self.vat)} %" if self.vat is not None else "no VAT"
        return (
            f"{what} (element {ordinal(self.element_index)}, component {ordinal(self.component_index)})"
            f" = {fmt_money(self.excl_vat, 4)} excl, {fmt_money(self.incl_vat, 4)} incl ({vat})"
        )


@dataclass(frozen=True, slots=True)
class PricedSession:
    tariff_id: str
    currency: str
    total_cost: Price
    total_fixed_cost: Price
    total_energy_cost: Price
    total_time_cost: Price
    total_parking_cost: Price
    total_reservation_cost: Price
    total_energy: Decimal  # kWh
    total_time: Decimal  # hours (4 decimals, as a CDR carries it): charging + parking
    total_parking_time: Decimal  # hours (4 decimals)
    charging_duration: timedelta
    parking_duration: timedelta
    reservation_duration: timedelta
    exact_total_cost: Price  # after min/max clamping, before rounding
    lines: tuple[PriceLine, ...]
    notes: tuple[str, ...]

    def explanation(self) -> list[str]:
        out = [line.describe(self.currency) for line in self.lines]
        out.extend(self.notes)
        out.append(
            f"total_cost {self.total_cost.excl_vat} {self.currency} excl VAT, {self.total_cost.incl_vat} incl VAT"
        )
        return out
