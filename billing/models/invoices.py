"""Billing profiles, invoice runs, invoices and credit notes, their lines and history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .cdrs import Cdr

# --- Invoices -----------------------------------------------------------------------------------------------------
# Written only through billing.services (invoice_runs, invoices, invoice_delivery, billing_profiles). Each eMSP
# party (the country_code and party_id its tokens carry on every CDR) has one billing profile; the OCPI layer may link
# its partners to it, billing never looks at partners.


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SWEDISH = "sv", "Svenska"


class BillingProfile(models.Model):
    """How and where we invoice one eMSP party for the CDRs of its drivers' sessions."""

    class Period(models.TextChoices):
        MONTHLY = "MONTHLY", _("Monthly")
        WEEKLY = "WEEKLY", _("Weekly")

    country_code = models.CharField(
        max_length=2, help_text=_("The eMSP's OCPI country code, as on its tokens."), verbose_name=_("country code")
    )
    party_id = models.CharField(
        max_length=3, help_text=_("The eMSP's OCPI party id, as on its tokens."), verbose_name=_("party id")
    )
    legal_name = models.CharField(max_length=255, verbose_name=_("legal name"))
    street = models.CharField(max_length=255, verbose_name=_("street"))
    postal_code = models.CharField(max_length=16, verbose_name=_("postal code"))
    city = models.CharField(max_length=100, verbose_name=_("city"))
    country = models.CharField(
        max_length=64, help_text=_("Country name as printed on the invoice."), verbose_name=_("country")
    )
    vat_number = models.CharField(_("VAT number"), max_length=32)
    registration_number = models.CharField(
        max_length=32, blank=True, help_text=_("Company registration number."), verbose_name=_("registration number")
    )
    their_reference = models.CharField(
        max_length=100, blank=True, help_text=_("Printed as 'Your reference'."), verbose_name=_("their reference")
    )
    billing_email = models.EmailField(verbose_name=_("billing email"))
    period = models.CharField(max_length=7, choices=Period.choices, default=Period.MONTHLY, verbose_name=_("period"))
    payment_terms_days = models.PositiveSmallIntegerField(
        default=30, help_text=_("Days from the invoice date."), verbose_name=_("payment terms days")
    )
    language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.ENGLISH, verbose_name=_("language")
    )
    active = models.BooleanField(
        default=True, help_text=_("Inactive parties are left out of invoice runs."), verbose_name=_("active")
    )
    # The end of the last period an invoice run has invoiced; CDRs that end before it and were not billed are late.
    billed_through = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("billed through"))
    created = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("created"))

    class Meta:
        verbose_name = _("billing profile")
        verbose_name_plural = _("billing profiles")
        ordering: ClassVar = ["legal_name", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["country_code", "party_id"], name="billing_profile_one_per_party"),
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.party})"

    @property
    def party(self) -> str:
        return f"{self.country_code}*{self.party_id}"

    def clean(self) -> None:
        self.country_code = self.country_code.upper()
        self.party_id = self.party_id.upper()

    @property
    def address_lines(self) -> list[str]:
        return [self.street, f"{self.postal_code} {self.city}".strip(), self.country]


class InvoiceNumberCounter(models.Model):
    """The last number given in one series and year. Locked (select_for_update) while an invoice takes the next."""

    series = models.CharField(max_length=10, verbose_name=_("series"))
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    last_number = models.PositiveIntegerField(default=0, verbose_name=_("last number"))

    class Meta:
        verbose_name = _("invoice number counter")
        verbose_name_plural = _("invoice number counters")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["series", "year"], name="invoice_counter_one_per_series_year"),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last_number}"


class InvoiceRun(models.Model):
    """One run of invoicing over every active billing profile, by the schedule, a person or a command."""

    class Status(models.TextChoices):
        DONE = "DONE", _("Done")
        FAILED = "FAILED", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "SCHEDULE", _("Schedule")
        MANUAL = "MANUAL", _("Run now")
        COMMAND = "COMMAND", _("Command")

    started_at = models.DateTimeField(default=timezone.now, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    trigger = models.CharField(max_length=8, choices=Trigger.choices, verbose_name=_("trigger"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.DONE, verbose_name=_("status"))
    invoices_created = models.PositiveIntegerField(default=0, verbose_name=_("invoices created"))
    credit_notes_created = models.PositiveIntegerField(default=0, verbose_name=_("credit notes created"))
    lines_created = models.PositiveIntegerField(default=0, verbose_name=_("lines created"))
    error = models.TextField(blank=True, verbose_name=_("error"))

    class Meta:
        verbose_name = _("invoice run")
        verbose_name_plural = _("invoice runs")
        ordering: ClassVar = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Invoice run {self.started_at:%Y-%m-%d %H:%M}"


class InvoiceStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Draft")
    ISSUED = "ISSUED", _("Issued")
    SENT = "SENT", _("Sent")
    PAID = "PAID", _("Paid")
    CREDITED = "CREDITED", _("Credited")


# Fields that may still change once an invoice is issued: its lifecycle, delivery and the stored PDF. Everything
# else (lines, amounts, parties, number, dates) is fixed at issue; a correction is a credit note.
INVOICE_LIFECYCLE_FIELDS = frozenset(
    {"status", "sent_at", "paid_at", "pdf", "pdf_rendered_at", "send_attempts", "send_error", "send_failed_at"}
)


class InvoiceQuerySet(models.QuerySet["Invoice"]):
    def update(self, **kwargs: Any) -> int:
        if set(kwargs) - INVOICE_LIFECYCLE_FIELDS and self.exclude(status=InvoiceStatus.DRAFT).exists():
            raise ValidationError("Issued invoices never change; correct them with a credit note.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.exclude(status=InvoiceStatus.DRAFT).exists():
            raise ValidationError("Issued invoices are never deleted.")
        return super().delete()


def invoice_pdf_path(invoice: Invoice, filename: str) -> str:
    return f"invoices/{invoice.year}/{filename}"


class Invoice(models.Model):
    """An invoice (or credit note) to one eMSP party for one period and currency: one line per CDR.

    A draft has no number. Issuing gives it the next number of its series and year, its dates, payment reference and
    a copy of both parties' details; from then on only its lifecycle fields change (see INVOICE_LIFECYCLE_FIELDS).
    Amounts are the CDRs' own (rounded by the pricing engine), so the invoice agrees with the CDRs sent over OCPI.
    """

    class Kind(models.TextChoices):
        INVOICE = "INVOICE", _("Invoice")
        CREDIT_NOTE = "CREDIT_NOTE", _("Credit note")

    Status = InvoiceStatus

    kind = models.CharField(max_length=11, choices=Kind.choices, default=Kind.INVOICE, verbose_name=_("kind"))
    profile = models.ForeignKey(
        BillingProfile, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("profile")
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    # The period's bounds as instants (local midnights of the billing time zone, in UTC); the end is exclusive.
    period_start = models.DateTimeField(verbose_name=_("period start"))
    period_end = models.DateTimeField(verbose_name=_("period end"))
    # Also bills CDRs that ended before period_start, whose period was already invoiced: they are marked late.
    includes_late = models.BooleanField(default=False, verbose_name=_("includes late"))
    run = models.ForeignKey(
        InvoiceRun, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices", verbose_name=_("run")
    )
    credited_invoice = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("credited invoice"),
    )
    status = models.CharField(
        max_length=8, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT, verbose_name=_("status")
    )
    # Numbering, set at issue.
    series = models.CharField(max_length=10, blank=True, verbose_name=_("series"))
    year = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("year"))
    sequence = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("sequence"))
    number = models.CharField(max_length=32, null=True, blank=True, unique=True, verbose_name=_("number"))
    issue_date = models.DateField(null=True, blank=True, verbose_name=_("issue date"))
    due_date = models.DateField(null=True, blank=True, verbose_name=_("due date"))
    payment_reference = models.CharField(max_length=25, blank=True, verbose_name=_("payment reference"))
    # The buyer as invoiced (copied from the profile at creation and again at issue) and the seller at issue.
    buyer_name = models.CharField(max_length=255, verbose_name=_("buyer name"))
    buyer_address = models.JSONField(default=list, verbose_name=_("buyer address"))
    buyer_vat_number = models.CharField(max_length=32, verbose_name=_("buyer VAT number"))
    buyer_registration_number = models.CharField(max_length=32, blank=True, verbose_name=_("buyer registration number"))
    buyer_reference = models.CharField(max_length=100, blank=True, verbose_name=_("buyer reference"))
    buyer_email = models.EmailField(verbose_name=_("buyer email"))
    language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.ENGLISH, verbose_name=_("language")
    )
    payment_terms_days = models.PositiveSmallIntegerField(default=30, verbose_name=_("payment terms days"))
    seller = models.JSONField(default=dict, blank=True, verbose_name=_("seller"))
    # Totals of the lines (4 decimals like the CDRs; the CDR amounts are already rounded to the currency's unit).
    line_count = models.PositiveIntegerField(default=0, verbose_name=_("line count"))
    total_excl_vat = models.DecimalField(
        max_digits=16, decimal_places=4, default=Decimal(0), verbose_name=_("total excl VAT")
    )
    total_vat = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0), verbose_name=_("total VAT"))
    total_incl_vat = models.DecimalField(
        max_digits=16, decimal_places=4, default=Decimal(0), verbose_name=_("total incl VAT")
    )
    created = models.DateTimeField(default=timezone.now, verbose_name=_("created"))
    issued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("issued at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))
    pdf = models.FileField(upload_to=invoice_pdf_path, blank=True, verbose_name=_("PDF"))
    pdf_rendered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("PDF rendered at"))
    send_attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("send attempts"))
    send_error = models.TextField(blank=True, verbose_name=_("send error"))
    send_failed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("send failed at"))

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering: ClassVar = ["-period_start", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["profile", "currency", "period_start"],
                condition=models.Q(kind="INVOICE"),
                name="invoice_one_per_party_period_currency",
            ),
            models.UniqueConstraint(
                fields=["series", "year", "sequence"],
                condition=models.Q(sequence__isnull=False),
                name="invoice_number_once_per_series_year",
            ),
            models.CheckConstraint(
                condition=models.Q(status="DRAFT", number__isnull=True)
                | (~models.Q(status="DRAFT") & models.Q(number__isnull=False)),
                name="invoice_numbered_iff_issued",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["status", "due_date"], name="invoice_status_due"),
            models.Index(fields=["run", "kind"], name="invoice_run_kind"),
            models.Index(fields=["-period_start", "-id"], name="invoice_newest_period"),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft {self.get_kind_display().lower()} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            frozen = [f.attname for f in Invoice._meta.concrete_fields if f.name not in INVOICE_LIFECYCLE_FIELDS]
            stored = Invoice.objects.filter(pk=self.pk).values("status", *frozen).first()
            if stored is not None and stored["status"] != InvoiceStatus.DRAFT:
                changed = [name for name in frozen if stored[name] != getattr(self, name)]
                if changed:
                    raise ValidationError(
                        f"Invoice {stored['number']} is issued and can no longer change ({', '.join(changed)})."
                    )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.status != InvoiceStatus.DRAFT:
            raise ValidationError(f"Invoice {self} is issued and is never deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE

    @property
    def is_open(self) -> bool:
        """Issued and not yet paid (or, for a credit note, not yet settled)."""
        return self.status != InvoiceStatus.DRAFT and self.paid_at is None

    def is_overdue(self, today: date) -> bool:
        return (
            self.kind == self.Kind.INVOICE
            and self.status in (InvoiceStatus.ISSUED, InvoiceStatus.SENT)
            and self.due_date is not None
            and self.due_date < today
        )


class InvoiceLineQuerySet(models.QuerySet["InvoiceLine"]):
    def update(self, **kwargs: Any) -> int:
        if self.exclude(invoice__status=InvoiceStatus.DRAFT).exists():
            raise ValidationError("Lines of issued invoices never change.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.exclude(invoice__status=InvoiceStatus.DRAFT).exists():
            raise ValidationError("Lines of issued invoices are never deleted.")
        return super().delete()


class InvoiceLine(models.Model):
    """One CDR on one invoice. The unique ``cdr`` is what guarantees that a CDR is billed once, whatever runs when."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice"))
    cdr = models.OneToOneField(Cdr, on_delete=models.PROTECT, related_name="invoice_line", verbose_name=_("CDR"))
    late = models.BooleanField(
        default=False, help_text=_("The CDR's own period had already been invoiced."), verbose_name=_("late")
    )
    # The VAT rate of the CDR's tariff in percent; null when the tariff charges no VAT or mixes rates.
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True, verbose_name=_("VAT rate"))
    amount_excl_vat = models.DecimalField(max_digits=14, decimal_places=4, verbose_name=_("amount excl VAT"))
    vat_amount = models.DecimalField(max_digits=14, decimal_places=4, verbose_name=_("VAT amount"))
    amount_incl_vat = models.DecimalField(max_digits=14, decimal_places=4, verbose_name=_("amount incl VAT"))

    objects = InvoiceLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering: ClassVar = ["id"]

    def __str__(self) -> str:
        return f"{self.invoice} · {self.cdr_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._guard()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self._guard()
        return super().delete(*args, **kwargs)

    def _guard(self) -> None:
        status = Invoice.objects.filter(pk=self.invoice_id).values_list("status", flat=True).first()
        if status is not None and status != InvoiceStatus.DRAFT:
            raise ValidationError("Lines of issued invoices never change.")


class InvoiceEvent(models.Model):
    """The history of an invoice: every state change (and delivery attempt), who made it and when."""

    class Action(models.TextChoices):
        CREATED = "CREATED", _("Created")
        LINES_ADDED = "LINES_ADDED", _("Lines added")
        ISSUED = "ISSUED", _("Issued")
        PDF_RENDERED = "PDF_RENDERED", _("PDF rendered")
        SENT = "SENT", _("Sent")
        SEND_FAILED = "SEND_FAILED", _("Sending failed")
        PAID = "PAID", _("Marked paid")
        CREDITED = "CREDITED", _("Credited")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events", verbose_name=_("invoice"))
    at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(max_length=12, choices=Action.choices, verbose_name=_("action"))
    from_status = models.CharField(
        max_length=8, choices=InvoiceStatus.choices, blank=True, verbose_name=_("from status")
    )
    to_status = models.CharField(max_length=8, choices=InvoiceStatus.choices, blank=True, verbose_name=_("to status"))
    note = models.TextField(blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("invoice event")
        verbose_name_plural = _("invoice events")
        ordering: ClassVar = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.invoice}: {self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"
