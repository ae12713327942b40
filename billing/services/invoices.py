"""Invoices: runs that bill issued CDRs to eMSP parties, numbering at issue, the lifecycle, credit notes, delivery.

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

Numbers are given at issue only, from a counter row per series and year locked for the rest of the transaction, so
they are gapless and never given twice: a rolled-back issue also rolls back its number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.utils import timezone

from ..models import (
    BillingProfile,
    Cdr,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    InvoiceNumberCounter,
    InvoiceRun,
    InvoiceStatus,
)
from ..payment_reference import ocr_reference
from . import cdrs as cdr_services

RUN_TASK_NAME = "billing.invoice_run"
SCHEDULE_NAME = "Billing: invoice run"
ISSUED_STATES = (InvoiceStatus.ISSUED, InvoiceStatus.SENT, InvoiceStatus.PAID, InvoiceStatus.CREDITED)
# A digit in the payment reference that keeps invoice and credit note references apart.
KIND_DIGIT: dict[str, str] = {Invoice.Kind.INVOICE: "1", Invoice.Kind.CREDIT_NOTE: "2"}


def billing_zone() -> tzinfo:
    return ZoneInfo(settings.BILLING_TIME_ZONE)


def billing_today() -> date:
    return timezone.localdate(timezone=billing_zone())


# --- Periods ------------------------------------------------------------------------------------------------------


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=billing_zone()).astimezone(UTC)


def period_start_of(moment: datetime, period: str) -> datetime:
    """The start (a local midnight, as a UTC instant) of the monthly or weekly period that contains ``moment``."""
    day = moment.astimezone(billing_zone()).date()
    if period == BillingProfile.Period.WEEKLY:
        return _local_midnight(day - timedelta(days=day.weekday()))
    return _local_midnight(day.replace(day=1))


def next_period_start(moment: datetime, period: str) -> datetime:
    """The first period boundary after ``moment`` (which need not be on a boundary itself)."""
    day = moment.astimezone(billing_zone()).date()
    if period == BillingProfile.Period.WEEKLY:
        return _local_midnight(day - timedelta(days=day.weekday()) + timedelta(days=7))
    return _local_midnight((day.replace(day=1) + timedelta(days=32)).replace(day=1))


# --- Invoice runs -------------------------------------------------------------------------------------------------


def _party_q(profiles: Iterable[BillingProfile], prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for profile in profiles:
        q |= Q(**{f"{prefix}token_country_code": profile.country_code, f"{prefix}token_party_id": profile.party_id})
    return q


def _unbilled(profiles: Sequence[BillingProfile]) -> QuerySet[Cdr]:
    """Issued CDRs of these parties' tokens that are on no invoice line yet.

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
    return Cdr.objects.filter(parties, status=Cdr.Status.ISSUED)


def tariff_vat_rate(snapshot: dict[str, Any] | None) -> Decimal | None:
    """The VAT rate (percent) of a tariff snapshot: the one rate all its price components charge.

    None when no component charges VAT, or when they mix rates: a CDR carries its VAT as one amount, which cannot be
    split by rate afterwards, so such lines are summed in their own group.
    """
    if not snapshot:
        return None
    rates = {
        component.get("vat")
        for element in snapshot.get("elements", [])
        for component in element.get("price_components", [])
    }
    if len(rates) != 1 or None in rates:
        return None
    return Decimal(str(rates.pop()))


def _json_text(column: str, key: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def _vat_rate_sql(versions: Iterable[tuple[str, str | None, int]]) -> tuple[str, list[Any]]:
    """A CASE expression giving each CDR (alias ``c``) the VAT rate of its tariff version.

    A tariff version is (tariff id, the snapshot's last_updated); ``versions`` holds each with the id of one CDR
    priced by it, whose snapshot gives the rate. So the big INSERT only reads one short key of each CDR's snapshot.
    """
    samples = {sample: (tariff_id, version) for tariff_id, version, sample in versions}
    snapshots = Cdr.objects.filter(pk__in=samples).values_list("pk", "tariff_snapshot")
    version_sql = _json_text("c.tariff_snapshot", "last_updated")
    branches: list[str] = []
    params: list[Any] = []
    for pk, snapshot in snapshots:
        rate = tariff_vat_rate(snapshot)
        if rate is None:
            continue
        tariff_id, version = samples[pk]
        if version is None:
            branches.append(f"WHEN c.tariff_id = %s AND {version_sql} IS NULL THEN %s")
            params += [tariff_id, rate]
        else:
            branches.append(f"WHEN c.tariff_id = %s AND {version_sql} = %s THEN %s")
            params += [tariff_id, version, rate]
    if not branches:
        return "NULL", []
    return f"CASE {' '.join(branches)} ELSE NULL END", params


# The raw SQL below is built only from model table names, fixed column lists and %s placeholders (S608 checked).
def _table(model: Any) -> str:
    return str(model._meta.db_table)


LINE_COLUMNS = "invoice_id, cdr_id, late, vat_rate, amount_excl_vat, vat_amount, amount_incl_vat"
LINE_AMOUNTS = "c.total_cost_excl_vat, c.total_cost_incl_vat - c.total_cost_excl_vat, c.total_cost_incl_vat"


def _not_billed_sql(column: str) -> str:
    return f"NOT EXISTS (SELECT 1 FROM {_table(InvoiceLine)} bl WHERE bl.cdr_id = {column})"  # noqa: S608


def _insert_regular_lines(*, run: InvoiceRun, vat_sql: str, vat_params: list[Any]) -> int:
    """One INSERT … SELECT: every unbilled CDR in the window of one of this run's new invoices becomes its line.

    The lines table is consulted only for late CDRs (before the invoice's period), never once per CDR of the period:
    a per-row probe of the table this statement is filling is what a planner with stale statistics turns quadratic.
    """
    sql = f"""
        INSERT INTO {_table(InvoiceLine)} ({LINE_COLUMNS})
        SELECT i.id, c.id, c.end_date_time < i.period_start, {vat_sql}, {LINE_AMOUNTS}
        FROM {_table(Invoice)} i
        JOIN {_table(BillingProfile)} p ON p.id = i.profile_id
        JOIN {_table(Cdr)} c
          ON c.token_country_code = p.country_code AND c.token_party_id = p.party_id AND c.currency = i.currency
         AND c.end_date_time < i.period_end
         AND (c.end_date_time >= i.period_start OR (i.includes_late AND {_not_billed_sql("c.id")}))
        WHERE i.run_id = %s AND i.kind = %s AND c.status = %s
          AND (c.credit_of_id IS NULL OR {_not_billed_sql("c.credit_of_id")})
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*vat_params, run.pk, Invoice.Kind.INVOICE, Cdr.Status.ISSUED])
        return int(cursor.rowcount)


def _insert_credit_lines(*, target: str, invoice_ids: Sequence[int]) -> int:
    """Lines for unbilled credit CDRs whose original's line is on one of ``invoice_ids``.

    ``target`` "credit_note": onto the credit note (among ``invoice_ids``' credit notes) that references the original's
    invoice; "same": onto the original's own invoice (a draft). The VAT rate is the original line's.
    """
    if not invoice_ids:
        return 0
    marks = ", ".join(["%s"] * len(invoice_ids))
    if target == "credit_note":
        into = "cn.id"
        join = f"JOIN {_table(Invoice)} cn ON cn.credited_invoice_id = ol.invoice_id AND cn.id IN ({marks})"
        where = "1 = 1"
    else:
        into, join, where = "ol.invoice_id", "", f"ol.invoice_id IN ({marks})"
    sql = f"""
        INSERT INTO {_table(InvoiceLine)} ({LINE_COLUMNS})
        SELECT {into}, c.id, %s, ol.vat_rate, {LINE_AMOUNTS}
        FROM {_table(Cdr)} c
        JOIN {_table(InvoiceLine)} ol ON ol.cdr_id = c.credit_of_id
        {join}
        WHERE {where} AND c.status = %s AND c.credit AND {_not_billed_sql("c.id")}
    """  # noqa: S608
    params: list[Any] = [False, *invoice_ids, Cdr.Status.ISSUED]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _buyer_fields(profile: BillingProfile) -> dict[str, Any]:
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
                    **_buyer_fields(profile),
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


def _credit_note_for(original: Invoice, *, run: InvoiceRun | None, now: datetime) -> Invoice:
    return Invoice(
        kind=Invoice.Kind.CREDIT_NOTE,
        profile=original.profile,
        currency=original.currency,
        period_start=original.period_start,
        period_end=original.period_end,
        credited_invoice=original,
        run=run,
        created=now,
        **_buyer_fields(original.profile),
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
    credit_notes = Invoice.objects.bulk_create([_credit_note_for(inv, run=run, now=now) for inv in issued])
    lines = _insert_credit_lines(target="credit_note", invoice_ids=[cn.pk for cn in credit_notes])
    lines += _insert_credit_lines(target="same", invoice_ids=drafts)
    return credit_notes, drafts, lines


def _update_totals(invoice_ids: Sequence[int]) -> set[int]:
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


def _event(
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
            vat_sql, vat_params = _vat_rate_sql(scan.versions)
            lines = _insert_regular_lines(run=run, vat_sql=vat_sql, vat_params=vat_params)
        credit_notes, drafts, credit_lines = (
            _bill_credit_cdrs(run=run, cdrs=_unbilled(profiles), now=now) if scan.credits else ([], [], 0)
        )
        billed = _update_totals([*(i.pk for i in invoices), *(c.pk for c in credit_notes), *drafts])
        empty = [i.pk for i in invoices if i.pk not in billed]
        if empty:
            Invoice.objects.filter(pk__in=empty).delete()
            invoices = [i for i in invoices if i.pk in billed]
        events = [
            _event(i, InvoiceEvent.Action.CREATED, by=by, to_status=InvoiceStatus.DRAFT, at=now) for i in invoices
        ]
        events += [
            _event(
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
            _event(
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


# --- Numbering and issue ------------------------------------------------------------------------------------------


def _next_sequence(*, series: str, year: int) -> int:
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


def seller_details() -> dict[str, Any]:
    return dict(settings.BILLING_SELLER)


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
    sequence = _next_sequence(series=series, year=today.year)
    for name, value in _buyer_fields(invoice.profile).items():
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
    _event(
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
    _event(
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
    invoice.paid_at = _local_midnight(paid_on)
    invoice.save(update_fields=["status", "paid_at"])
    _event(
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
    credit_note = _credit_note_for(Invoice.objects.select_related("profile").get(pk=invoice.pk), run=None, now=now)
    credit_note.save()
    _insert_credit_lines(target="credit_note", invoice_ids=[credit_note.pk])
    _update_totals([credit_note.pk])
    _event(
        credit_note,
        InvoiceEvent.Action.CREATED,
        by=by,
        to_status=InvoiceStatus.DRAFT,
        at=now,
        note=f"Credits {invoice}: {reason}",
    ).save()
    credit_note.refresh_from_db()
    return invoice_issue(invoice=credit_note, by=by)


# --- PDF and delivery ---------------------------------------------------------------------------------------------


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
    _event(invoice, InvoiceEvent.Action.PDF_RENDERED, by=None, note=invoice.pdf.name).save()
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
        _event(
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
    _event(invoice, InvoiceEvent.Action.SEND_FAILED, by=by, note=note).save()
    return invoice


# --- Profiles and the schedule ------------------------------------------------------------------------------------


def billing_profile_get_or_create(*, country_code: str, party_id: str, defaults: dict[str, Any]) -> BillingProfile:
    profile, _created = BillingProfile.objects.get_or_create(
        country_code=country_code.upper(), party_id=party_id.upper(), defaults=defaults
    )
    return profile


def invoice_schedule_ensure() -> Any:
    """The beat schedule's invoice run (daily 03:00 local; staff may edit it). Creates it when missing."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    task = PeriodicTask.objects.filter(name=SCHEDULE_NAME).first()
    if task is not None:
        return task
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.BILLING_TIME_ZONE
    )
    task, _created = PeriodicTask.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "task": RUN_TASK_NAME,
            "crontab": crontab,
            "description": "Bills every complete period of every active billing profile in draft invoices.",
        },
    )
    return task
