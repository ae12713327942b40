"""The scale data set's billing (chargepoints.scale): a CDR for each finished session, weekly invoices per eMSP party.

Written in bulk, bypassing the quality gate and the invoice run, so nothing is pushed and no number counter is used:
the invoices get their own series, "SCALE", and their counters are set to the numbers used.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from chargepoints.models import ChargingSession
from chargepoints.scale import TOKEN_PARTIES, ScalePlan, bulk_insert, copy_insert, register
from chargepoints.sessions.enums import SessionStatus

from .models import BillingProfile, Cdr, Invoice, InvoiceLine, InvoiceNumberCounter, InvoiceStatus
from .services.cdrs import cdr_session_fields
from .services.invoice_numbers import format_invoice_number

SERIES = "SCALE"
VAT = {"SEK": Decimal(25), "EUR": Decimal(19)}


@register(order=30, name="CDRs")
def seed_cdrs(plan: ScalePlan) -> str:
    rng = plan.rng("cdrs")
    sessions = (
        ChargingSession.objects.filter(ocpi_id__startswith="SCALE-S", status=SessionStatus.COMPLETED)
        .order_by("id")
        .iterator(chunk_size=5000)
    )

    def rows() -> Iterator[Cdr]:
        for session in sessions:
            assert session.end_date_time is not None  # completed
            held = rng.random() < 0.01  # the quality gate holds a few for review
            yield Cdr(
                ocpi_id=f"SCALE-C{session.ocpi_id.removeprefix('SCALE-S')}",
                status=Cdr.Status.REVIEW if held else Cdr.Status.ISSUED,
                session=session,
                start_date_time=session.start_date_time,
                end_date_time=session.end_date_time,
                **cdr_session_fields(session),
                currency=session.currency,
                total_energy=session.kwh,
                total_time=Decimal((session.end_date_time - session.start_date_time).total_seconds() / 3600).quantize(
                    Decimal("0.000001")
                ),
                total_parking_time=Decimal(0),
                total_cost_excl_vat=session.total_cost_excl_vat,
                total_cost_incl_vat=session.total_cost_incl_vat,
                total_energy_cost_excl_vat=session.total_cost_excl_vat,
                total_energy_cost_incl_vat=session.total_cost_incl_vat,
                review_reasons=["energy above the connector's power"] if held else [],
                created=session.end_date_time,
                issued_at=None if held else session.end_date_time,
                last_updated=session.end_date_time,
            )

    return f"CDRs: {copy_insert(Cdr, rows())} ({Cdr.objects.filter(status=Cdr.Status.REVIEW).count()} held)"


def _week_start(when: datetime) -> datetime:
    return (when - timedelta(days=when.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)


@register(order=40, name="invoices")
def seed_invoices(plan: ScalePlan) -> str:
    profiles = {
        party: profile
        for party, profile in zip(
            TOKEN_PARTIES,
            BillingProfile.objects.bulk_create(
                BillingProfile(
                    country_code=country_code,
                    party_id=party_id,
                    legal_name=f"eMSP {country_code}*{party_id} AB",
                    street="Box 1",
                    postal_code="111 11",
                    city="Stockholm",
                    country="Sweden",
                    vat_number=f"SE55{n:08d}01",
                    billing_email=f"billing-{party_id.lower()}@example.com",
                    period=BillingProfile.Period.WEEKLY,
                )
                for n, (country_code, party_id) in enumerate(TOKEN_PARTIES)
            ),
            strict=True,
        )
    }
    # The issued CDRs' totals per (party, currency, week); the newest weeks are invoiced, up to plan.invoices.
    totals: dict[tuple[str, str, str, datetime], list[Any]] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    issued = Cdr.objects.filter(status=Cdr.Status.ISSUED, ocpi_id__startswith="SCALE-C")
    facts = ("token_country_code", "token_party_id", "currency", "end_date_time")
    amounts = ("total_cost_excl_vat", "total_cost_incl_vat")
    for cc, party, currency, end, excl, incl in issued.values_list(*facts, *amounts).iterator(chunk_size=20000):
        total = totals[(cc, party, currency, _week_start(end))]
        total[0] += excl
        total[1] += incl
        total[2] += 1
    last_week = _week_start(plan.now)
    keys = sorted((key for key in totals if key[3] < last_week), key=lambda key: key[3], reverse=True)[: plan.invoices]
    sequence: dict[int, int] = defaultdict(int)
    invoices = []
    for cc, party, currency, week in sorted(keys, key=lambda key: (key[3], key[:3])):
        excl, incl, count = totals[(cc, party, currency, week)]
        year = (week + timedelta(days=7)).year
        sequence[year] += 1
        issue_date = (week + timedelta(days=8)).date()
        age = (plan.now - week).days
        profile = profiles[(cc, party)]
        invoices.append(
            Invoice(
                profile=profile,
                currency=currency,
                period_start=week,
                period_end=week + timedelta(days=7),
                status=InvoiceStatus.PAID if age > 45 else InvoiceStatus.SENT if age > 14 else InvoiceStatus.ISSUED,
                series=SERIES,
                year=year,
                sequence=sequence[year],
                number=format_invoice_number(series=SERIES, year=year, sequence=sequence[year]),
                issue_date=issue_date,
                due_date=issue_date + timedelta(days=30),
                buyer_name=profile.legal_name,
                buyer_address=profile.address_lines,
                buyer_vat_number=profile.vat_number,
                buyer_email=profile.billing_email,
                line_count=count,
                total_excl_vat=excl,
                total_vat=incl - excl,
                total_incl_vat=incl,
                created=week + timedelta(days=8),
                issued_at=week + timedelta(days=8),
                paid_at=week + timedelta(days=30) if age > 45 else None,
            )
        )
    invoices = bulk_insert(Invoice, iter(invoices))
    InvoiceNumberCounter.objects.bulk_create(
        InvoiceNumberCounter(series=SERIES, year=year, last_number=last) for year, last in sequence.items()
    )
    invoice_of = {(i.profile.country_code, i.profile.party_id, i.currency, i.period_start): i for i in invoices}

    def lines() -> Iterator[InvoiceLine]:
        for pk, cc, party, currency, end, excl, incl in issued.values_list("pk", *facts, *amounts).iterator(20000):
            invoice = invoice_of.get((cc, party, currency, _week_start(end)))
            if invoice is not None:
                yield InvoiceLine(
                    invoice=invoice,
                    cdr_id=pk,
                    vat_rate=VAT[currency],
                    amount_excl_vat=excl,
                    vat_amount=incl - excl,
                    amount_incl_vat=incl,
                )

    line_count = copy_insert(InvoiceLine, lines())
    return f"Invoices: {len(invoices)} weekly invoices to {len(profiles)} eMSP parties, {line_count} lines"
