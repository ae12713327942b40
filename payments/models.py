"""Ad hoc payments: a driver without a contract pays by card at the charger (EU AFIR, Regulation (EU) 2023/1804,
Article 5(1)). One :class:`AdHocPayment` per attempt, every state change an :class:`PaymentEvent`, and the driver's
:class:`Receipt` once the amount is captured. :class:`DemoCardHold` is the ledger of the demo gateway only."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import Cdr
from chargepoints.models import EVSE, ChargingSession

_MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2}


def new_payment_reference() -> str:
    """The payment's public reference: the page's address, the ad hoc token's uid and the authorization reference."""
    return "AH" + secrets.token_hex(8).upper()


class PaymentState(models.TextChoices):
    PENDING = "PENDING", _("Hold requested")
    HELD = "HELD", _("Held")
    CAPTURED = "CAPTURED", _("Captured")
    RELEASED = "RELEASED", _("Released")
    REFUNDED = "REFUNDED", _("Refunded")
    FAILED = "FAILED", _("Failed")


class AdHocPayment(models.Model):
    reference = models.CharField(max_length=24, unique=True, default=new_payment_reference)
    evse = models.ForeignKey(EVSE, on_delete=models.PROTECT, related_name="ad_hoc_payments")
    connector_id = models.CharField(max_length=36)
    session = models.OneToOneField(
        ChargingSession, on_delete=models.PROTECT, null=True, blank=True, related_name="ad_hoc_payment"
    )
    state = models.CharField(max_length=8, choices=PaymentState.choices, default=PaymentState.PENDING, db_index=True)
    gateway = models.CharField(max_length=16)
    provider_reference = models.CharField(max_length=64, blank=True, db_index=True)
    currency = models.CharField(max_length=3)
    tariff_id = models.CharField(max_length=36)
    tariff_snapshot = models.JSONField(help_text="The tariff the driver agreed to, as it was shown.")
    hold_amount = models.DecimalField(**_MONEY)
    captured_amount = models.DecimalField(**_MONEY, null=True, blank=True)
    refunded_amount = models.DecimalField(**_MONEY, default=Decimal(0))
    email = models.EmailField(blank=True, help_text="Where the driver wants the receipt; optional.")
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text="The language of the driver's pages when they paid: their receipt e-mail is in it.",
    )
    captured_at = models.DateTimeField(null=True, blank=True, db_index=True)
    stop_requested_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    last_updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-created", "-id"]

    def __str__(self) -> str:
        return self.reference

    @property
    def refundable(self) -> Decimal:
        return (self.captured_amount or Decimal(0)) - self.refunded_amount


class PaymentEvent(models.Model):
    """One thing that happened to a payment, in order. Provider events are kept once (a replayed webhook finds its
    own id here and changes nothing); so are staff refunds (the form's idempotency key)."""

    class Kind(models.TextChoices):
        CREATED = "CREATED"
        HOLD = "HOLD"
        SESSION_STARTED = "SESSION_STARTED"
        STOP_REQUESTED = "STOP_REQUESTED"
        CAPTURE = "CAPTURE"
        RELEASE = "RELEASE"
        REFUND = "REFUND"
        FAIL = "FAIL"
        PROVIDER = "PROVIDER", "Provider notification"
        RECEIPT = "RECEIPT"

    payment = models.ForeignKey(AdHocPayment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state_before = models.CharField(max_length=8, choices=PaymentState.choices)
    state_after = models.CharField(max_length=8, choices=PaymentState.choices)
    amount = models.DecimalField(**_MONEY, null=True, blank=True)
    provider_event_id = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=255, blank=True)
    by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["provider_event_id"], condition=~models.Q(provider_event_id=""), name="payment_event_once"
            ),
            models.UniqueConstraint(
                fields=["payment", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="payment_request_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.state_before}→{self.state_after}"


class Receipt(models.Model):
    """The driver's receipt (B2C): its own gapless number series, the amount captured split by VAT rate."""

    number = models.CharField(max_length=24, unique=True)
    payment = models.OneToOneField(AdHocPayment, on_delete=models.PROTECT, related_name="receipt")
    cdr = models.ForeignKey(Cdr, on_delete=models.PROTECT, related_name="receipts")
    issued_at = models.DateTimeField(default=timezone.now)
    currency = models.CharField(max_length=3)
    total_excl_vat = models.DecimalField(**_MONEY)
    total_incl_vat = models.DecimalField(**_MONEY)
    vat_lines = models.JSONField(default=list, help_text='[{"vat": "25", "excl": "…", "vat_amount": "…", "incl": "…"}]')
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number


class DemoCardHold(models.Model):
    """The demo gateway's own books, standing in for a card provider's: what was authorized, captured, refunded."""

    provider_reference = models.CharField(max_length=40, unique=True)
    currency = models.CharField(max_length=3)
    authorized = models.DecimalField(**_MONEY)
    captured = models.DecimalField(**_MONEY, default=Decimal(0))
    refunded = models.DecimalField(**_MONEY, default=Decimal(0))
    status = models.CharField(max_length=20, default="requires_capture")
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.provider_reference
