"""Reads for the payment pages: a payment with what its page shows, the staff list, the daily totals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet

from billing.conf import billing_today, billing_zone

from .gateways import get_gateway
from .models import AdHocPayment, PaymentState


def payment_list(*, state: str = "", limit: int = 100) -> QuerySet[AdHocPayment]:
    rows = AdHocPayment.objects.select_related("evse", "session", "receipt").order_by("-created", "-id")
    if state:
        rows = rows.filter(state=state)
    return rows[:limit]


@dataclass(frozen=True)
class DayTotal:
    day: date
    currency: str
    count: int
    ours: Decimal  # captured − refunded, as we recorded it
    provider: Decimal  # captured − refunded, as the provider's books say

    @property
    def reconciled(self) -> bool:
        return self.ours == self.provider


def daily_totals(*, days: int = 14) -> list[DayTotal]:
    """Per day (billing zone) and currency of the capture: what we took, and what the provider says it took."""
    since = billing_today() - timedelta(days=days - 1)
    paid = AdHocPayment.objects.filter(state__in=[PaymentState.CAPTURED, PaymentState.REFUNDED]).exclude(
        captured_amount=None
    )
    rows = [p for p in paid.order_by("created") if p.created.astimezone(billing_zone()).date() >= since]
    provider: dict[str, Decimal] = {}
    by_gateway: dict[str, list[str]] = defaultdict(list)
    for payment in rows:
        by_gateway[payment.gateway].append(payment.provider_reference)
    for name, references in by_gateway.items():
        provider.update(get_gateway(name).captured_amounts(provider_references=references))
    sums: dict[tuple[date, str], list[Decimal]] = {}
    for payment in rows:
        key = (payment.created.astimezone(billing_zone()).date(), payment.currency)
        entry = sums.setdefault(key, [Decimal(0), Decimal(0), Decimal(0)])
        entry[0] += 1
        entry[1] += payment.refundable
        entry[2] += provider.get(payment.provider_reference, Decimal(0))
    return [
        DayTotal(day=day, currency=currency, count=int(v[0]), ours=v[1], provider=v[2])
        for (day, currency), v in sorted(sums.items(), reverse=True)
    ]
