"""A real browser (Debian's chromium, driven by Playwright) logs in, filters the station list and opens a station."""

import re
from pathlib import Path

import pytest

from tests.browser import log_in
from tests.factories import connector_data, evse_data, make_location, operations_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_staff_logs_in_filters_and_opens_a_station(live_server, page):
    operations_user()
    make_location(name="Uppsala Resecentrum", city="Uppsala")
    make_location(
        name="Köln Schnellladepark",
        city="Köln",
        country="DEU",
        time_zone="Europe/Berlin",
        latitude="50.937531",
        longitude="6.960279",
        evses=[
            evse_data(
                evse_id="SE*CPO*E9001",
                capabilities=["CREDIT_CARD_PAYABLE"],
                connectors=[
                    connector_data(
                        standard="IEC_62196_T2_COMBO",
                        format="CABLE",
                        power_type="DC",
                        max_voltage=500,
                        max_amperage=300,
                    )
                ],
            )
        ],
    )

    log_in(page, f"{live_server.url}/stations/", "ops")
    assert page.locator("table.table-stations tbody tr").count() == 2

    page.select_option("select[name=connector]", "IEC_62196_T2_COMBO")
    page.fill("input[name=min_power_kw]", "50")
    page.click("text=Apply filters")
    page.wait_for_url(re.compile(r"connector=IEC_62196_T2_COMBO"))
    rows = page.locator("table.table-stations tbody tr")
    assert rows.count() == 1
    assert "Köln Schnellladepark" in rows.first.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "station_list.png"), full_page=True)

    page.click("text=Köln Schnellladepark")
    page.wait_for_url(re.compile(r"/stations/\d+/$"))
    assert page.locator("h1").inner_text() == "Köln Schnellladepark"
    assert "SE*CPO*E9001" in page.locator("#evse-panel").inner_text()
    assert "150 kW" in page.locator("#evse-panel").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "station_detail.png"), full_page=True)
