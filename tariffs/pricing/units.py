"""Durations in hours, the one way every app computes them."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

from .types import HOURS_QUANTUM

MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)


def exact_hours(duration: timedelta) -> Decimal:
    """A duration in hours, unrounded (50 significant digits)."""
    with localcontext(prec=50):
        return Decimal(duration // timedelta(microseconds=1)) / MICROSECONDS_PER_HOUR


def hours_of(duration: timedelta) -> Decimal:
    """A duration in hours as OCPI CDRs carry it: 4 decimals (0.36 s), half up (R8 in the package docstring)."""
    return exact_hours(duration).quantize(HOURS_QUANTUM, rounding=ROUND_HALF_UP)
