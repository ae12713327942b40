"""Invoice numbers: gapless per series and year, given at issue.

Numbers are given at issue only, from a counter row per series and year locked for the rest of the transaction, so
they are gapless and never given twice: a rolled-back issue also rolls back its number.
"""

from __future__ import annotations

from django.db.models import F

from ..models import Invoice, InvoiceNumberCounter

# A digit in the payment reference that keeps invoice and credit note references apart.
KIND_DIGIT: dict[str, str] = {Invoice.Kind.INVOICE: "1", Invoice.Kind.CREDIT_NOTE: "2"}


def next_sequence(*, series: str, year: int) -> int:
    """The next number of ``series`` in ``year``. The counter row stays locked until the caller's transaction ends."""
    InvoiceNumberCounter.objects.bulk_create(
        [InvoiceNumberCounter(series=series, year=year, last_number=0)], ignore_conflicts=True
    )
    counter = InvoiceNumberCounter.objects.select_for_update().get(series=series, year=year)
    counter.last_number = F("last_number") + 1
    counter.save(update_fields=["last_number"])
    counter.refresh_from_db(fields=["last_number"])
    return int(counter.last_number)


def format_invoice_number(*, series: str, year: int, sequence: int) -> str:
    return f"{series}-{year}-{sequence:05d}"
