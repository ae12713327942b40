"""The OCPI 2.2.1 pricing engine: a tariff plus a session's charging periods in, CDR cost fields and explanation out.

Pure Python: frozen dataclasses in, a frozen result out; no ORM, no HTTP, no I/O. The rules are those of the OCPI 2.2.1
Tariffs and CDRs chapters (errata branch), numbered R1–R8 in our tariff cases:

* R1/R2 For every moment and every dimension (ENERGY, TIME, PARKING_TIME, FLAT) the first element, in list order, that
  has a component of that dimension and whose restrictions all hold supplies the price; none → that dimension is free
  then. Restrictions are evaluated continuously: a charging period that crosses a time-of-day, day, date, duration or
  kWh boundary is cut there (energy is spread linearly over the charging time inside a period), so a CDR that did not
  split its periods at every price change is still priced as if it had. Current and power restrictions cannot be
  interpolated: they use the period's measured values (``min_*`` against the period's minimum, ``max_*`` against its
  maximum, either one when only one is known); a restriction on a quantity the period did not measure does not hold.
* Time-of-day, weekday and date restrictions are evaluated on the location's local wall clock (zoneinfo), so a night
  rate from 22:00 still starts at 22:00 on the days the clocks change. Durations (min/max_duration) are measured in
  elapsed seconds since the charging session began (since the reservation began, for reservation elements).
* R3 step_size is applied once per session to the billed ENERGY total and once to the billed TIME + PARKING_TIME total,
  with the step of the last component that billed it; the extra is billed at that component's price and added to the
  last billed part. When parking is billed, only the parking total is rounded. Reservation TIME is rounded on its own.
* R4 Elements with a ``reservation`` restriction price only the reservation (RESERVATION while it lasts;
  RESERVATION_EXPIRES elements first, then RESERVATION ones, when it expired unused); all other elements price only
  the charging session. An expired reservation is charged the RESERVATION flat fee (it was reserved) and the
  RESERVATION_EXPIRES flat fee (it expired).
* R5 Every FLAT component that becomes active at some moment is charged once.
* R6 VAT per component: incl = excl × (1 + vat/100); no ``vat`` means no VAT.
* R7 min_price/max_price clamp total_cost, excl and incl VAT independently. When the limit gives no incl_vat, the incl
  total is scaled by the same factor as the excl total (the session's own VAT rate is kept).
* R8 Rounding policy (OCPI defines none): all arithmetic is exact Decimal; nothing is rounded per period or per line.
  Each money total of the result (total_cost and every total_*_cost, excl and incl VAT independently) is rounded once,
  ROUND_HALF_UP, to the currency's ISO 4217 minor unit (cents for EUR). So 5.125 → 5.13, 4.997 → 5.00. total_cost is
  rounded from the exact total, so it can differ by a cent from the sum of the rounded parts. Exact amounts stay
  available on the lines and in ``exact_total_cost``.

The only inexact operations are the division of seconds by 3600 and the linear interpolation of energy inside a cut
period; both are carried at 50 significant digits (cut points are kept to 1 µs and 1e-12 kWh) and money is brought
back to 20 decimal places before the half-up rounding, so those digits can never tip a half cent.

The package: ``types`` (constants, enumerations, errors, inputs), ``validation``, ``engine`` (the pricer),
``restrictions`` (when an element applies), ``results`` (the priced session) and ``formatting``. Callers use the names
re-exported here (``from tariffs import pricing``; ``pricing.price_session``).
"""

from .engine import price_session, round_money
from .formatting import format_amount
from .results import PricedSession, PriceLine
from .types import (
    HOURS_QUANTUM,
    ChargingPeriod,
    CostCategory,
    DayOfWeek,
    Dimension,
    Phase,
    Price,
    PriceComponent,
    PricingInputError,
    ReservationRestriction,
    Restrictions,
    Session,
    Tariff,
    TariffElement,
    TariffNotApplicable,
)
from .units import exact_hours, hours_of
from .validation import validate_session, validate_tariff

__all__ = [
    "HOURS_QUANTUM",
    "ChargingPeriod",
    "CostCategory",
    "DayOfWeek",
    "Dimension",
    "Phase",
    "Price",
    "PriceComponent",
    "PriceLine",
    "PricedSession",
    "PricingInputError",
    "ReservationRestriction",
    "Restrictions",
    "Session",
    "Tariff",
    "TariffElement",
    "TariffNotApplicable",
    "exact_hours",
    "format_amount",
    "hours_of",
    "price_session",
    "round_money",
    "validate_session",
    "validate_tariff",
]
