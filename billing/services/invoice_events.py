"""The history rows every change of an invoice writes."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.utils import timezone

from ..models import Invoice, InvoiceEvent


def invoice_event(
    invoice: Invoice,
    action: str,
    *,
    by: User | None,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    at: datetime | None = None,
) -> InvoiceEvent:
    return InvoiceEvent(
        invoice=invoice,
        action=action,
        by=by,
        from_status=from_status,
        to_status=to_status,
        note=note,
        at=at or timezone.now(),
    )
