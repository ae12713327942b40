"""The status history written by evse_set_status, and the chart selectors read from it and from the sessions:
their figures, their fixed query counts and their CSV form."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chargepoints import analytics
from chargepoints.dashboard_summary import CHARTS_CACHE_KEY
from chargepoints.demo import DEMO_HISTORY_DAYS, seed_status_history
from chargepoints.models import EVSE, ChargingPeriod, EvseStatusPeriod, Location
from chargepoints.services import evse_set_status
from chargepoints.sessions.selectors import session_get
from chargepoints.tasks import dashboard_charts_refresh_task
from tests.chargepoints.sessions_support import T0, start, station
from tests.factories import evse_data, make_location, make_user
from tests.html_assets import foreign_assets

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


def history(evse: EVSE, *stretches: tuple[str, timedelta]) -> None:
    """Periods of ``evse`` back to back, the last ending at NOW (left open)."""
    since = NOW - sum((length for _, length in stretches), timedelta())
    for index, (status, length) in enumerate(stretches):
        until = since + length
        EvseStatusPeriod.objects.create(
            evse=evse, status=status, since=since, until=None if index == len(stretches) - 1 else until
        )
        since = until


def test_a_status_change_closes_the_open_period_and_opens_the_new_one() -> None:
    evse = make_location().evses.get()
    evse_set_status(evse=evse, status="CHARGING")
    evse_set_status(evse=evse, status="CHARGING")  # no change, no period
    evse_set_status(evse=evse, status="OUTOFORDER")
    first, second = EvseStatusPeriod.objects.filter(evse=evse)
    assert (first.status, second.status) == ("CHARGING", "OUTOFORDER")
    assert first.until == second.since == EVSE.objects.get(pk=evse.pk).last_updated
    assert second.until is None


def test_a_status_change_that_fails_leaves_no_history() -> None:
    evse = make_location().evses.get()
    with pytest.raises(Exception, match="not an EVSE status"):
        evse_set_status(evse=evse, status="ON_FIRE")
    assert not EvseStatusPeriod.objects.exists()


def test_utilisation_and_availability_are_shares_of_the_recorded_time(django_assert_num_queries) -> None:
    location = make_location(evses=[evse_data(), evse_data()])
    one, two = location.evses.all()
    # One EVSE: 2 days charging, 1 day out of order, 4 days available (the last 7 days, fully recorded).
    history(one, ("CHARGING", timedelta(days=2)), ("OUTOFORDER", timedelta(days=1)), ("AVAILABLE", timedelta(days=4)))
    # The other: recorded for one day only, charging half of it; older time is not counted.
    history(two, ("AVAILABLE", timedelta(hours=12)), ("CHARGING", timedelta(hours=12)))
    with django_assert_num_queries(2):
        chart = analytics.station_availability_chart(location=location, now=NOW)
    recorded = 8 * 24
    expected_utilisation = round(Decimal(100 * (48 + 12)) / recorded, 1)
    expected_availability = round(Decimal(100 * (48 + 96 + 24)) / recorded, 1)
    assert chart.labels == ("Last 7 days", "Last 30 days")
    assert chart.series[0].values == (expected_utilisation, expected_utilisation)
    assert chart.series[1].values == (expected_availability, expected_availability)


def test_a_period_is_clipped_to_the_window() -> None:
    location = make_location()
    history(location.evses.get(), ("CHARGING", timedelta(days=20)), ("AVAILABLE", timedelta(days=3)))
    shares = analytics.location_status_shares(location=location, days=7, now=NOW)
    assert shares.recorded_s == 7 * 86400
    assert shares.utilisation == Decimal("57.1")  # 4 of the 7 days


def test_a_station_without_history_has_no_figures() -> None:
    chart = analytics.station_availability_chart(location=make_location(), now=NOW)
    assert chart.series[0].values == (None, None)
    assert chart.is_empty


def test_the_ranking_shows_the_busiest_then_the_idlest_in_fixed_queries(django_assert_num_queries) -> None:
    stations: list[Location] = []
    for hours_charging in range(12):
        station = make_location(name=f"Busy {hours_charging:02}")
        history(
            station.evses.get(),
            ("CHARGING", timedelta(hours=hours_charging)),
            ("AVAILABLE", timedelta(hours=24 - hours_charging)),
        )
        stations.append(station)
    with django_assert_num_queries(2):
        chart = analytics.station_ranking_chart(now=NOW)
    assert chart.labels == tuple(f"Busy {n:02}, Uppsala" for n in (11, 10, 9, 8, 7, 4, 3, 2, 1, 0))
    assert chart.series[0].values[0] == Decimal("45.8")
    assert chart.series[0].values[-2] == Decimal("4.2")
    assert chart.series[0].values[-1] == Decimal("0.0")  # recorded, never charging


def test_a_short_ranking_lists_each_station_once() -> None:
    for name in ("A", "B", "C"):
        history(make_location(name=name).evses.get(), ("CHARGING", timedelta(hours=1)))
    assert sorted(analytics.station_ranking_chart(now=NOW).labels) == ["A, Uppsala", "B, Uppsala", "C, Uppsala"]


def test_the_ranking_costs_one_query_when_nothing_is_recorded(django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        assert analytics.station_ranking_chart(now=NOW).labels == ()


def test_the_csv_holds_the_charts_exact_figures() -> None:
    location = make_location()
    history(location.evses.get(), ("CHARGING", timedelta(days=1)), ("AVAILABLE", timedelta(days=2)))
    chart = analytics.station_availability_chart(location=location, now=NOW)
    rows = list(csv.reader(io.StringIO(chart.csv_text())))
    assert rows == [
        ["Window", "Utilisation %", "Availability %"],
        ["Last 7 days", "33.3", "100.0"],
        ["Last 30 days", "33.3", "100.0"],
    ]
    assert chart.chart_js_data()["datasets"][0]["data"] == [33.3, 33.3]


def _queries(client: Client, url: str) -> int:
    client.get(url)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_station_page_and_its_csv_cost_the_same_queries_whatever_the_history(ops_client) -> None:
    location = make_location(evses=[evse_data(), evse_data()])
    url = reverse("stations:detail", args=[location.pk])
    few = _queries(ops_client, url)
    for evse in location.evses.all():
        history(evse, *[("CHARGING", timedelta(hours=2)), ("AVAILABLE", timedelta(hours=5))] * 20)
    assert _queries(ops_client, url) == few
    export = ops_client.get(reverse("stations:availability_csv", args=[location.pk]))
    assert export["Content-Type"].startswith("text/csv")
    assert export.content.decode() == analytics.station_availability_chart(location=location).csv_text()
    assert "Last 30 days" in export.content.decode()


def test_the_htmx_status_refresh_computes_no_chart(ops_client) -> None:
    location = make_location()
    response = ops_client.get(reverse("stations:detail", args=[location.pk]), HTTP_HX_REQUEST="true")
    assert "availability_chart" not in response.context


def test_the_dashboard_charts_come_from_the_cache_the_beat_task_fills(ops_client, settings) -> None:
    settings.DASHBOARD_SUMMARY_MAX_AGE = 300
    cache.delete_many([f"{CHARTS_CACHE_KEY}:{language}" for language, _name in settings.LANGUAGES])
    location = make_location(name="First")
    history(location.evses.get(), ("CHARGING", timedelta(hours=1)))
    url = reverse("stations:dashboard")
    keys = [chart.key for chart in ops_client.get(url).context["charts"]]
    assert keys[:2] == ["daily-energy", "station-ranking"]  # ops also see billing's revenue, registered after
    history(make_location(name="Second").evses.get(), ("CHARGING", timedelta(hours=1)))
    ranking = ops_client.get(reverse("stations:dashboard_chart_csv", args=["station-ranking"])).content.decode()
    assert "First" in ranking
    assert "Second" not in ranking  # the cached figures, the same the page drew
    dashboard_charts_refresh_task.delay()
    assert (
        "Second" in ops_client.get(reverse("stations:dashboard_chart_csv", args=["station-ranking"])).content.decode()
    )
    assert ops_client.get(reverse("stations:dashboard_chart_csv", args=["nope"])).status_code == 404


def test_beat_refreshes_the_dashboard_charts(settings) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["chargepoints-dashboard-charts"]
    assert entry == {"task": dashboard_charts_refresh_task.name, "schedule": 120.0}


def test_a_chart_is_shown_only_to_those_who_may_see_its_figures(client) -> None:
    viewer = make_user("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_location"))
    client.force_login(viewer)
    charts = client.get(reverse("stations:dashboard")).context["charts"]
    assert [chart.key for chart in charts] == ["station-ranking"]  # no sessions, no CDRs
    assert client.get(reverse("stations:dashboard_chart_csv", args=["revenue-by-emsp"])).status_code == 404


def test_the_dashboard_costs_the_same_queries_whatever_the_data(ops_client) -> None:
    url = reverse("stations:dashboard")
    history(make_location(name="First").evses.get(), ("CHARGING", timedelta(hours=1)))
    few = _queries(ops_client, url)
    for n in range(12):
        history(make_location(name=f"S{n}").evses.get(), ("AVAILABLE", timedelta(days=n + 1)))
    assert _queries(ops_client, url) == few


def test_the_demo_plays_back_30_days_of_history_once_up_to_the_live_one() -> None:
    evse = make_location().evses.get()
    evse_set_status(evse=evse, status="CHARGING")
    live = EvseStatusPeriod.objects.get(evse=evse)
    assert seed_status_history("http://testserver")
    played = list(EvseStatusPeriod.objects.filter(evse=evse).exclude(pk=live.pk).order_by("since"))
    assert played[0].since <= live.since - timedelta(days=DEMO_HISTORY_DAYS - 1)
    assert played[-1].until == live.since
    assert all(a.until == b.since for a, b in itertools.pairwise([*played, live]))
    assert seed_status_history("http://testserver") == []  # a second run adds nothing
    assert EvseStatusPeriod.objects.filter(evse=evse).count() == len(played) + 1


def test_chart_pages_load_the_vendored_chart_js_and_nothing_from_another_host(ops_client) -> None:
    location = make_location()
    history(location.evses.get(), ("CHARGING", timedelta(hours=1)))
    for url in (reverse("stations:dashboard"), reverse("stations:detail", args=[location.pk])):
        html = ops_client.get(url).content.decode()
        assert "/static/vendor/chartjs/chart.umd.min.js" in html
        assert foreign_assets(html) == []


def test_the_session_curve_steps_through_its_periods_without_a_query(django_assert_num_queries) -> None:
    session = start(station(), at=T0)
    ChargingPeriod.objects.filter(session=session).delete()
    half_hour = timedelta(minutes=30)
    for index, (kwh, parking) in enumerate((("5", False), ("3", False), ("0", True))):
        begin = T0 + index * half_hour
        ChargingPeriod.objects.create(
            session=session, start_date_time=begin, end_date_time=begin + half_hour, energy_kwh=kwh, parking=parking
        )
    session = session_get(pk=session.pk)
    with django_assert_num_queries(0):
        chart = analytics.session_power_chart(session=session)
    assert chart.labels == ("09:00:00", "09:30:00", "09:30:00", "10:00:00", "10:00:00", "10:30:00")  # Stockholm time
    assert chart.series[0].values == tuple(Decimal(v) for v in ("10.00", "10.00", "6.00", "6.00", "0.00", "0.00"))
    assert chart.series[1].values == tuple(Decimal(v) for v in ("0.000", "5.000", "5.000", "8.000", "8.000", "8.000"))
