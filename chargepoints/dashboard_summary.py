"""The dashboard's catalogue figures, counted by a beat task rather than on every request.

Counting 30,000 EVSEs by status and by power class, and 10,000 locations by their opening hours, reads the whole
catalogue, and every staff member opens the dashboard all day. ``catalogue_summary_refresh`` (beat, every minute)
counts once and keeps the result in the cache; a request reads it, and counts for itself only when the cache has none
or an older one than ``DASHBOARD_SUMMARY_MAX_AGE`` seconds (no worker running, a cold cache). 0 counts every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .search import StationFilters, station_search
from .selectors import CatalogueOverview, catalogue_overview

CACHE_KEY = "chargepoints:catalogue-summary"


@dataclass(frozen=True)
class CatalogueSummary:
    overview: CatalogueOverview
    open_now: int
    counted_at: datetime


def catalogue_summary_refresh(*, now: datetime | None = None) -> CatalogueSummary:
    now = now or timezone.now()
    summary = CatalogueSummary(
        overview=catalogue_overview(),
        open_now=station_search(filters=StationFilters(open_now=True), now=now).count(),
        counted_at=now,
    )
    cache.set(CACHE_KEY, summary, timeout=None)
    return summary


def catalogue_summary() -> CatalogueSummary:
    max_age = int(settings.DASHBOARD_SUMMARY_MAX_AGE)
    summary = cache.get(CACHE_KEY) if max_age else None
    if not isinstance(summary, CatalogueSummary) or timezone.now() - summary.counted_at > timedelta(seconds=max_age):
        return catalogue_summary_refresh()
    return summary
