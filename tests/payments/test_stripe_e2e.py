"""The Stripe payment page on a phone (390 px, Debian's chromium), with the fake Stripe.js that localstripe serves
(on loopback, started here) in place of js.stripe.com (``PAYMENTS_STRIPE_JS_URL``, for this test only).

What localstripe's Stripe.js can and cannot do: its Card Element is a row of plain inputs and its
``confirmCardPayment`` sends no card: it only completes a 3-D Secure step on a PaymentIntent that already has one
(``/_authenticate``), and it reports success even when the driver fails the authentication. So, when the page asks
our server for the hold, the test gives that PaymentIntent a 3-D Secure test card over the API (what real Stripe.js
does with the card typed in); the page's own script, our confirm endpoint and our check with Stripe run unchanged.
"""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Route

from payments.models import AdHocPayment, PaymentEvent, PaymentState
from tests.a11y import axe_violations, describe

from .localstripe_server import localstripe
from .support import ad_hoc_station
from .test_stripe_browser_hold import confirm_as_stripe_js, stripe_configured

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
THREE_D_SECURE_CARD = "4000002760003184"


@pytest.fixture
def stripe_page(settings):
    with localstripe() as url:
        yield stripe_configured(settings, url)


def card_typed_in(gateway):
    """The hold request passes through; its PaymentIntent then gets the card the driver typed (see the docstring)."""

    def handle(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()  # the page itself comes from the server (a fulfilled page has no address space)
            return
        response = route.fetch()
        if response.ok:
            secret = json.loads(response.text())["client_secret"]
            confirm_as_stripe_js(gateway, secret.split("_secret_")[0], THREE_D_SECURE_CARD)
        route.fulfill(response=response)

    return handle


def type_card(page) -> None:
    for field, value in (("number", "4242424242424242"), ("exp_month", "12"), ("exp_year", "30"), ("cvc", "123")):
        page.fill(f"#card-element input[placeholder={field}]", value)


def test_a_driver_pays_with_stripe_js_and_the_session_starts_once_stripe_holds_the_amount(
    live_server, page, stripe_page
):
    evse = ad_hoc_station()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.route(f"**/pay/{evse.evse_id}/", card_typed_in(stripe_page))

    page.goto(f"{live_server.url}/pay/{evse.evse_id}/")
    page.wait_for_selector("#card-element input[placeholder=number]")  # Stripe.js loaded, under the page's policy
    assert "Demo payments" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "pay_stripe_390.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / "pay_stripe_1440.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})

    type_card(page)
    page.check("input[name=agree]")
    page.click("main button[type=submit]")
    page.click("text=Complete authentication")  # localstripe's 3-D Secure dialog
    page.wait_for_url("**/pay/p/**")
    assert "Stop charging" in page.content()
    payment = AdHocPayment.objects.get()
    assert (payment.state, payment.gateway) == (PaymentState.HELD, "stripe")
    assert stripe_page.client.v1.payment_intents.retrieve(payment.provider_reference).status == "requires_capture"
    assert payment.session is not None
    page.screenshot(path=str(SCREENSHOTS / "pay_stripe_charging_390.png"), full_page=True)
    assert not [line for line in console if "Content Security Policy" in line]


def test_a_failed_authentication_the_browser_calls_success_starts_nothing(live_server, page, stripe_page):
    evse = ad_hoc_station()
    page.set_viewport_size({"width": 390, "height": 844})
    page.route(f"**/pay/{evse.evse_id}/", card_typed_in(stripe_page))
    page.goto(f"{live_server.url}/pay/{evse.evse_id}/")
    page.wait_for_selector("#card-element input[placeholder=number]")
    type_card(page)
    page.check("input[name=agree]")
    page.click("main button[type=submit]")
    page.click("text=Fail authentication")  # localstripe's Stripe.js still answers with no error
    page.wait_for_selector("text=The card payment did not go through")
    payment = AdHocPayment.objects.get()
    assert payment.state == PaymentState.PENDING
    assert payment.session is None
    assert not payment.events.filter(kind=PaymentEvent.Kind.HOLD).exists()
    assert describe(axe_violations(page)) == []
    page.screenshot(path=str(SCREENSHOTS / "pay_stripe_refused_390.png"), full_page=True)
