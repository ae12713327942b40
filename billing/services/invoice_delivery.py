"""An issued invoice's PDF, stored once, and its delivery by e-mail with retries recorded."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from ..models import Invoice, InvoiceEvent, InvoiceStatus
from .invoice_events import invoice_event


@transaction.atomic
def invoice_store_pdf(*, invoice_id: int) -> Invoice:
    """Render an issued invoice's PDF once and store it; later calls return the stored one."""
    from ..documents import invoice_pdf

    invoice = (
        Invoice.objects.select_for_update(of=("self",)).select_related("profile", "credited_invoice").get(pk=invoice_id)
    )
    if invoice.status == InvoiceStatus.DRAFT:
        raise ValidationError(f"{invoice} is a draft; only issued invoices get a stored PDF.")
    if invoice.pdf:
        return invoice
    invoice.pdf.save(f"{invoice.number}.pdf", ContentFile(invoice_pdf(invoice)), save=False)
    invoice.pdf_rendered_at = timezone.now()
    invoice.save(update_fields=["pdf", "pdf_rendered_at"])
    invoice_event(invoice, InvoiceEvent.Action.PDF_RENDERED, by=None, note=invoice.pdf.name).save()
    return invoice


def invoice_email(invoice: Invoice) -> EmailMessage:
    from ..documents import invoice_csv, invoice_email_text

    subject, body = invoice_email_text(invoice)
    message = EmailMessage(subject=subject, body=body, from_email=settings.BILLING_FROM_EMAIL, to=[invoice.buyer_email])
    with invoice.pdf.open("rb") as stored:
        message.attach(f"{invoice.number}.pdf", stored.read(), "application/pdf")
    message.attach(f"{invoice.number}.csv", invoice_csv(invoice), "text/csv")
    return message


def invoice_send(*, invoice_id: int, by: User | None, again: bool = False) -> Invoice:
    """E-mail the invoice with its PDF and CSV to the partner's billing address.

    Runs outside a transaction, so no lock is held while the mail server is slow. Sending an invoice that was already
    sent does nothing unless ``again``. Errors from the e-mail backend propagate (the task retries and records them).
    """
    invoice = Invoice.objects.get(pk=invoice_id)
    if invoice.status == InvoiceStatus.DRAFT:
        raise ValidationError(f"{invoice} is a draft; issue it before sending it.")
    if invoice.sent_at is not None and not again:
        return invoice
    invoice = invoice_store_pdf(invoice_id=invoice_id)
    invoice_email(invoice).send(fail_silently=False)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        previous = invoice.status
        if invoice.status == InvoiceStatus.ISSUED:
            invoice.status = InvoiceStatus.SENT
        invoice.sent_at = timezone.now()
        invoice.send_attempts += 1
        invoice.send_error, invoice.send_failed_at = "", None
        invoice.save(update_fields=["status", "sent_at", "send_attempts", "send_error", "send_failed_at"])
        invoice_event(
            invoice,
            InvoiceEvent.Action.SENT,
            by=by,
            from_status=previous,
            to_status=invoice.status,
            note=f"To {invoice.buyer_email}",
        ).save()
    return invoice


@transaction.atomic
def invoice_record_send_failure(*, invoice_id: int, by: User | None, error: str, final: bool) -> Invoice:
    """A delivery attempt failed: count it and show the error to finance; ``final`` when no retry follows."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    invoice.send_attempts += 1
    invoice.send_error = error[:2000]
    fields = ["send_attempts", "send_error"]
    if final:
        invoice.send_failed_at = timezone.now()
        fields.append("send_failed_at")
    invoice.save(update_fields=fields)
    note = f"Attempt {invoice.send_attempts}: {error[:500]}" + (" — gave up" if final else " — will retry")
    invoice_event(invoice, InvoiceEvent.Action.SEND_FAILED, by=by, note=note).save()
    return invoice
