"""The payment gateway in force: ``PAYMENTS_GATEWAY`` is "demo" (the default, in-process) or "stripe"."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from .base import PaymentGateway
from .demo import DemoGateway
from .stripe_gateway import StripeGateway


def get_gateway(name: str | None = None) -> PaymentGateway:
    """The gateway called ``name`` (a payment keeps the one it was made with), by default the one configured."""
    chosen = name or settings.PAYMENTS_GATEWAY
    if chosen == "stripe":
        return StripeGateway(
            secret_key=settings.PAYMENTS_STRIPE_SECRET_KEY,
            webhook_secret=settings.PAYMENTS_STRIPE_WEBHOOK_SECRET,
            api_base=settings.PAYMENTS_STRIPE_API_BASE,
            publishable_key=settings.PAYMENTS_STRIPE_PUBLISHABLE_KEY,
            js_url=settings.PAYMENTS_STRIPE_JS_URL,
        )
    if chosen == "demo":
        return DemoGateway()
    raise ValueError(f"Unknown payment gateway '{chosen}' (PAYMENTS_GATEWAY: demo or stripe).")


GATEWAY_CLASSES: dict[str, type[StripeGateway] | type[DemoGateway]] = {"stripe": StripeGateway, "demo": DemoGateway}


def hold_valid_for(name: str) -> timedelta:
    """How long gateway ``name`` keeps an uncaptured hold (read without its keys: a class attribute)."""
    return GATEWAY_CLASSES[name].hold_valid_for
