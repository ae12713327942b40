"""The Stripe payment page's hold: we prepare a manual-capture PaymentIntent, the driver's browser confirms it with
the card (Stripe.js), and we ask Stripe (localstripe on loopback, over real HTTP) whether it is held before anything
starts. The browser's word is never enough.

localstripe's API confirms a PaymentIntent only once it has a card (its ``/confirm`` takes no ``payment_method``), so
``confirm_as_stripe_js`` gives the intent the card and confirms it: what Stripe.js does with the card typed in.
"""

import pytest
from django.core.exceptions import ValidationError

from chargepoints.models import ChargingSession
from payments.gateways.stripe_gateway import StripeGateway
from payments.models import PaymentEvent, PaymentState
from payments.services import payment_confirm_hold, payment_prepare
from tests.chargepoints.sessions_support import T0

from .localstripe_server import localstripe
from .support import ad_hoc_station

SECRET = "sk_test_loopback"
PUBLISHABLE = "pk_test_loopback"
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def stripe_api():
    with localstripe() as url:
        yield url


def stripe_configured(settings, url: str) -> StripeGateway:
    """The portal on the Stripe gateway, its API and its Stripe.js at the localstripe ``url``; the same gateway."""
    settings.PAYMENTS_GATEWAY = "stripe"
    settings.PAYMENTS_STRIPE_SECRET_KEY, settings.PAYMENTS_STRIPE_PUBLISHABLE_KEY = SECRET, PUBLISHABLE
    settings.PAYMENTS_STRIPE_WEBHOOK_SECRET = "whsec_test"
    settings.PAYMENTS_STRIPE_API_BASE = url
    settings.PAYMENTS_STRIPE_JS_URL = f"{url}/js.stripe.com/v3/"
    return StripeGateway(secret_key=SECRET, webhook_secret="whsec_test", api_base=url)


@pytest.fixture
def gateway(settings, stripe_api) -> StripeGateway:
    return stripe_configured(settings, stripe_api)


def confirm_as_stripe_js(gateway: StripeGateway, provider_reference: str, number: str = "4242424242424242") -> None:
    method = gateway.client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )
    gateway.client.v1.payment_intents.update(provider_reference, params={"payment_method": method.id})
    gateway.client.v1.payment_intents.confirm(provider_reference)


def test_the_session_starts_once_stripe_says_the_hold_is_there(gateway, django_capture_on_commit_callbacks):
    payment, client_secret = payment_prepare(evse=ad_hoc_station(), email="driver@example.org", now=T0)
    assert client_secret.startswith(f"{payment.provider_reference}_secret_")
    intent = gateway.client.v1.payment_intents.retrieve(payment.provider_reference)
    assert (intent.status, intent.amount, intent.capture_method) == ("requires_payment_method", 50000, "manual")
    assert intent.metadata["reference"] == payment.reference

    with pytest.raises(ValidationError, match="requires_payment_method"):
        payment_confirm_hold(payment=payment, now=T0)  # the browser says done; Stripe holds nothing
    payment.refresh_from_db()
    assert (payment.state, payment.session) == (PaymentState.PENDING, None)
    assert (
        payment.events.values_list("detail", flat=True).last()
        == "hold not confirmed: The card payment is requires_payment_method."
    )

    confirm_as_stripe_js(gateway, payment.provider_reference)
    with django_capture_on_commit_callbacks(execute=True):
        payment = payment_confirm_hold(payment=payment, now=T0)
    assert payment.state == PaymentState.HELD
    assert payment.session is not None
    assert payment.session.token_type == "AD_HOC_USER"

    payment_confirm_hold(payment=payment, now=T0)  # the page's confirmation sent again
    assert ChargingSession.objects.count() == 1
    assert payment.events.filter(kind=PaymentEvent.Kind.HOLD).count() == 1


def test_a_held_card_payment_that_is_not_this_payments_is_refused(gateway):
    payment, _secret = payment_prepare(evse=ad_hoc_station(), now=T0)
    other = gateway.client.v1.payment_intents.create(
        params={"amount": 100, "currency": "sek", "capture_method": "manual", "metadata": {"reference": "AHOTHER"}}
    )
    confirm_as_stripe_js(gateway, other.id)
    assert gateway.client.v1.payment_intents.retrieve(other.id).status == "requires_capture"
    payment.provider_reference = other.id
    payment.save()
    with pytest.raises(ValidationError, match="not this payment's"):
        payment_confirm_hold(payment=payment, now=T0)
    payment.refresh_from_db()
    assert payment.state == PaymentState.PENDING


def test_the_stripe_page_loads_stripe_js_under_its_policy_and_prepares_the_hold(client, gateway, stripe_api):
    evse = ad_hoc_station()
    page = client.get(f"/pay/{evse.evse_id}/")
    html = page.content.decode()
    assert f'<script src="{stripe_api}/js.stripe.com/v3/"></script>' in html
    assert 'name="card_number"' not in html  # the card is typed into Stripe's form only
    assert f'data-publishable-key="{PUBLISHABLE}"' in html
    policy = page["Content-Security-Policy"]
    assert f"script-src 'self' {stripe_api};" in policy
    assert f"connect-src 'self' {stripe_api};" in policy

    refused = client.post(f"/pay/{evse.evse_id}/", {"email": ""}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400
    assert "I accept the price shown above" in refused.json()["error"]

    answer = client.post(f"/pay/{evse.evse_id}/", {"agree": "on"}, HTTP_ACCEPT="application/json").json()
    reference = answer["confirm_url"].split("/")[3]
    assert answer["client_secret"].startswith("pi_")
    unconfirmed = client.post(answer["confirm_url"], follow=True)
    assert unconfirmed.redirect_chain[-1][0] == f"/pay/{evse.evse_id}/"
    assert "The card payment did not go through" in unconfirmed.content.decode()
    assert PaymentEvent.objects.filter(payment__reference=reference, kind=PaymentEvent.Kind.HOLD).count() == 0


def test_the_demo_page_has_no_policy_of_its_own_and_no_stripe(client, settings):
    settings.PAYMENTS_GATEWAY = "demo"
    page = client.get(f"/pay/{ad_hoc_station().evse_id}/")
    assert "Content-Security-Policy" not in page
    assert "stripe" not in page.content.decode().lower()
