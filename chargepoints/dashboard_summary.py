"""The dashboard's catalogue figures, counted by a beat task rather than on every request.

Counting 30,000 EVSEs by status and by power class, and 10,000 locations by their opening hours, reads the whole
catalogue, and every staff member opens the dashboard all day. ``catalogue_summary_refresh`` (beat, every minute)
counts once and keeps the result in the cache; a request reads it, and counts for itself only when the cache has none
or an older one than ``DASHBOARD_SUMMARY_MAX_AGE`` seconds (no worker running, a cold cache). 0 counts every time.

The dashboard's charts (``chargepoints.dashboard.register_chart``) are kept the same way by
``dashboard_charts_refresh``: a chart and its CSV export read the same cached figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from .charts import Chart
from .dashboard import CHART_SOURCES, Viewer
from .search import StationFilters, station_search
from .selectors import CatalogueOverview, catalogue_overview

CACHE_KEY = "chargepoints:catalogue-summary"
CHARTS_CACHE_KEY = "chargepoints:dashboard-charts"


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


@dataclass(frozen=True)
class DashboardCharts:
    charts: tuple[tuple[str, Chart], ...]  # (permission, chart), in the order the sources registered
    counted_at: datetime

    def for_viewer(self, user: Viewer) -> list[Chart]:
        return [chart for permission, chart in self.charts if user.has_perm(permission)]


def _charts_key() -> str:
    """Charts carry their wording (titles, labels, summaries): one cached set per language."""
    return f"{CHARTS_CACHE_KEY}:{translation.get_language()}"


def dashboard_charts_refresh(*, now: datetime | None = None) -> DashboardCharts:
    """The charts in the active language."""
    now = now or timezone.now()
    charts = DashboardCharts(
        charts=tuple((source.permission, source.build(now)) for source in CHART_SOURCES), counted_at=now
    )
    cache.set(_charts_key(), charts, timeout=None)
    return charts


def dashboard_charts_refresh_all(*, now: datetime | None = None) -> None:
    """The beat task's refresh: the charts in every language of the portal."""
    now = now or timezone.now()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            dashboard_charts_refresh(now=now)


def dashboard_charts() -> DashboardCharts:
    max_age = int(settings.DASHBOARD_SUMMARY_MAX_AGE)
    charts = cache.get(_charts_key()) if max_age else None
    if not isinstance(charts, DashboardCharts) or timezone.now() - charts.counted_at > timedelta(seconds=max_age):
        return dashboard_charts_refresh()
    return charts
