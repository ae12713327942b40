"""The money charts: revenue per eMSP per month (the staff dashboard), invoiced and paid per month and partner (the
finance trends page). One aggregate query each; months are the billing zone's calendar months, newest last.

Amounts are per currency and never added across currencies: a series is one party (or partner) in one currency, and
series of one currency share a stack. Credit CDRs and credit notes carry negative amounts, so the sums are net.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from chargepoints.charts import Chart, Series

from ..conf import billing_zone, local_midnight
from ..models import Cdr, Invoice, InvoiceStatus

MONTHS = 12


def _months(today: date, count: int = MONTHS) -> list[date]:
    """The first days of the last ``count`` months, ending with today's."""
    months = [today.replace(day=1)]
    while len(months) < count:
        previous = months[-1]
        months.append(
            previous.replace(year=previous.year - 1, month=12)
            if previous.month == 1
            else previous.replace(month=previous.month - 1)
        )
    return months[::-1]


def _month_of(value: date | datetime) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value, billing_zone()).date()
    return value.replace(day=1)


def _monthly_series(rows: Iterable[dict[str, Any]], months: list[date], name: str) -> tuple[Series, ...]:
    """Rows of (``name``, currency, month, amount) as one stacked bar series per name and currency."""
    amounts: dict[tuple[str, str], dict[date, Decimal]] = defaultdict(dict)
    for row in rows:
        amounts[(row[name], row["currency"])][_month_of(row["month"])] = row["amount"]
    return tuple(
        Series(
            label=f"{who} ({currency})",
            values=tuple(amounts[(who, currency)].get(month, Decimal(0)).quantize(Decimal("0.01")) for month in months),
            stack=currency,
        )
        for who, currency in sorted(amounts)
    )


def revenue_by_emsp_chart(*, today: date) -> Chart:
    """Issued CDRs' cost excl. VAT by the month the session ended and the eMSP of its token."""
    months = _months(today)
    rows = (
        Cdr.objects.filter(status=Cdr.Status.ISSUED, end_date_time__gte=local_midnight(months[0]))
        .exclude(currency="")
        .annotate(month=TruncMonth("end_date_time", tzinfo=billing_zone()))
        .values("token_country_code", "token_party_id", "currency", "month")
        .annotate(amount=Sum("total_cost_excl_vat"))
        .order_by()
    )
    merged = [
        {**row, "emsp": f"{row['token_country_code']}*{row['token_party_id']}"}
        for row in rows
        if row["amount"] is not None
    ]
    return Chart(
        key="revenue-by-emsp",
        title=_("Revenue per eMSP per month"),
        summary=_("Cost excl. VAT of the CDRs issued for each eMSP's drivers, by the month the session ended."),
        x_label=_("Month"),
        y_label=_("Revenue excl. VAT"),
        labels=tuple(f"{month:%Y-%m}" for month in months),
        series=_monthly_series(merged, months, "emsp"),
    )


def invoiced_chart(*, today: date) -> Chart:
    """Invoices and credit notes incl. VAT by the month of their issue date, per partner."""
    months = _months(today)
    rows = (
        Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
        .filter(issue_date__gte=months[0])
        .annotate(month=TruncMonth("issue_date"))
        .values("profile__legal_name", "currency", "month")
        .annotate(amount=Sum("total_incl_vat"))
        .order_by()
    )
    return Chart(
        key="invoiced-per-month",
        title=_("Invoiced per month"),
        summary=_("Invoices less credit notes, incl. VAT, by the month they were issued, per partner."),
        x_label=_("Month"),
        y_label=_("Invoiced incl. VAT"),
        labels=tuple(f"{month:%Y-%m}" for month in months),
        series=_monthly_series(rows, months, "profile__legal_name"),
    )


def paid_chart(*, today: date) -> Chart:
    """Invoices marked paid, incl. VAT, by the month of payment, per partner."""
    months = _months(today)
    rows = (
        Invoice.objects.filter(paid_at__gte=local_midnight(months[0]))
        .annotate(month=TruncMonth("paid_at", tzinfo=billing_zone()))
        .values("profile__legal_name", "currency", "month")
        .annotate(amount=Sum("total_incl_vat"))
        .order_by()
    )
    return Chart(
        key="paid-per-month",
        title=_("Paid per month"),
        summary=_("Invoice amounts incl. VAT received, by the month they were marked paid, per partner."),
        x_label=_("Month"),
        y_label=_("Paid incl. VAT"),
        labels=tuple(f"{month:%Y-%m}" for month in months),
        series=_monthly_series(rows, months, "profile__legal_name"),
    )
