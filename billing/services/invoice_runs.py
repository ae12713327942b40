"""Invoice runs: bill issued CDRs to eMSP parties in draft invoices and credit notes, by period.

How a run bills (``invoice_run``), set-based, in one transaction and a constant number of queries:

* The active billing profiles are locked (``select_for_update``, in id order), so two runs at the same time take
  turns per party; the second sees what the first committed and finds nothing left to bill. The unique
  ``InvoiceLine.cdr`` is the backstop: a CDR is on one line, ever.
* Each profile bills every complete period after ``billed_through`` (the end of the last period a run invoiced):
  one invoice per party, period and currency that has CDRs, by the local time (BILLING_TIME_ZONE) the session ended.
  An unbilled CDR that ended before ``billed_through`` arrived after its period was invoiced: it goes on the first
  new invoice of its currency, marked late. The current period is never billed before it is over.
* The lines are written by one ``INSERT … SELECT`` that joins the new invoices to the CDRs in their windows.
* A credit CDR whose original is unbilled goes on the same invoice as the original (both in the same window). One
  whose original is on an issued invoice goes on a credit note that references that invoice; one whose original is
  still on a draft is added to that draft, which then nets the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.utils import timezone

from chargepoints.enums import TokenType

from ..conf import billing_zone, local_midnight
from ..models import BillingProfile, Cdr, Invoice, InvoiceEvent, InvoiceLine, InvoiceRun, InvoiceStatus
from .invoice_events import invoice_event
from .invoice_sql import insert_credit_lines, insert_regular_lines, vat_rate_sql


def period_start_of(moment: datetime, period: str) -> datetime:
    """The start (a local midnight, as a UTC instant) of the monthly or weekly period that contains ``moment``."""
    day = moment.astimezone(billing_zone()).date()
    if period == BillingProfile.Period.WEEKLY:
        return local_midnight(day - timedelta(days=day.weekday()))
    return local_midnight(day.replace(day=1))


def next_period_start(moment: datetime, period: str) -> datetime:
    """The first period boundary after ``moment`` (which need not be on a boundary itself)."""
    day = moment.astimezone(billing_zone()).date()
    if period == BillingProfile.Period.WEEKLY:
        return local_midnight(day - timedelta(days=day.weekday()) + timedelta(days=7))
    return local_midnight((day.replace(day=1) + timedelta(days=32)).replace(day=1))


def _unbilled(profiles: Sequence[BillingProfile]) -> QuerySet[Cdr]:
    """Issued CDRs of these parties' tokens that are on no invoice line yet. Ad hoc sessions (AD_HOC_USER: the driver
    paid by card at the charger) are never on an eMSP's invoice, even when an eMSP shares our party id.

    A CDR that ended on or after its party's ``billed_through`` cannot have been billed (runs bill only periods before
    it, and credit CDRs copy their original's times), so only older ones are looked up among the invoice lines.
    """
    billed = Exists(InvoiceLine.objects.filter(cdr=OuterRef("pk")))
    parties = Q(pk__in=[])
    for profile in profiles:
        party = Q(token_country_code=profile.country_code, token_party_id=profile.party_id)
        if profile.billed_through is not None:
            party &= Q(Q(end_date_time__gte=profile.billed_through) | ~billed)
        parties |= party
    return Cdr.objects.filter(parties, status=Cdr.Status.ISSUED).exclude(token_type=TokenType.AD_HOC_USER)


def buyer_fields(profile: BillingProfile) -> dict[str, Any]:
    return {
        "buyer_name": profile.legal_name,
        "buyer_address": profile.address_lines,
        "buyer_vat_number": profile.vat_number,
        "buyer_registration_number": profile.registration_number,
        "buyer_reference": profile.their_reference,
        "buyer_email": profile.billing_email,
        "language": profile.language,
        "payment_terms_days": profile.payment_terms_days,
    }


@dataclass(frozen=True)
class _Scan:
    """What one pass over the unbilled CDRs of the run's parties found (a few rows per party, not one per CDR)."""

    # (party, currency) -> the earliest and latest end of its unbilled CDRs before the latest cutoff
    spans: dict[tuple[str, str, str], tuple[datetime, datetime]]
    versions: set[tuple[str, str | None, int]]  # (tariff id, snapshot last_updated, a CDR id) for the VAT rates
    credits: bool  # any unbilled credit CDR at all (the credit note path runs only then)


def _scan(profiles: Sequence[BillingProfile], *, until: datetime) -> _Scan:
    rows = (
        _unbilled(profiles)
        .filter(end_date_time__lt=until)
        .annotate(version=KT("tariff_snapshot__last_updated"))
        .values("token_country_code", "token_party_id", "currency", "tariff_id", "version", "credit")
        .annotate(first=Min("end_date_time"), last=Max("end_date_time"), sample=Min("id"))
        .order_by()
    )
    spans: dict[tuple[str, str, str], tuple[datetime, datetime]] = {}
    versions, credits = set(), False
    for row in rows:
        key = (row["token_country_code"], row["token_party_id"], row["currency"])
        first, last = spans.get(key, (row["first"], row["last"]))
        spans[key] = (min(first, row["first"]), max(last, row["last"]))
        versions.add((row["tariff_id"], row["version"], row["sample"]))
        credits = credits or row["credit"]
    return _Scan(spans=spans, versions=versions, credits=credits)


def _periods(profile: BillingProfile, first: datetime, last: datetime, cutoff: datetime) -> list[datetime]:
    """The starts of the periods to invoice for CDRs that ended between ``first`` and ``last``.

    Periods run from ``billed_through`` (CDRs ending before it are late and go on that first period's invoice), or,
    for a party never billed, from the period of its first CDR, to the last complete one before ``cutoff``. A period
    without CDRs gets an invoice here too; the run drops it once it has no lines.
    """
    floor = profile.billed_through
    if first >= cutoff or (floor is not None and floor >= cutoff):
        return []  # nothing from a complete period, or already billed through it: late CDRs wait for the next
    last = min(last, cutoff - timedelta(microseconds=1))
    start = period_start_of(first, profile.period)
    end = period_start_of(last, profile.period)
    if floor is not None:
        start, end = max(start, floor), max(end, floor)
    starts = []
    while start <= end:
        starts.append(start)
        start = next_period_start(start, profile.period)
    return starts


def _new_period_invoices(
    *, run: InvoiceRun, profiles: Sequence[BillingProfile], scan: _Scan, cutoffs: dict[int, datetime], now: datetime
) -> list[Invoice]:
    """Create this run's (still empty) invoices and move each profile's ``billed_through`` to its current period."""
    by_party = {(p.country_code, p.party_id): p for p in profiles}
    invoices = []
    for (country_code, party_id, currency), (first, last) in sorted(scan.spans.items()):
        profile = by_party[(country_code, party_id)]
        for start in _periods(profile, first, last, cutoffs[profile.pk]):
            invoices.append(
                Invoice(
                    kind=Invoice.Kind.INVOICE,
                    profile=profile,
                    currency=currency,
                    period_start=start,
                    period_end=next_period_start(start, profile.period),
                    includes_late=start == profile.billed_through,
                    run=run,
                    created=now,
                    **buyer_fields(profile),
                )
            )
    created = Invoice.objects.bulk_create(invoices)
    advanced = []
    for profile in profiles:
        if profile.billed_through is None or profile.billed_through < cutoffs[profile.pk]:
            profile.billed_through = cutoffs[profile.pk]
            advanced.append(profile)
    BillingProfile.objects.bulk_update(advanced, ["billed_through"])
    return created


def credit_note_for(original: Invoice, *, run: InvoiceRun | None, now: datetime) -> Invoice:
    return Invoice(
        kind=Invoice.Kind.CREDIT_NOTE,
        profile=original.profile,
        currency=original.currency,
        period_start=original.period_start,
        period_end=original.period_end,
        credited_invoice=original,
        run=run,
        created=now,
        **buyer_fields(original.profile),
    )


def _bill_credit_cdrs(
    *, run: InvoiceRun | None, cdrs: QuerySet[Cdr], now: datetime
) -> tuple[list[Invoice], list[int], int]:
    """Credit notes for unbilled credit CDRs whose original is on an issued invoice; credits of CDRs on drafts are
    added to those drafts. Returns the new credit notes, the drafts that got lines, and the number of lines."""
    originals = set(
        cdrs.filter(credit=True, credit_of__invoice_line__isnull=False).values_list(
            "credit_of__invoice_line__invoice", flat=True
        )
    )
    if not originals:
        return [], [], 0
    # Locked, so an issue running now either finishes first (we then credit it) or waits for our lines.
    locked = list(Invoice.objects.select_for_update(of=("self",)).filter(pk__in=originals).select_related("profile"))
    drafts = [invoice.pk for invoice in locked if invoice.status == InvoiceStatus.DRAFT]
    issued = [invoice for invoice in locked if invoice.status != InvoiceStatus.DRAFT]
    credit_notes = Invoice.objects.bulk_create([credit_note_for(inv, run=run, now=now) for inv in issued])
    lines = insert_credit_lines(target="credit_note", invoice_ids=[cn.pk for cn in credit_notes])
    lines += insert_credit_lines(target="same", invoice_ids=drafts)
    return credit_notes, drafts, lines


def update_totals(invoice_ids: Sequence[int]) -> set[int]:
    """Store each invoice's line count and totals; returns the ids of those that have lines."""
    sums = (
        InvoiceLine.objects.filter(invoice_id__in=invoice_ids)
        .values("invoice_id")
        .annotate(
            count=Count("id"),
            excl=Sum("amount_excl_vat"),
            vat=Sum("vat_amount"),
            incl=Sum("amount_incl_vat"),
        )
        .order_by()
    )
    updated = [
        Invoice(
            pk=row["invoice_id"],
            line_count=row["count"],
            total_excl_vat=row["excl"],
            total_vat=row["vat"],
            total_incl_vat=row["incl"],
        )
        for row in sums
    ]
    Invoice.objects.bulk_update(updated, ["line_count", "total_excl_vat", "total_vat", "total_incl_vat"])
    return {invoice.pk for invoice in updated}


@transaction.atomic
def invoice_run(*, trigger: str, by: User | None = None, now: datetime | None = None) -> InvoiceRun:
    """Bill every active party's complete periods (and any credit CDRs) in draft invoices. Safe to run at any time."""
    now = now or timezone.now()
    run = InvoiceRun.objects.create(trigger=trigger, started_by=by, started_at=now)
    profiles = list(BillingProfile.objects.select_for_update().filter(active=True).order_by("pk"))
    if profiles:
        cutoffs = {p.pk: period_start_of(now, p.period) for p in profiles}
        scan = _scan(profiles, until=max(cutoffs.values()))
        invoices = _new_period_invoices(run=run, profiles=profiles, scan=scan, cutoffs=cutoffs, now=now)
        lines = 0
        if invoices:
            vat_sql, vat_params = vat_rate_sql(scan.versions)
            lines = insert_regular_lines(run=run, vat_sql=vat_sql, vat_params=vat_params)
        credit_notes, drafts, credit_lines = (
            _bill_credit_cdrs(run=run, cdrs=_unbilled(profiles), now=now) if scan.credits else ([], [], 0)
        )
        billed = update_totals([*(i.pk for i in invoices), *(c.pk for c in credit_notes), *drafts])
        empty = [i.pk for i in invoices if i.pk not in billed]
        if empty:
            Invoice.objects.filter(pk__in=empty).delete()
            invoices = [i for i in invoices if i.pk in billed]
        events = [
            invoice_event(i, InvoiceEvent.Action.CREATED, by=by, to_status=InvoiceStatus.DRAFT, at=now)
            for i in invoices
        ]
        events += [
            invoice_event(
                c,
                InvoiceEvent.Action.CREATED,
                by=by,
                to_status=InvoiceStatus.DRAFT,
                at=now,
                note=f"Credits {c.credited_invoice}",
            )
            for c in credit_notes
        ]
        events += [
            invoice_event(
                Invoice(pk=pk), InvoiceEvent.Action.LINES_ADDED, by=by, at=now, note="Credit CDRs of CDRs on this draft"
            )
            for pk in drafts
        ]
        InvoiceEvent.objects.bulk_create(events)
        run.invoices_created = len(invoices)
        run.credit_notes_created = len(credit_notes)
        run.lines_created = lines + credit_lines
    run.finished_at = timezone.now()
    run.save()
    return run


def invoice_run_failed(*, trigger: str, by: User | None, error: str) -> InvoiceRun:
    """Record a run that raised (its own transaction was rolled back with everything it did)."""
    return InvoiceRun.objects.create(
        trigger=trigger, started_by=by, status=InvoiceRun.Status.FAILED, finished_at=timezone.now(), error=error
    )
