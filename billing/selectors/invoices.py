"""Reads of invoices for the finance pages, the PDF and the CSV. Prefetching lives here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import cast

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from ..conf import billing_zone
from ..models import BillingProfile, Cdr, Invoice, InvoiceEvent, InvoiceLine, InvoiceRun, InvoiceStatus
from ..schedule import SCHEDULE_NAME

ZERO = Decimal(0)
OPEN_STATES = (InvoiceStatus.ISSUED, InvoiceStatus.SENT)


@dataclass(frozen=True)
class InvoiceFilters:
    profile_id: int | None = None
    month: date | None = None  # any day of the month whose invoices are wanted (by period)
    status: str = ""
    kind: str = ""
    overdue: bool = False


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    zone = billing_zone()
    return datetime.combine(first, datetime.min.time(), zone), datetime.combine(following, datetime.min.time(), zone)


def overdue_q(today: date) -> Q:
    return Q(kind=Invoice.Kind.INVOICE, status__in=OPEN_STATES, due_date__lt=today)


def invoice_list(*, filters: InvoiceFilters, today: date) -> QuerySet[Invoice]:
    invoices = Invoice.objects.select_related("profile", "credited_invoice")
    if filters.profile_id is not None:
        invoices = invoices.filter(profile_id=filters.profile_id)
    if filters.month is not None:
        start, end = _month_bounds(filters.month)
        invoices = invoices.filter(period_start__lt=end, period_end__gt=start)
    if filters.status:
        invoices = invoices.filter(status=filters.status)
    if filters.kind:
        invoices = invoices.filter(kind=filters.kind)
    if filters.overdue:
        invoices = invoices.filter(overdue_q(today))
    return invoices.order_by("-period_start", "profile__legal_name", "currency", "-id")


def invoice_get(*, pk: int) -> Invoice:
    return Invoice.objects.select_related("profile", "credited_invoice", "run").get(pk=pk)


def invoice_lines(*, invoice: Invoice) -> QuerySet[InvoiceLine]:
    """The lines in the order of the sessions, with their CDRs and the CDRs' stations (for their time zone), in one
    query."""
    return invoice.lines.select_related("cdr__session__location").order_by("cdr__start_date_time", "cdr__id")


def invoice_events(*, invoice: Invoice) -> QuerySet[InvoiceEvent]:
    return invoice.events.select_related("by").order_by("at", "id")


def invoice_credit_notes(*, invoice: Invoice) -> QuerySet[Invoice]:
    return invoice.credit_notes.order_by("created", "id")


def invoice_credited_on_draft(*, invoice: Invoice) -> int:
    """How many CDRs on this draft have been credited since it was made, without their credit on it yet."""
    return invoice.lines.filter(cdr__credit_cdr__isnull=False, cdr__credit_cdr__invoice_line__isnull=True).count()


@dataclass(frozen=True)
class VatGroup:
    rate: Decimal | None
    lines: int
    excl_vat: Decimal
    vat: Decimal
    incl_vat: Decimal


def invoice_vat_summary(*, invoice: Invoice) -> list[VatGroup]:
    """Totals per VAT rate (highest rate first; lines without one last)."""
    rows = (
        invoice.lines.values("vat_rate")
        .annotate(n=Count("id"), excl=Sum("amount_excl_vat"), vat=Sum("vat_amount"), incl=Sum("amount_incl_vat"))
        .order_by()
    )
    groups = [
        VatGroup(rate=row["vat_rate"], lines=row["n"], excl_vat=row["excl"], vat=row["vat"], incl_vat=row["incl"])
        for row in rows
    ]
    return sorted(groups, key=lambda g: (g.rate is None, -(g.rate or ZERO)))


@dataclass(frozen=True)
class Receivable:
    profile: BillingProfile
    currency: str
    open_count: int
    open_amount: Decimal
    overdue_count: int
    overdue_amount: Decimal
    oldest_due: date | None
    drafts: int
    paid_this_year: Decimal


def receivables(*, today: date) -> list[Receivable]:
    """Per party and currency: what is open (issued, not paid; credit notes count negative), overdue, and drafted."""
    open_ = Q(paid_at__isnull=True) & ~Q(status=InvoiceStatus.DRAFT)
    overdue = open_ & Q(kind=Invoice.Kind.INVOICE, status__in=OPEN_STATES, due_date__lt=today)
    money = Coalesce(Sum("total_incl_vat", filter=open_), ZERO)
    rows = (
        Invoice.objects.values("profile", "currency")
        .annotate(
            open_count=Count("id", filter=open_),
            open_amount=money,
            overdue_count=Count("id", filter=overdue),
            overdue_amount=Coalesce(Sum("total_incl_vat", filter=overdue), ZERO),
            oldest_due=Min("due_date", filter=overdue),
            drafts=Count("id", filter=Q(status=InvoiceStatus.DRAFT)),
            paid_this_year=Coalesce(
                Sum("total_incl_vat", filter=Q(paid_at__isnull=False, kind=Invoice.Kind.INVOICE, year=today.year)),
                ZERO,
            ),
        )
        .order_by()
    )
    profiles = BillingProfile.objects.in_bulk([row["profile"] for row in rows])
    result = [Receivable(profile=profiles[row.pop("profile")], **row) for row in rows]
    return sorted(result, key=lambda r: (-r.overdue_amount, -r.open_amount, r.profile.legal_name, r.currency))


@dataclass(frozen=True)
class UnbilledParty:
    country_code: str
    party_id: str
    currency: str
    cdrs: int
    amount_incl_vat: Decimal
    has_profile: bool


def unbilled_cdrs_by_party() -> list[UnbilledParty]:
    """Issued CDRs on no invoice yet, per eMSP party and currency, and whether the party has a billing profile."""
    profiles = BillingProfile.objects.filter(
        country_code=OuterRef("token_country_code"), party_id=OuterRef("token_party_id"), active=True
    )
    rows = (
        Cdr.objects.filter(status=Cdr.Status.ISSUED, invoice_line__isnull=True)
        .values("token_country_code", "token_party_id", "currency")
        .annotate(cdrs=Count("id"), amount=Coalesce(Sum("total_cost_incl_vat"), ZERO), has_profile=Exists(profiles))
        .order_by("token_country_code", "token_party_id", "currency")
    )
    return [
        UnbilledParty(
            country_code=row["token_country_code"],
            party_id=row["token_party_id"],
            currency=row["currency"],
            cdrs=row["cdrs"],
            amount_incl_vat=row["amount"],
            has_profile=row["has_profile"],
        )
        for row in rows
    ]


def recent_runs(*, limit: int = 5) -> QuerySet[InvoiceRun]:
    return InvoiceRun.objects.select_related("started_by").order_by("-started_at", "-id")[:limit]


def invoice_schedule() -> object | None:
    from django_celery_beat.models import PeriodicTask

    # django_celery_beat has no type hints: its PeriodicTask is typed as object here.
    return cast(object | None, PeriodicTask.objects.select_related("crontab").filter(name=SCHEDULE_NAME).first())


def draft_count() -> int:
    return Invoice.objects.filter(status=InvoiceStatus.DRAFT).count()
