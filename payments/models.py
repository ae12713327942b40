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
    reference = models.CharField(max_length=24, unique=True, default=new_payment_reference, verbose_name=_("reference"))
    evse = models.ForeignKey(EVSE, on_delete=models.PROTECT, related_name="ad_hoc_payments", verbose_name=_("EVSE"))
    connector_id = models.CharField(max_length=36, verbose_name=_("connector id"))
    session = models.OneToOneField(
        ChargingSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ad_hoc_payment",
        verbose_name=_("session"),
    )
    state = models.CharField(
        max_length=8, choices=PaymentState.choices, default=PaymentState.PENDING, db_index=True, verbose_name=_("state")
    )
    gateway = models.CharField(max_length=16, verbose_name=_("gateway"))
    provider_reference = models.CharField(
        max_length=64, blank=True, db_index=True, verbose_name=_("provider reference")
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    tariff_id = models.CharField(max_length=36, verbose_name=_("tariff id"))
    tariff_snapshot = models.JSONField(
        help_text=_("The tariff the driver agreed to, as it was shown."), verbose_name=_("tariff snapshot")
    )
    hold_amount = models.DecimalField(**_MONEY, verbose_name=_("hold amount"))
    captured_amount = models.DecimalField(**_MONEY, null=True, blank=True, verbose_name=_("captured amount"))
    refunded_amount = models.DecimalField(**_MONEY, default=Decimal(0), verbose_name=_("refunded amount"))
    email = models.EmailField(
        blank=True, help_text=_("Where the driver wants the receipt; optional."), verbose_name=_("email")
    )
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("The language of the driver's pages when they paid: their receipt e-mail is in it."),
        verbose_name=_("language"),
    )
    captured_at = models.DateTimeField(null=True, blank=True, db_index=True, verbose_name=_("captured at"))
    stop_requested_at = models.DateTimeField(null=True, blank=True, verbose_name=_("stop requested at"))
    failure_reason = models.CharField(max_length=255, blank=True, verbose_name=_("failure reason"))
    created = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("created"))
    last_updated = models.DateTimeField(default=timezone.now, verbose_name=_("last updated"))

    class Meta:
        verbose_name = _("ad hoc payment")
        verbose_name_plural = _("ad hoc payments")
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
        CREATED = "CREATED", _("Created")
        HOLD = "HOLD", _("Hold")
        SESSION_STARTED = "SESSION_STARTED", _("Session started")
        STOP_REQUESTED = "STOP_REQUESTED", _("Stop requested")
        CAPTURE = "CAPTURE", _("Capture")
        RELEASE = "RELEASE", _("Release")
        REFUND = "REFUND", _("Refund")
        FAIL = "FAIL", _("Failure")
        PROVIDER = "PROVIDER", _("Provider notification")
        RECEIPT = "RECEIPT", _("Receipt")

    payment = models.ForeignKey(
        AdHocPayment, on_delete=models.CASCADE, related_name="events", verbose_name=_("payment")
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    state_before = models.CharField(max_length=8, choices=PaymentState.choices, verbose_name=_("state before"))
    state_after = models.CharField(max_length=8, choices=PaymentState.choices, verbose_name=_("state after"))
    amount = models.DecimalField(**_MONEY, null=True, blank=True, verbose_name=_("amount"))
    provider_event_id = models.CharField(max_length=100, blank=True, verbose_name=_("provider event id"))
    idempotency_key = models.CharField(max_length=64, blank=True, verbose_name=_("idempotency key"))
    detail = models.CharField(max_length=255, blank=True, verbose_name=_("detail"))
    by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
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

    number = models.CharField(max_length=24, unique=True, verbose_name=_("number"))
    payment = models.OneToOneField(
        AdHocPayment, on_delete=models.PROTECT, related_name="receipt", verbose_name=_("payment")
    )
    cdr = models.ForeignKey(Cdr, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("CDR"))
    issued_at = models.DateTimeField(default=timezone.now, verbose_name=_("issued at"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    total_excl_vat = models.DecimalField(**_MONEY, verbose_name=_("total excl VAT"))
    total_incl_vat = models.DecimalField(**_MONEY, verbose_name=_("total incl VAT"))
    vat_lines = models.JSONField(
        default=list,
        help_text='[{"vat": "25", "excl": "…", "vat_amount": "…", "incl": "…"}]',
        verbose_name=_("VAT lines"),
    )
    emailed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("emailed at"))

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering: ClassVar = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number


class DemoCardHold(models.Model):
    """The demo gateway's own books, standing in for a card provider's: what was authorized, captured, refunded."""

    provider_reference = models.CharField(max_length=40, unique=True, verbose_name=_("provider reference"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    authorized = models.DecimalField(**_MONEY, verbose_name=_("authorized"))
    captured = models.DecimalField(**_MONEY, default=Decimal(0), verbose_name=_("captured"))
    refunded = models.DecimalField(**_MONEY, default=Decimal(0), verbose_name=_("refunded"))
    status = models.CharField(max_length=20, default="requires_capture", verbose_name=_("status"))
    created = models.DateTimeField(default=timezone.now, verbose_name=_("created"))

    class Meta:
        verbose_name = _("demo card hold")
        verbose_name_plural = _("demo card holds")

    def __str__(self) -> str:
        return self.provider_reference
