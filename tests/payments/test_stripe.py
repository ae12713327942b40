"""The Stripe adapter over real HTTP: localstripe on loopback for the API, signed webhooks to our endpoint.

localstripe models manual capture, so nothing here needs recorded responses: hold = PaymentIntent with
capture_method=manual confirmed with a card (status requires_capture), capture of less than the hold, cancel, refunds.
"""

import hashlib
import hmac
import json
import time
from decimal import Decimal
from typing import Any

import pytest
import stripe

from payments.gateways.base import ProviderEventKind, WebhookSignatureError
from payments.gateways.stripe_gateway import StripeGateway
from payments.models import AdHocPayment, PaymentEvent, PaymentState
from payments.services import payment_begin
from tests.chargepoints.sessions_support import T0

from .localstripe_server import localstripe
from .support import ad_hoc_station, charge, stop

SECRET = "sk_test_loopback"
WHSEC = "whsec_test_secret"


@pytest.fixture(scope="module")
def stripe_api():
    with localstripe() as url:
        yield url


@pytest.fixture
def gateway(stripe_api):
    return StripeGateway(secret_key=SECRET, webhook_secret=WHSEC, api_base=stripe_api)


def card(gateway, number="4242424242424242") -> str:
    method = gateway.client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )
    return str(method.id)


def intent(gateway, reference):
    return gateway.client.v1.payment_intents.retrieve(reference)


def kept(gateway, reference) -> int:
    """What localstripe kept of the hold, in öre. It models a partial capture as capturing the whole hold and
    refunding the rest at once, and has no ``amount_received``: so we read its charge (amount less refunded)."""
    charge = intent(gateway, reference).latest_charge  # localstripe returns it expanded
    return int(charge["amount"]) - int(charge["amount_refunded"])


def test_hold_capture_less_than_the_hold_and_refund_in_part(gateway):
    hold = gateway.hold(amount=Decimal("500.00"), currency="SEK", reference="AHTEST1", payment_method=card(gateway))
    assert hold.held
    assert hold.provider_reference.startswith("pi_")
    held = intent(gateway, hold.provider_reference)
    assert (held.status, held.amount, held.capture_method) == ("requires_capture", 50000, "manual")

    gateway.capture(
        provider_reference=hold.provider_reference, amount=Decimal("43.75"), currency="SEK", idempotency_key="c1"
    )
    assert intent(gateway, hold.provider_reference).status == "succeeded"
    assert kept(gateway, hold.provider_reference) == 4375

    gateway.refund(
        provider_reference=hold.provider_reference, amount=Decimal("10.00"), currency="SEK", idempotency_key="r1"
    )
    assert kept(gateway, hold.provider_reference) == 3375


def test_cancel_releases_the_hold_and_a_retried_cancel_is_fine(gateway):
    hold = gateway.hold(amount=Decimal("50.00"), currency="EUR", reference="AHTEST2", payment_method=card(gateway))
    gateway.cancel(provider_reference=hold.provider_reference, idempotency_key="x1")
    assert intent(gateway, hold.provider_reference).status == "canceled"
    gateway.cancel(
        provider_reference=hold.provider_reference, idempotency_key="x2"
    )  # Stripe answers 400; it is released


def test_a_declined_card_is_no_hold(gateway):
    hold = gateway.hold(
        amount=Decimal("50.00"),
        currency="EUR",
        reference="AHTEST3",
        payment_method=card(gateway, "4000000000000341"),  # Stripe: attaches, then declines
    )
    assert not hold.held
    assert hold.message


@pytest.mark.django_db
def test_the_whole_flow_on_stripe(gateway, settings, stripe_api, django_capture_on_commit_callbacks):
    settings.PAYMENTS_GATEWAY = "stripe"
    settings.PAYMENTS_STRIPE_SECRET_KEY, settings.PAYMENTS_STRIPE_WEBHOOK_SECRET = SECRET, WHSEC
    settings.PAYMENTS_STRIPE_API_BASE = stripe_api
    with django_capture_on_commit_callbacks(execute=True):
        payment = payment_begin(evse=ad_hoc_station(), payment_method=card(gateway), now=T0)
    assert payment.state == PaymentState.HELD
    assert payment.gateway == "stripe"
    assert payment.session is not None
    with django_capture_on_commit_callbacks(execute=True):
        charge(payment.session, minutes=30, kwh="10")
    with django_capture_on_commit_callbacks(execute=True):
        stop(payment.session, minutes=31)
    payment.refresh_from_db()
    assert payment.state == PaymentState.CAPTURED
    assert payment.captured_amount == Decimal("43.75")
    assert kept(gateway, payment.provider_reference) == 4375


# --- Webhooks ---------------------------------------------------------------------------------------------------------


def signed(payload: dict[str, Any], secret: str = WHSEC, at: int | None = None) -> tuple[bytes, str]:
    """A body and its Stripe-Signature header, made the way Stripe documents it (HMAC-SHA256 of "t.body")."""
    body = json.dumps(payload).encode()
    stamp = at or int(time.time())
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={stamp},v1={mac}"


def event(event_id: str, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "object": "event", "type": kind, "data": {"object": obj}, "api_version": "2024-06-20"}


@pytest.fixture
def held_payment(db, settings):
    settings.PAYMENTS_GATEWAY = "stripe"
    settings.PAYMENTS_STRIPE_SECRET_KEY, settings.PAYMENTS_STRIPE_WEBHOOK_SECRET = SECRET, WHSEC
    evse = ad_hoc_station()
    return AdHocPayment.objects.create(
        evse=evse,
        connector_id="1",
        gateway="stripe",
        provider_reference="pi_hook1",
        currency="SEK",
        tariff_id="T-ADHOC",
        tariff_snapshot={},
        hold_amount=Decimal("500.00"),
        state=PaymentState.PENDING,
    )


def post(client, body: bytes, signature: str):
    return client.post(
        "/pay/webhooks/stripe/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


def test_a_signed_webhook_moves_the_payment_once_and_a_replay_changes_nothing(client, held_payment):
    body, signature = signed(
        event("evt_1", "payment_intent.amount_capturable_updated", {"id": "pi_hook1", "object": "payment_intent"})
    )
    assert post(client, body, signature).status_code == 200
    held_payment.refresh_from_db()
    assert held_payment.state == PaymentState.HELD
    events = PaymentEvent.objects.count()

    assert post(client, body, signature).status_code == 200  # Stripe delivers again
    held_payment.refresh_from_db()
    assert held_payment.state == PaymentState.HELD
    assert PaymentEvent.objects.count() == events


def test_refund_webhook_records_the_refunded_total(client, held_payment):
    held_payment.state, held_payment.captured_amount = PaymentState.CAPTURED, Decimal("43.75")
    held_payment.save()
    charge_object = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_hook1",
        "amount_refunded": 1000,
        "currency": "sek",
    }
    body, signature = signed(event("evt_r1", "charge.refunded", charge_object))
    assert post(client, body, signature).status_code == 200
    held_payment.refresh_from_db()
    assert held_payment.refunded_amount == Decimal("10.00")
    assert held_payment.state == PaymentState.CAPTURED


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "changed body", "no header", "too old"],
)
def test_a_bad_signature_is_400_and_changes_nothing(client, held_payment, tamper):
    payload = event("evt_bad", "payment_intent.canceled", {"id": "pi_hook1", "object": "payment_intent"})
    body, signature = signed(
        payload,
        secret="whsec_other" if tamper == "wrong secret" else WHSEC,
        at=int(time.time()) - 3600 if tamper == "too old" else None,
    )
    if tamper == "changed body":
        body = body.replace(b"canceled", b"succeeded")
    response = post(client, body, "" if tamper == "no header" else signature)
    assert response.status_code == 400
    held_payment.refresh_from_db()
    assert held_payment.state == PaymentState.PENDING
    assert not PaymentEvent.objects.filter(provider_event_id="evt_bad").exists()


def test_the_parser_names_the_events_it_acts_on(gateway):
    body, signature = signed(
        event("evt_c", "payment_intent.succeeded", {"id": "pi_9", "amount_received": 4375, "currency": "sek"})
    )
    parsed = gateway.parse_webhook(body=body, headers={"Stripe-Signature": signature})
    assert parsed is not None
    assert (parsed.kind, parsed.amount) == (ProviderEventKind.CAPTURED, Decimal("43.75"))
    body, signature = signed(event("evt_d", "customer.created", {"id": "cus_1"}))
    assert gateway.parse_webhook(body=body, headers={"Stripe-Signature": signature}) is None
    with pytest.raises(WebhookSignatureError):
        gateway.parse_webhook(body=body, headers={"Stripe-Signature": "t=1,v1=00"})
    assert stripe.VERSION


def test_captured_amounts_read_stripes_own_fields(httpserver):
    """Real Stripe keeps the captured amount in ``amount_received`` and refunds on the charge (localstripe has no
    ``amount_received``), so this reads a recorded, Stripe-shaped PaymentIntent from a loopback server."""
    recorded = {
        "id": "pi_rec",
        "object": "payment_intent",
        "amount": 50000,
        "amount_capturable": 0,
        "amount_received": 4375,
        "capture_method": "manual",
        "currency": "sek",
        "status": "succeeded",
        "latest_charge": {
            "id": "ch_rec",
            "object": "charge",
            "amount": 50000,
            "amount_captured": 4375,
            "amount_refunded": 1000,
            "captured": True,
            "currency": "sek",
        },
    }
    httpserver.expect_request("/v1/payment_intents/pi_rec", method="GET").respond_with_json(recorded)
    gateway = StripeGateway(secret_key=SECRET, webhook_secret=WHSEC, api_base=httpserver.url_for("").rstrip("/"))
    assert gateway.captured_amounts(provider_references=["pi_rec"]) == {"pi_rec": Decimal("33.75")}
    request, _response = httpserver.log[0]
    assert request.args.getlist("expand[0]") == ["latest_charge"]
