"""The invoice lifecycle: issue (numbering, buyer and seller frozen), payment and credit notes.

Runs that create the drafts are in invoice_runs, the PDF and e-mail in invoice_delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..conf import billing_today, local_midnight, seller_details
from ..models import Cdr, Invoice, InvoiceEvent, InvoiceStatus
from ..payment_reference import ocr_reference
from . import cdrs as cdr_services
from .invoice_events import invoice_event
from .invoice_numbers import KIND_DIGIT, format_invoice_number, next_sequence
from .invoice_runs import buyer_fields, credit_note_for, update_totals
from .invoice_sql import insert_credit_lines

ISSUED_STATES = (InvoiceStatus.ISSUED, InvoiceStatus.SENT, InvoiceStatus.PAID, InvoiceStatus.CREDITED)


@transaction.atomic
def invoice_issue(*, invoice: Invoice, by: User | None) -> Invoice:
    """Give a draft its number, dates and payment reference and freeze it; its PDF is rendered after the commit."""
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("profile").get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise ValidationError(f"{invoice} is already issued.")
    if invoice.line_count == 0:
        raise ValidationError(f"{invoice} has no lines.")
    today = billing_today()
    series = settings.BILLING_CREDIT_NOTE_SERIES if invoice.is_credit_note else settings.BILLING_INVOICE_SERIES
    sequence = next_sequence(series=series, year=today.year)
    for name, value in buyer_fields(invoice.profile).items():
        setattr(invoice, name, value)
    invoice.series, invoice.year, invoice.sequence = series, today.year, sequence
    invoice.number = format_invoice_number(series=series, year=today.year, sequence=sequence)
    invoice.payment_reference = ocr_reference(f"{today.year}{KIND_DIGIT[invoice.kind]}{sequence:06d}")
    invoice.issue_date = today
    invoice.due_date = today + timedelta(days=invoice.payment_terms_days)
    invoice.seller = seller_details()
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_at = timezone.now()
    invoice.save()
    invoice_event(
        invoice,
        InvoiceEvent.Action.ISSUED,
        by=by,
        from_status=InvoiceStatus.DRAFT,
        to_status=InvoiceStatus.ISSUED,
        note=invoice.number,
    ).save()
    if invoice.credited_invoice_id is not None:
        _mark_credited_if_complete(invoice_id=invoice.credited_invoice_id, by=by)

    from ..tasks import invoice_render_pdf

    invoice_render_pdf.delay_on_commit(invoice.pk)
    return invoice


def _mark_credited_if_complete(*, invoice_id: int, by: User | None) -> None:
    original = Invoice.objects.select_for_update().get(pk=invoice_id)
    if original.status in (InvoiceStatus.DRAFT, InvoiceStatus.CREDITED):
        return
    credited = Q(cdr__credit_cdr__invoice_line__invoice=original) | Q(
        cdr__credit_cdr__invoice_line__invoice__credited_invoice=original,
        cdr__credit_cdr__invoice_line__invoice__status__in=ISSUED_STATES,
    )
    if original.lines.filter(cdr__credit=False).exclude(credited).exists():
        return
    previous = original.status
    original.status = InvoiceStatus.CREDITED
    original.save(update_fields=["status"])
    invoice_event(
        original,
        InvoiceEvent.Action.CREDITED,
        by=by,
        from_status=previous,
        to_status=InvoiceStatus.CREDITED,
        note="Every CDR on it is credited by issued credit notes.",
    ).save()


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, by: User, paid_on: date | None = None) -> Invoice:
    """Payment received (or, for a credit note, the credit settled)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.SENT):
        raise ValidationError(f"{invoice} is {invoice.get_status_display().lower()}; only open invoices are paid.")
    previous = invoice.status
    paid_on = paid_on or billing_today()
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = local_midnight(paid_on)
    invoice.save(update_fields=["status", "paid_at"])
    invoice_event(
        invoice,
        InvoiceEvent.Action.PAID,
        by=by,
        from_status=previous,
        to_status=InvoiceStatus.PAID,
        note=f"Paid on {paid_on:%Y-%m-%d}",
    ).save()
    return invoice


@transaction.atomic
def invoice_credit(*, invoice: Invoice, by: User, reason: str, cdrs: Sequence[Cdr] | None = None) -> Invoice:
    """Correct an issued invoice: credit its CDRs (all, or ``cdrs``) and issue a credit note referencing it.

    Each CDR is credited through the CDR service, so the eMSP also receives the credit CDRs over OCPI; the credit
    note lists exactly those credit CDRs.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status not in (
        InvoiceStatus.ISSUED,
        InvoiceStatus.SENT,
        InvoiceStatus.PAID,
    ):
        raise ValidationError(f"{invoice} cannot be credited: only issued invoices are.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the invoice is credited."})
    lines = invoice.lines.select_related("cdr").filter(cdr__credit=False, cdr__credit_cdr__isnull=True)
    if cdrs is not None:
        lines = lines.filter(cdr__in=cdrs)
    to_credit = [line.cdr for line in lines.order_by("id")]
    if not to_credit:
        raise ValidationError(f"Every CDR on {invoice} is already credited.")
    for cdr in to_credit:
        cdr_services.cdr_credit(cdr=cdr, reason=reason, by=by)
    now = timezone.now()
    credit_note = credit_note_for(Invoice.objects.select_related("profile").get(pk=invoice.pk), run=None, now=now)
    credit_note.save()
    insert_credit_lines(target="credit_note", invoice_ids=[credit_note.pk])
    update_totals([credit_note.pk])
    invoice_event(
        credit_note,
        InvoiceEvent.Action.CREATED,
        by=by,
        to_status=InvoiceStatus.DRAFT,
        at=now,
        note=f"Credits {invoice}: {reason}",
    ).save()
    credit_note.refresh_from_db()
    return invoice_issue(invoice=credit_note, by=by)
