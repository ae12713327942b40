"""The chart pages at a national network's size (issue #18): the dashboard, a busy and an idle station, a session and
the finance trends, as server time through the Django test client, and the beat task that builds the dashboard's
charts (the cost taken off the requests).

Data: `manage.py seed_scale`'s data set (``support.on_postgresql_at_scale``: 10,000 locations, about 30,000 EVSEs
with 30 days of status history, 200,000 sessions, their CDRs, 2,000 invoices). Baseline, in the same run: the public
attribution page, a template with no query of its own, served the same way. Each figure is the best of 7 requests
(the machine is shared). Goals: every chart page under 300 ms (the dashboard reads what beat built, as deployed), the
same number of queries for the busiest and the idlest station. Needs PostgreSQL; its own rows are rolled back.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from chargepoints.dashboard_summary import catalogue_summary_refresh, dashboard_charts_refresh
from chargepoints.models import ChargingSession
from chargepoints.scale import SCALE_SOURCE
from tests.bench.support import on_postgresql_at_scale, result, sized

REPEATS = sized(7, 1)


def run() -> list[str]:
    return on_postgresql_at_scale("chart_pages", _bench)


def _bench() -> list[str]:
    lines: list[str] = []
    refresh_ms = min(_ms(dashboard_charts_refresh) for _ in range(REPEATS))
    catalogue_summary_refresh()  # what beat keeps: the dashboard then reads both from the cache
    lines.append(f"dashboard charts built by beat in {refresh_ms:.0f} ms")
    client = Client()
    client.force_login(User.objects.create_superuser("bench-charts"))
    busiest, idlest = _busiest_and_idlest_location()
    session = ChargingSession.objects.filter(location__source=SCALE_SOURCE, status="COMPLETED").order_by("-id").first()
    assert session is not None
    pages = {
        "dashboard": reverse("stations:dashboard"),
        "busiest station": reverse("stations:detail", args=[busiest]),
        "idlest station": reverse("stations:detail", args=[idlest]),
        "session": reverse("sessions:detail", args=[session.pk]),
        "finance trends": reverse("billing:trends"),
    }
    baseline, _ = _time(client, reverse("attribution"))
    with override_settings(DASHBOARD_SUMMARY_MAX_AGE=3600):  # as deployed: the dashboard reads what beat built
        timed = {name: _time(client, url) for name, url in pages.items()}
    for name, (ms, queries) in timed.items():
        lines.append(f"{name:<16} {ms:6.1f} ms  {ms / baseline:5.1f}× baseline ({baseline:.1f} ms)  queries {queries}")
    worst = max(timed, key=lambda name: timed[name][0])
    return [
        *lines,
        result(
            "chart_pages",
            worst_ms=round(timed[worst][0], 1),
            worst_page=worst.replace(" ", "-"),
            worst_ratio=round(timed[worst][0] / baseline, 1),
            refresh_ms=round(refresh_ms),
            queries_constant="yes" if timed["busiest station"][1] == timed["idlest station"][1] else "no",
        ),
    ]


def _ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def _busiest_and_idlest_location() -> tuple[int, int]:
    """The locations with the most and the fewest sessions: the station page's cost must not follow them."""
    by_sessions = (
        ChargingSession.objects.filter(location__source=SCALE_SOURCE)
        .values("location")
        .annotate(n=Count("id"))
        .order_by("-n", "location")
    )
    return by_sessions.first()["location"], by_sessions.last()["location"]  # type: ignore[index]


def _time(client: Client, url: str) -> tuple[float, int]:
    """The best server time of ``url`` in ms and its query count."""
    client.get(url)  # warm: templates, the user's permissions
    times = []
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return min(times), len(captured)
