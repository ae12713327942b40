"""Number, period and duration formats of the finance documents, in the document's language (Swedish or English).

The wording is gettext's (context "invoice", rendered under ``translation.override(invoice.language)``); the numbers
are formatted here rather than by Django's locale formats because they are the document's, fixed per language and
checked in its tests: Swedish "1 234,50", English "1,234.50", ISO dates in both.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

# Swedish groups thousands with a (no-break) space and uses a decimal comma; English uses comma and point.
_SEPARATORS = {"en": (",", "."), "sv": ("\u00a0", ",")}


def format_decimal(value: Decimal, language: str, places: int = 2) -> str:
    quantum = Decimal(1).scaleb(-places)
    text = f"{value.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"
    group, point = _SEPARATORS.get(language, _SEPARATORS["en"])
    return text.replace(",", "\x00").replace(".", point).replace("\x00", group)


def format_money(value: Decimal, language: str) -> str:
    return format_decimal(value, language, 2)


def format_hours(hours: Decimal) -> str:
    """A duration given in hours as h:mm, e.g. 1.25 → 1:15."""
    minutes = int((hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return f"{minutes // 60}:{minutes % 60:02d}"


def format_period(start: date, end_inclusive: date) -> str:
    return f"{start:%Y-%m-%d} – {end_inclusive:%Y-%m-%d}"


def local_dates(start: datetime, end: datetime, zone: tzinfo) -> tuple[date, date]:
    """A period's first and last local day, from its bounds (the end is exclusive)."""
    return start.astimezone(zone).date(), (end.astimezone(zone) - timedelta(microseconds=1)).date()
