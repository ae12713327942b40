"""A driver's phone (390 px, Debian's chromium via Playwright): scan the sticker (open the page), read the price,
pay on the demo gateway, charge (the simulator plays the car), stop, and get the receipt and its PDF."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from chargepoints.simulator import ChargerSimulator
from payments.models import AdHocPayment, PaymentState
from tests.a11y import axe_violations, describe
from tests.chargepoints.sessions_support import component
from tests.conftest import SQLITE_SERIAL

from .support import ad_hoc_station

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_a_driver_pays_charges_and_gets_the_receipt_on_a_phone(live_server, page):
    evse = ad_hoc_station(
        components=[component("ENERGY", "3.00"), component("FLAT", "5.00"), component("PARKING_TIME", "6.00")]
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/pay/{evse.evse_id}/")
    price = page.locator("#price-heading").locator("xpath=..")
    assert "3.75 SEK per kWh" in price.inner_text()
    assert "6.25 SEK per session" in price.inner_text()
    assert "Demo payments" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"
    assert describe(axe_violations(page)) == []
    page.screenshot(path=str(SCREENSHOTS / "pay_page_390.png"), full_page=True)

    page.fill("input[name=email]", "driver@example.org")
    page.check("input[name=agree]")
    page.click("main button[type=submit]")
    page.wait_for_url("**/pay/p/**")
    assert "Stop charging" in page.content()
    payment = AdHocPayment.objects.get()
    assert payment.state == PaymentState.HELD

    with SQLITE_SERIAL:  # the car draws 11 kW for 30 minutes (the charger reports on its own clock)
        assert payment.session is not None
        ChargerSimulator(evse=evse).charge(session=payment.session, minutes=30, kw=Decimal(11))
    page.reload()
    assert "5.50 kWh" in page.content()
    page.screenshot(path=str(SCREENSHOTS / "pay_charging_390.png"), full_page=True)

    page.click("text=Stop charging")
    page.wait_for_selector("text=Your receipt")
    payment.refresh_from_db()
    assert payment.state == PaymentState.CAPTURED
    assert payment.captured_amount == Decimal("26.88")  # 5.5 kWh × 3.75 + 6.25 = 26.875
    page.screenshot(path=str(SCREENSHOTS / "pay_done_390.png"), full_page=True)

    page.click("text=Your receipt")
    assert payment.receipt.number in page.content()
    assert "26.88 SEK" in page.content()
    assert describe(axe_violations(page)) == []
    page.screenshot(path=str(SCREENSHOTS / "pay_receipt_390.png"), full_page=True)

    response = page.request.get(f"{live_server.url}/pay/p/{payment.reference}/receipt/?format=pdf")
    assert response.headers["content-type"] == "application/pdf"
    (SCREENSHOTS / "receipt.pdf").write_bytes(response.body())
    text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
    assert payment.receipt.number in text
    assert "26.88" in text


def test_finance_refunds_part_of_a_payment_from_the_list(live_server, page):
    from django.db import transaction

    from payments.services import payment_begin
    from tests.browser import log_in
    from tests.chargepoints.sessions_support import T0
    from tests.factories import finance_user

    from .support import CARD, charge, stop

    finance_user()
    with SQLITE_SERIAL, transaction.atomic():
        payment = payment_begin(evse=ad_hoc_station(), payment_method=CARD, now=T0)
        assert payment.session is not None
        charge(payment.session, minutes=30, kwh="10")
    with SQLITE_SERIAL:
        stop(payment.session, minutes=31)
    payment.refresh_from_db()
    assert payment.state == PaymentState.CAPTURED

    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, f"{live_server.url}/finance/payments/", "finance")
    row = page.locator("tr", has_text=payment.reference)
    assert "Captured" in row.inner_text()
    row.locator("input[name=amount]").fill("13.75")
    row.locator("button", has_text="Refund").click()
    page.wait_for_selector("text=Refunded 13.75 SEK")
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("13.75")
    assert payment.state == PaymentState.CAPTURED
    totals = page.locator("table", has_text="Reconciled").inner_text()
    assert "30.00" in totals  # 43.75 captured less 13.75 refunded, ours and the provider's
    assert "yes" in totals
    assert describe(axe_violations(page)) == []
    page.screenshot(path=str(SCREENSHOTS / "payments_staff_1440.png"), full_page=True)
