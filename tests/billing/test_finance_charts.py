"""The money charts: revenue per eMSP on the dashboard, invoiced and paid per month and partner on the finance
trends page; their figures, fixed queries, CSV exports and who may see them."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.conf import billing_today
from billing.models import Cdr, Invoice, InvoiceRun
from billing.selectors import analytics
from billing.services.invoice_runs import invoice_run
from billing.services.invoices import invoice_issue, invoice_mark_paid
from chargepoints.roles import FINANCE, OPERATIONS
from tests.billing.invoice_builders import STANDARD, cdr_at, charger, profile, standard_tariffs, utc
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def billed() -> tuple[Invoice, Invoice]:
    """Two partners' February invoices, issued today; EMP's paid today."""
    standard_tariffs()
    evse = charger(STANDARD)
    emp, evs = profile(("NL", "EMP")), profile(("SE", "EVS"), legal_name="EV Sverige AB")
    cdr_at(utc(2026, 2, 2, 10), evse=evse)
    cdr_at(utc(2026, 2, 9, 10), evse=evse)
    cdr_at(utc(2026, 2, 3, 10), evse=evse, party=("SE", "EVS"))
    invoice_run(trigger=InvoiceRun.Trigger.COMMAND, now=utc(2026, 3, 2))
    user = make_user("fia", group=FINANCE)
    first = invoice_issue(invoice=Invoice.objects.get(profile=emp), by=user)
    second = invoice_issue(invoice=Invoice.objects.get(profile=evs), by=user)
    first = invoice_mark_paid(invoice=first, by=user)
    return first, second


def test_invoiced_and_paid_are_per_partner_and_month_in_one_query_each(billed, django_assert_num_queries) -> None:
    emp, evs = billed
    today = billing_today()
    with django_assert_num_queries(1):
        invoiced = analytics.invoiced_chart(today=today)
    with django_assert_num_queries(1):
        paid = analytics.paid_chart(today=today)
    assert invoiced.labels[-1] == f"{today:%Y-%m}"
    assert len(invoiced.labels) == 12
    issue_month = f"{emp.issue_date:%Y-%m}"
    by_label = {series.label: dict(zip(invoiced.labels, series.values, strict=True)) for series in invoiced.series}
    assert by_label[f"EV Sverige AB ({evs.currency})"][issue_month] == evs.total_incl_vat.quantize(Decimal("0.01"))
    assert by_label[f"{emp.buyer_name} ({emp.currency})"][issue_month] == emp.total_incl_vat.quantize(Decimal("0.01"))
    assert [series.label for series in paid.series] == [f"{emp.buyer_name} ({emp.currency})"]
    assert paid.series[0].values[-1] == emp.total_incl_vat.quantize(Decimal("0.01"))
    assert paid.series[0].values[:-1] == (Decimal("0.00"),) * 11


def test_revenue_per_emsp_is_the_issued_cdrs_cost_by_month(billed, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        chart = analytics.revenue_by_emsp_chart(today=date(2026, 3, 31))
    february = chart.labels.index("2026-02")
    expected = {
        f"{cc}*{party}": sum(
            (
                cdr.total_cost_excl_vat or Decimal(0)
                for cdr in Cdr.objects.filter(token_party_id=party, status=Cdr.Status.ISSUED)
            ),
            Decimal(0),
        )
        for cc, party in (("NL", "EMP"), ("SE", "EVS"))
    }
    assert {series.label.split()[0]: series.values[february] for series in chart.series} == {
        label: amount.quantize(Decimal("0.01")) for label, amount in expected.items()
    }


def test_the_trends_page_draws_both_charts_and_exports_each(client, billed, django_assert_max_num_queries) -> None:
    client.force_login(make_user("fia2", group=FINANCE))
    client.get(reverse("billing:trends"))  # warm the session and permission caches
    with django_assert_max_num_queries(8):
        response = client.get(reverse("billing:trends"))
    assert response.status_code == 200
    assert 'id="invoiced-per-month"' in response.text
    assert 'id="paid-per-month"' in response.text
    export = client.get(reverse("billing:trend_csv", args=["paid-per-month"]))
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert export["Content-Type"].startswith("text/csv")
    assert rows[0][0] == "Month"
    assert len(rows) == 13
    assert rows == list(csv.reader(io.StringIO(analytics.paid_chart(today=billing_today()).csv_text())))
    assert client.get(reverse("billing:trend_csv", args=["nope"])).status_code == 404


def test_operations_staff_get_no_finance_trends(client) -> None:
    client.force_login(make_user("ola", group=OPERATIONS))
    assert client.get(reverse("billing:trends")).status_code == 403
    assert client.get(reverse("billing:trend_csv", args=["paid-per-month"])).status_code == 403


def test_months_run_back_across_the_new_year() -> None:
    assert analytics._months(date(2026, 2, 10), 4) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
