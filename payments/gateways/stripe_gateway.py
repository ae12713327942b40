"""The Stripe adapter (the official ``stripe`` package): a manual-capture PaymentIntent is the hold.

hold → PaymentIntent create (``capture_method=manual``) and confirm with the driver's payment method: status
``requires_capture`` means the amount is held on the card. capture → ``/capture`` with ``amount_to_capture`` (at most
what was held; Stripe releases the rest). cancel → ``/cancel`` (the hold is released). refund → a Refund on the
PaymentIntent. Every request carries an idempotency key, so a retried request is not a second payment.
Notifications are verified with the endpoint's signing secret (``Stripe-Signature``) before anything is read.

On the payment page the card is entered in Stripe.js (loaded from Stripe, never served by us: PCI DSS SAQ A):
:meth:`prepare_hold` creates the PaymentIntent and gives its client secret to the page, the page confirms it with
the card (``stripe.confirmCardPayment``), and :meth:`verify_hold` then reads the PaymentIntent back from Stripe: only
``requires_capture`` for our amount, currency and reference counts as held, whatever the browser says.

Stripe documents holds as "place a hold on a payment method" (manual capture); an uncaptured PaymentIntent is
cancelled by Stripe after 7 days for most card payments (``hold_valid_for``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import stripe

from .base import (
    GatewayError,
    GatewayHold,
    PreparedHold,
    ProviderEvent,
    ProviderEventKind,
    WebhookSignatureError,
    from_minor,
    to_minor,
)

_EVENTS = {
    "payment_intent.amount_capturable_updated": ProviderEventKind.HELD,
    "payment_intent.succeeded": ProviderEventKind.CAPTURED,
    "payment_intent.canceled": ProviderEventKind.RELEASED,
    "payment_intent.payment_failed": ProviderEventKind.FAILED,
    "charge.refunded": ProviderEventKind.REFUNDED,
}


STRIPE_JS_ORIGIN = "https://js.stripe.com"


class StripeGateway:
    name = "stripe"
    demo = False
    hold_valid_for = timedelta(days=7)

    def __init__(
        self,
        *,
        secret_key: str,
        webhook_secret: str,
        api_base: str = "",
        publishable_key: str = "",
        js_url: str = "https://js.stripe.com/v3/",
    ) -> None:
        if not secret_key:
            raise GatewayError("PAYMENTS_STRIPE_SECRET_KEY is not set.")
        addresses: Any = {"api": api_base} if api_base else None
        self.client = stripe.StripeClient(secret_key, base_addresses=addresses, max_network_retries=2)
        self.webhook_secret = webhook_secret
        self.publishable_key = publishable_key
        self.js_url = js_url

    def prepare_hold(self, *, amount: Decimal, currency: str, reference: str) -> PreparedHold:
        intent = self._call(
            self.client.v1.payment_intents.create,
            params={
                "amount": to_minor(amount, currency),
                "currency": currency.lower(),
                "capture_method": "manual",
                "payment_method_types": ["card"],
                "metadata": {"reference": reference},
            },
            options={"idempotency_key": f"{reference}-prepare"},
        )
        return PreparedHold(intent.id, str(intent.client_secret))

    def content_security_policy(self) -> str:
        """The payment page's policy: our own scripts, and Stripe.js with what Stripe's security guide says it needs
        (its frames from js.stripe.com, 3-D Secure from hooks.stripe.com, calls to api.stripe.com). A Stripe.js from
        elsewhere (localstripe in the tests) is served, framed and called at its own origin."""
        parts = urlsplit(self.js_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin == STRIPE_JS_ORIGIN:
            scripts = f"{origin} https://*.js.stripe.com"
            frames, calls = f"{scripts} https://hooks.stripe.com", "https://api.stripe.com"
        else:
            scripts = frames = calls = origin
        return (
            f"default-src 'self'; script-src 'self' {scripts}; frame-src {frames}; connect-src 'self' {calls}; "
            "img-src 'self' data:; style-src 'self' 'unsafe-inline'; base-uri 'self'; form-action 'self'; "
            "object-src 'none'"
        )

    def verify_hold(self, *, provider_reference: str, amount: Decimal, currency: str, reference: str) -> GatewayHold:
        intent = self._call(self.client.v1.payment_intents.retrieve, provider_reference)
        metadata = intent.metadata.to_dict() if intent.metadata else {}
        ours = (
            metadata.get("reference") == reference
            and intent.capture_method == "manual"
            and int(intent.amount) == to_minor(amount, currency)
            and str(intent.currency).upper() == currency.upper()
        )
        if not ours:
            return GatewayHold(provider_reference, held=False, message="The card payment is not this payment's.")
        if intent.status != "requires_capture":
            return GatewayHold(provider_reference, held=False, message=f"The card payment is {intent.status}.")
        return GatewayHold(provider_reference, held=True)

    def hold(self, *, amount: Decimal, currency: str, reference: str, payment_method: str) -> GatewayHold:
        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": to_minor(amount, currency),
                    "currency": currency.lower(),
                    "capture_method": "manual",
                    "payment_method": payment_method,
                    "metadata": {"reference": reference},
                },
                options={"idempotency_key": f"{reference}-create"},
            )
            intent = self.client.v1.payment_intents.confirm(
                intent.id, options={"idempotency_key": f"{reference}-confirm"}
            )
        except stripe.CardError as error:
            return GatewayHold(
                getattr(error, "payment_intent_id", "") or "", held=False, message=str(error.user_message)
            )
        except stripe.StripeError as error:
            raise GatewayError(f"Stripe: {error.user_message or error}") from error
        if intent.status != "requires_capture":
            return GatewayHold(intent.id, held=False, message=f"The card payment is {intent.status}.")
        return GatewayHold(intent.id, held=True)

    def capture(self, *, provider_reference: str, amount: Decimal, currency: str, idempotency_key: str) -> None:
        self._call(
            self.client.v1.payment_intents.capture,
            provider_reference,
            params={"amount_to_capture": to_minor(amount, currency)},
            options={"idempotency_key": idempotency_key},
        )

    def cancel(self, *, provider_reference: str, idempotency_key: str) -> None:
        """Release the hold. One already cancelled counts as released (a retry after a lost answer)."""
        try:
            self.client.v1.payment_intents.cancel(provider_reference, options={"idempotency_key": idempotency_key})
        except stripe.StripeError as error:
            status = self._call(self.client.v1.payment_intents.retrieve, provider_reference).status
            if status != "canceled":
                raise GatewayError(f"Stripe: {error.user_message or error}") from error

    def refund(self, *, provider_reference: str, amount: Decimal, currency: str, idempotency_key: str) -> None:
        self._call(
            self.client.v1.refunds.create,
            params={"payment_intent": provider_reference, "amount": to_minor(amount, currency)},
            options={"idempotency_key": idempotency_key},
        )

    def captured_amounts(self, *, provider_references: Iterable[str]) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for reference in provider_references:
            intent = self._call(
                self.client.v1.payment_intents.retrieve, reference, params={"expand": ["latest_charge"]}
            )
            charge = intent.latest_charge
            refunded = int(getattr(charge, "amount_refunded", 0) or 0) if not isinstance(charge, str) else 0
            out[reference] = from_minor(int(intent.amount_received or 0) - refunded, intent.currency)
        return out

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEvent | None:
        try:
            event = stripe.Webhook.construct_event(body, headers.get("Stripe-Signature"), self.webhook_secret)
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise WebhookSignatureError(str(error)) from error
        kind = _EVENTS.get(event.type)
        if kind is None:
            return None
        data = event.data.object
        if kind is ProviderEventKind.REFUNDED:
            return ProviderEvent(
                event.id, kind, str(data["payment_intent"]), from_minor(int(data["amount_refunded"]), data["currency"])
            )
        amount = (
            from_minor(int(data["amount_received"]), data["currency"]) if kind is ProviderEventKind.CAPTURED else None
        )
        return ProviderEvent(event.id, kind, str(data["id"]), amount)

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except stripe.StripeError as error:
            raise GatewayError(f"Stripe: {error.user_message or error}") from error
