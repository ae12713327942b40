"""The data-quality page: imported repairs and derived values, filterable by rule, confirmed or fixed by staff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chargepoints.importers import get_parser
from chargepoints.importers.runner import import_records
from chargepoints.models import LocationRepair
from tests.browser import log_in
from tests.chargepoints.feeds import operator_feed
from tests.factories import operations_user

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
URL = "/stations/data-quality/"


def _import(feed: str, count: int) -> None:
    parser = get_parser("ocpi")
    import_records(parser=parser, records=parser.split(json.dumps(operator_feed(feed, count)).encode()))


def _client() -> Client:
    client = Client()
    client.force_login(operations_user())
    return client


@pytest.mark.django_db
def test_filter_by_rule_and_derived_link_to_the_station_and_constant_queries():
    _import("nl", 12)
    client = _client()
    page = client.get(URL, {"rule": "voltage.derived"})
    assert page.status_code == 200
    text = page.content.decode()
    repair = LocationRepair.objects.filter(rule="voltage.derived").first()
    assert repair is not None
    assert f'href="/stations/{repair.location_id}/"' in text
    # The rule filter lists every rule with a count.
    assert "voltage.derived (" in text
    assert "power.kw (" in text
    assert text.count("<tr>") - 1 == LocationRepair.objects.filter(rule="voltage.derived").count()
    derived = client.get(URL, {"derived": "1"}).context["page"]
    assert all(r.derived for r in derived)

    with CaptureQueriesContext(connection) as small:
        client.get(URL)
    _import("fr", 40)
    with CaptureQueriesContext(connection) as large:
        client.get(URL)
    assert len(large) == len(small)


@pytest.mark.django_db
def test_staff_confirm_a_value_and_it_leaves_the_open_list():
    _import("se", 3)
    client = _client()
    repair = LocationRepair.objects.filter(rule="time_zone.derived").first()
    assert repair is not None
    response = client.post(f"/stations/repairs/{repair.pk}/resolve/", {"status": "confirmed", "next": URL})
    assert response.status_code == 302
    assert response["Location"] == URL
    repair.refresh_from_db()
    assert (repair.status, repair.resolved_by) == ("confirmed", "ops")
    assert repair not in client.get(URL).context["page"].object_list
    station = client.get(f"/stations/{repair.location_id}/").content.decode()
    assert "Imported values to check" in station
    assert client.post(f"/stations/repairs/{repair.pk}/resolve/", {"status": "bogus"}).status_code == 302
    repair.refresh_from_db()
    assert repair.status == "confirmed"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1440, 390])
def test_data_quality_page_in_a_browser(live_server, page, width):
    operations_user()
    _import("nl", 6)
    _import("fr", 4)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, f"{live_server.url}{URL}", "ops")
    assert page.locator("table tbody tr").count() == min(50, LocationRepair.objects.count())  # 50 a page
    page.select_option("select[name=rule]", "city.missing")
    page.click("text=Filter")
    page.wait_for_url("**rule=city.missing**")
    rows = page.locator("table tbody tr")
    assert rows.count() == LocationRepair.objects.filter(rule="city.missing").count()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"data_quality_{width}.png"), full_page=True)
    rows.first.locator("text=Confirm").click()
    page.wait_for_selector(".alert")
    assert rows.count() == LocationRepair.objects.filter(rule="city.missing", status="open").count()
