"""What billing reads from settings, in one place: the zone its calendar runs in, and our seller details.

The services, selectors and documents all use these; they import nothing else of each other for it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def billing_zone() -> tzinfo:
    return ZoneInfo(settings.BILLING_TIME_ZONE)


def billing_today() -> date:
    return timezone.localdate(timezone=billing_zone())


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=billing_zone()).astimezone(UTC)


def seller_details() -> dict[str, Any]:
    return dict(settings.BILLING_SELLER)
