"""The pricing engine's vocabulary: constants, enumerations, errors and the frozen input dataclasses."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
SECONDS_PER_HOUR = Decimal(3600)
WH_PER_KWH = Decimal(1000)
MICROSECOND = Decimal("0.000001")
ENERGY_QUANTUM = Decimal("1e-12")
NOISE_QUANTUM = Decimal("1e-20")
HOURS_QUANTUM = Decimal("0.0001")
MIDNIGHT = time(0, 0)


class Dimension(enum.StrEnum):
    """OCPI TariffDimensionType."""

    ENERGY = "ENERGY"
    FLAT = "FLAT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class DayOfWeek(enum.StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


WEEKDAYS: tuple[DayOfWeek, ...] = tuple(DayOfWeek)  # index = date.weekday()


class ReservationRestriction(enum.StrEnum):
    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


class Phase(enum.StrEnum):
    RESERVATION = "reservation"
    CHARGING = "charging"
    PARKING = "parking"


class CostCategory(enum.StrEnum):
    """Which CDR total a line counts towards (OCPI 2.2.1 mod_cdrs.asciidoc, CDR Object: total_*_cost)."""

    FIXED = "fixed"
    ENERGY = "energy"
    TIME = "time"
    PARKING = "parking"
    RESERVATION = "reservation"


class PricingInputError(ValueError):
    """The tariff or the session cannot be priced; ``field`` names the offending input in OCPI terms."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TariffNotApplicable(Exception):
    """The tariff's start_date_time/end_date_time window does not contain the session's start."""


# --- Input ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriceComponent:
    type: Dimension
    price: Decimal  # excl. VAT, per kWh (ENERGY), per hour (TIME, PARKING_TIME) or per occurrence (FLAT)
    step_size: int = 1  # Wh for ENERGY, seconds for TIME/PARKING_TIME, meaningless for FLAT
    vat: Decimal | None = None  # percent; None = no VAT applicable (not the same as 0 %)


@dataclass(frozen=True, slots=True)
class Restrictions:
    start_time: time | None = None
    end_time: time | None = None
    start_date: date | None = None
    end_date: date | None = None
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    day_of_week: frozenset[DayOfWeek] = frozenset()
    reservation: ReservationRestriction | None = None

    @property
    def has_wall_clock(self) -> bool:
        return bool(
            self.start_time or self.end_time or self.start_date or self.end_date or self.day_of_week,
        )


@dataclass(frozen=True, slots=True)
class TariffElement:
    price_components: tuple[PriceComponent, ...]
    restrictions: Restrictions | None = None


@dataclass(frozen=True, slots=True)
class Price:
    excl_vat: Decimal
    incl_vat: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Tariff:
    id: str
    currency: str
    elements: tuple[TariffElement, ...]
    min_price: Price | None = None
    max_price: Price | None = None
    start_date_time: datetime | None = None
    end_date_time: datetime | None = None

    def is_valid_at(self, moment: datetime) -> bool:
        """OCPI: a tariff becomes active at start_date_time and is no longer valid after end_date_time."""
        if self.start_date_time is not None and moment < self.start_date_time:
            return False
        return self.end_date_time is None or moment <= self.end_date_time


@dataclass(frozen=True, slots=True)
class ChargingPeriod:
    """One OCPI ChargingPeriod. Inside it the reservation comes first, then charging, then parking."""

    start: datetime  # timezone-aware
    energy: Decimal = ZERO  # kWh (CdrDimension ENERGY)
    charging: timedelta = timedelta(0)  # TIME
    parking: timedelta = timedelta(0)  # PARKING_TIME: the vehicle is not requesting power
    reservation: timedelta = timedelta(0)  # RESERVATION_TIME
    min_current: Decimal | None = None  # A, sum over phases
    max_current: Decimal | None = None
    min_power: Decimal | None = None  # kW
    max_power: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Session:
    start: datetime  # the CDR's start_date_time (the reservation's start when one preceded the charging)
    periods: tuple[ChargingPeriod, ...]
    reservation_expired: bool = False  # the reservation ended without a charging session
