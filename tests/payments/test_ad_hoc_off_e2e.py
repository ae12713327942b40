"""In a browser (Debian's chromium via Playwright): operations staff take an EVSE off ad hoc payment, after a
confirmation, and the driver's page then says it takes no cards; finance sees why a stranded hold was released; the
admin's EVSE editor links to the ad hoc page. Screenshots at 1440 and 390 px in var/screenshots."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from payments.catalogue import evse_enable_ad_hoc
from payments.gateways.demo import DemoGateway
from payments.models import AdHocPayment, PaymentState
from payments.stranded import payments_release_stranded
from tests.a11y import axe_violations, describe
from tests.browser import log_in
from tests.factories import finance_user, operations_user

from .support import CARD, ad_hoc_station

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTHS = {1440: 900, 390: 844}


def shoot(page, name: str) -> None:
    """The page at both widths, with no sideways scrolling and no accessibility violations."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways at {width}"
        page.screenshot(path=str(SCREENSHOTS / f"{name}_{width}.png"), full_page=True)
    assert describe(axe_violations(page)) == []


def test_operations_takes_an_evse_off_ad_hoc_payment_after_confirming(live_server, page):
    evse = evse_enable_ad_hoc(evse=ad_hoc_station(), tariff_id="T-ADHOC", terminal=True)
    operations_user()
    log_in(page, f"{live_server.url}/finance/payments/evse/{evse.evse_id}/", "ops")
    shoot(page, "evse_ad_hoc_on")

    button = page.locator("#ad-hoc-off button[type=submit]")
    page.once("dialog", lambda dialog: dialog.dismiss())
    button.click()
    evse.refresh_from_db()
    assert "CREDIT_CARD_PAYABLE" in evse.capabilities  # the driver's page is left alone when staff say no

    questions: list[str] = []

    def accept(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    button.click()
    page.wait_for_selector(f"text={evse.evse_id} no longer takes ad hoc payment.")
    assert questions == [f"Take {evse.evse_id} off ad hoc payment? Drivers can then no longer pay by card here."]
    evse.refresh_from_db()
    assert evse.capabilities == ["RFID_READER"]
    assert page.locator("#ad-hoc-off").count() == 0
    shoot(page, "evse_ad_hoc_off")

    page.goto(f"{live_server.url}/pay/{evse.evse_id}/")
    assert "This charger does not take card payments." in page.content()
    shoot(page, "pay_page_off")

    page.goto(f"{live_server.url}{reverse('admin:chargepoints_evse_change', args=[evse.pk])}")
    link = page.locator(f"a[href='/finance/payments/evse/{evse.evse_id}/']")
    assert link.inner_text() == f"Ad hoc payment · {evse.evse_id}"
    for width, height in WIDTHS.items():  # the admin's own layout; its width is Django's
        page.set_viewport_size({"width": width, "height": height})
        link.evaluate("element => element.scrollIntoView({block: 'center'})")
        page.screenshot(path=str(SCREENSHOTS / f"admin_evse_ad_hoc_{width}.png"))


def test_finance_sees_why_a_stranded_hold_was_released(live_server, page):
    evse = ad_hoc_station()
    hold = DemoGateway().hold(amount=Decimal("500.00"), currency="SEK", reference="AHSTRANDED", payment_method=CARD)
    payment = AdHocPayment.objects.create(
        reference="AHSTRANDED",
        evse=evse,
        connector_id="1",
        gateway="demo",
        provider_reference=hold.provider_reference,
        currency="SEK",
        tariff_id="T-ADHOC",
        tariff_snapshot={},
        hold_amount=Decimal("500.00"),
        state=PaymentState.HELD,  # held, and no session ever started
    )
    assert payments_release_stranded(now=timezone.now() + timedelta(minutes=16)) == 1
    finance_user()
    log_in(page, f"{live_server.url}/finance/payments/", "finance")
    row = page.locator("tr", has_text=payment.reference)
    assert "Released" in row.inner_text()
    assert "No session started within 15 minutes of the hold" in row.inner_text()
    shoot(page, "payments_released")
