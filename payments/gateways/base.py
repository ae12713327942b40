"""What the payments domain needs from a card provider: a hold, its capture or cancellation, refunds, signed
notifications and the amounts the provider says it captured (for reconciliation).

Amounts are Decimal in the currency's major unit (SEK, EUR); an adapter converts to the provider's minor units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Protocol, runtime_checkable

from django.db import models

from tariffs.currencies import MINOR_UNITS


class GatewayError(Exception):
    """The provider refused the request or could not be reached; the message says which, for staff."""


class WebhookSignatureError(Exception):
    """A notification whose signature does not check out: never acted upon."""


class ProviderEventKind(models.TextChoices):
    HELD = "HELD"
    CAPTURED = "CAPTURED"
    RELEASED = "RELEASED"
    REFUNDED = "REFUNDED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class GatewayHold:
    provider_reference: str
    held: bool
    message: str = ""


@dataclass(frozen=True)
class ProviderEvent:
    """A provider's notification, in our words. ``amount``: captured so far (CAPTURED) or refunded so far
    (REFUNDED), in major units."""

    event_id: str
    kind: ProviderEventKind
    provider_reference: str
    amount: Decimal | None = None


@dataclass(frozen=True)
class PreparedHold:
    """A hold the driver's browser is to confirm with the card: the provider's reference and the secret its
    card form needs (never stored: it is the browser's to use)."""

    provider_reference: str
    client_secret: str


class PaymentGateway(Protocol):
    name: str
    demo: bool
    hold_valid_for: timedelta  # how long the provider keeps an uncaptured hold before it lapses

    def hold(self, *, amount: Decimal, currency: str, reference: str, payment_method: str) -> GatewayHold: ...

    def capture(self, *, provider_reference: str, amount: Decimal, currency: str, idempotency_key: str) -> None: ...

    def cancel(self, *, provider_reference: str, idempotency_key: str) -> None: ...

    def refund(self, *, provider_reference: str, amount: Decimal, currency: str, idempotency_key: str) -> None: ...

    def captured_amounts(self, *, provider_references: Iterable[str]) -> dict[str, Decimal]:
        """What the provider's books show as captured minus refunded, per reference."""
        ...

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEvent | None:
        """The notification in our words, None for one we do not act on; WebhookSignatureError when unsigned."""
        ...


@runtime_checkable
class BrowserConfirmedGateway(PaymentGateway, Protocol):
    """A provider whose card form runs in the driver's browser (Stripe.js): we prepare the hold, the browser
    confirms it with the card, and we then ask the provider, never the browser, whether the amount is held."""

    publishable_key: str
    js_url: str

    def prepare_hold(self, *, amount: Decimal, currency: str, reference: str) -> PreparedHold: ...

    def content_security_policy(self) -> str:
        """The payment page's Content-Security-Policy, allowing the provider's card form and nothing else foreign."""
        ...

    def verify_hold(self, *, provider_reference: str, amount: Decimal, currency: str, reference: str) -> GatewayHold:
        """Whether the provider holds ``amount`` for payment ``reference`` under ``provider_reference``."""
        ...


def to_minor(amount: Decimal, currency: str) -> int:
    return int((amount * 10 ** MINOR_UNITS[currency]).to_integral_value())


def from_minor(amount: int, currency: str) -> Decimal:
    places = MINOR_UNITS[currency.upper()]
    return (Decimal(amount) / Decimal(10) ** places).quantize(Decimal(1).scaleb(-places))
