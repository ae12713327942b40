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

    country_code = models.CharField(max_length=2, help_text="The eMSP's OCPI country code, as on its tokens.")
    party_id = models.CharField(max_length=3, help_text="The eMSP's OCPI party id, as on its tokens.")
    legal_name = models.CharField(max_length=255)
    street = models.CharField(max_length=255)
    postal_code = models.CharField(max_length=16)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=64, help_text="Country name as printed on the invoice.")
    vat_number = models.CharField("VAT number", max_length=32)
    registration_number = models.CharField(max_length=32, blank=True, help_text="Company registration number.")
    their_reference = models.CharField(max_length=100, blank=True, help_text="Printed as 'Your reference'.")
    billing_email = models.EmailField()
    period = models.CharField(max_length=7, choices=Period.choices, default=Period.MONTHLY)
    payment_terms_days = models.PositiveSmallIntegerField(default=30, help_text="Days from the invoice date.")
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    active = models.BooleanField(default=True, help_text="Inactive parties are left out of invoice runs.")
    # The end of the last period an invoice run has invoiced; CDRs that end before it and were not billed are late.
    billed_through = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
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

    series = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
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

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    trigger = models.CharField(max_length=8, choices=Trigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.DONE)
    invoices_created = models.PositiveIntegerField(default=0)
    credit_notes_created = models.PositiveIntegerField(default=0)
    lines_created = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
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

    kind = models.CharField(max_length=11, choices=Kind.choices, default=Kind.INVOICE)
    profile = models.ForeignKey(BillingProfile, on_delete=models.PROTECT, related_name="invoices")
    currency = models.CharField(max_length=3)
    # The period's bounds as instants (local midnights of the billing time zone, in UTC); the end is exclusive.
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    # Also bills CDRs that ended before period_start, whose period was already invoiced: they are marked late.
    includes_late = models.BooleanField(default=False)
    run = models.ForeignKey(InvoiceRun, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices")
    credited_invoice = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes"
    )
    status = models.CharField(max_length=8, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    # Numbering, set at issue.
    series = models.CharField(max_length=10, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    number = models.CharField(max_length=32, null=True, blank=True, unique=True)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    payment_reference = models.CharField(max_length=25, blank=True)
    # The buyer as invoiced (copied from the profile at creation and again at issue) and the seller at issue.
    buyer_name = models.CharField(max_length=255)
    buyer_address = models.JSONField(default=list)
    buyer_vat_number = models.CharField(max_length=32)
    buyer_registration_number = models.CharField(max_length=32, blank=True)
    buyer_reference = models.CharField(max_length=100, blank=True)
    buyer_email = models.EmailField()
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    seller = models.JSONField(default=dict, blank=True)
    # Totals of the lines (4 decimals like the CDRs; the CDR amounts are already rounded to the currency's unit).
    line_count = models.PositiveIntegerField(default=0)
    total_excl_vat = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))
    total_vat = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))
    total_incl_vat = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal(0))
    created = models.DateTimeField(default=timezone.now)
    issued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to=invoice_pdf_path, blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    send_error = models.TextField(blank=True)
    send_failed_at = models.DateTimeField(null=True, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
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

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    cdr = models.OneToOneField(Cdr, on_delete=models.PROTECT, related_name="invoice_line")
    late = models.BooleanField(default=False, help_text="The CDR's own period had already been invoiced.")
    # The VAT rate of the CDR's tariff in percent; null when the tariff charges no VAT or mixes rates.
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    amount_excl_vat = models.DecimalField(max_digits=14, decimal_places=4)
    vat_amount = models.DecimalField(max_digits=14, decimal_places=4)
    amount_incl_vat = models.DecimalField(max_digits=14, decimal_places=4)

    objects = InvoiceLineQuerySet.as_manager()

    class Meta:
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

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=12, choices=Action.choices)
    from_status = models.CharField(max_length=8, choices=InvoiceStatus.choices, blank=True)
    to_status = models.CharField(max_length=8, choices=InvoiceStatus.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.invoice}: {self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"
