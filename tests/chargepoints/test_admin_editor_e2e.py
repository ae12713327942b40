"""The station editor in a real browser: an operator adds a photo and ticks facilities, edits a connector within its
EVSE, and the page fits the window at desktop and phone widths."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, expect

from chargepoints.models import Location
from tests.a11y import axe_violations, describe
from tests.browser import log_in
from tests.factories import connector_data, evse_data, make_location, make_user

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "admin-editor"


@pytest.mark.e2e
def test_operator_edits_a_station_with_rows_checkboxes_and_connectors(live_server, browser: Browser) -> None:
    make_user("admin", is_staff=True, is_superuser=True)
    location = make_location(
        evses=[evse_data(connectors=[connector_data(), connector_data(connector_id="2")]), evse_data()]
    )
    url = f"{live_server.url}{reverse('admin:chargepoints_location_change', args=[location.pk])}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1440, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        log_in(page, f"{live_server.url}{reverse('stations:dashboard')}", "admin")
        page.goto(url)
        # Nothing is wider than the window but the tables that scroll inside their own box.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{width}px: the page is {overflow}px wider than the window"
        assert describe(axe_violations(page)) == []
        page.screenshot(path=str(SCREENSHOTS / f"location-{width}.png"), full_page=True)
        context.close()

    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log_in(page, f"{live_server.url}{reverse('stations:dashboard')}", "admin")
    page.goto(url)
    page.get_by_label("Cafe", exact=True).check()
    page.get_by_label("Wifi", exact=True).check()
    images = page.locator(".rows-widget").filter(has=page.locator("[name^='images-']")).first
    images.get_by_role("button", name="Add a row").click()
    page.get_by_label("URL, Images, row 2", exact=True).fill("https://cpo.example/second.jpg")
    page.get_by_label("URL, Images, row 1", exact=True).fill("https://cpo.example/first.jpg")
    page.get_by_label("Category, Images, row 1", exact=True).select_option("ENTRANCE")
    page.get_by_label("Type (jpeg, png …), Images, row 1", exact=True).fill("jpeg")
    page.get_by_label("Category, Images, row 2", exact=True).select_option("LOCATION")
    page.get_by_label("Type (jpeg, png …), Images, row 2", exact=True).fill("jpeg")
    page.locator("[name='evses-0-connectors-1-max_amperage']").fill("16")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    context.close()

    location = Location.objects.get(pk=location.pk)
    assert location.facilities == ["CAFE", "WIFI"]
    assert [image["url"] for image in location.images] == [
        "https://cpo.example/first.jpg",
        "https://cpo.example/second.jpg",
    ]
    assert location.evses.order_by("pk").first().connectors.get(connector_id="2").max_amperage == 16  # type: ignore[union-attr]
