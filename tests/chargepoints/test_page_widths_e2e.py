"""Pages fit a phone: at 390 px nothing makes the page wider than the screen (tables scroll or stack in place).

Screenshots at 1440 px and 390 px go to var/screenshots for a person to look at."""

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from billing.models import Invoice, InvoiceRun
from billing.services.invoice_runs import invoice_run
from tests.billing.invoice_builders import STANDARD, cdr_at, charger, profile, standard_tariffs, utc
from tests.browser import log_in
from tests.factories import connector_data, evse_data, make_location, make_partner, make_user, operations_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE, DESKTOP = 390, 1440


def _page_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_station_list_station_page_and_error_pages_fit_a_phone(live_server, page):
    operations_user()
    location = make_location(
        name="Berlin Pariser Platz",
        address="Pariser Str. 37",
        city="Berlin",
        country="DEU",
        time_zone="Europe/Berlin",
        evses=[
            evse_data(
                evse_id=f"DE*CPO*E{n}",
                connectors=[
                    connector_data(standard="IEC_62196_T2_COMBO", format="CABLE", power_type="DC", max_voltage=920,
                                   max_amperage=500),
                    connector_data(connector_id="2", standard="IEC_62196_T2", format="SOCKET", power_type="AC_3_PHASE"),
                ],
            )
            for n in range(2)
        ],
    )  # fmt: skip
    make_location(name="", address="Pariser Str. 37", city="Berlin", country="DEU", time_zone="Europe/Berlin")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    log_in(page, f"{live_server.url}/stations/", "ops")
    pages = {
        "station_list": "/stations/?sort=city",
        "station_detail": f"/stations/{location.pk}/",
        "error_403": "/finance/invoices/",
        "error_404": "/stations/999999/",
    }
    for width in (DESKTOP, PHONE):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in pages.items():
            page.goto(f"{live_server.url}{path}")
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
            # (The station list's wide table scrolls inside its card: the page itself stays the screen's width.)
            assert _page_width(page) <= width, f"{name} is {_page_width(page)} px wide at {width} px"
    page.goto(f"{live_server.url}/stations/{location.pk}/")
    assert "460 kW" in page.locator("#evse-panel").inner_text()  # the stacked connector still shows its power


def test_invoice_cdr_and_partner_pages_show_labelled_times_and_fit_a_phone(live_server, page):
    standard_tariffs()
    evse = charger(STANDARD, name="Uppsala Resecentrum", city="Uppsala")
    cdr = cdr_at(utc(2026, 2, 2, 8, 45), evse=evse)
    profile(("NL", "EMP"))
    invoice_run(trigger=InvoiceRun.Trigger.COMMAND, now=utc(2026, 3, 2))
    invoice = Invoice.objects.get()
    partner, _ = make_partner()
    type(partner).objects.filter(pk=partner.pk).update(last_success_at=timezone.now(), last_seen_at=timezone.now())
    make_user("root", is_staff=True, is_superuser=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    log_in(page, f"{live_server.url}/finance/invoices/{invoice.pk}/", "root")
    pages = {
        "invoice_detail": f"/finance/invoices/{invoice.pk}/",
        "cdr_detail": f"/finance/cdrs/{cdr.pk}/",
        "partner_detail": f"/partners/{partner.pk}/",
    }
    for width in (DESKTOP, PHONE):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in pages.items():
            page.goto(f"{live_server.url}{path}")
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
            assert _page_width(page) <= width, f"{name} is {_page_width(page)} px wide at {width} px"
    page.goto(f"{live_server.url}/finance/invoices/{invoice.pk}/")
    assert "2026-02-02 09:45 CET" in page.locator("main").inner_text()
