"""Invoice run over 100,000 CDRs of 20 eMSP parties (one month, two tariffs with different VAT rates).

Printed against a baseline measured in the same database: one hand-written INSERT … SELECT that writes the same
invoice lines into the same invoices (checked equal to what the run writes), i.e. what the database itself needs for
the rows. Also the queries the run makes, a second run that finds nothing left to bill, and, separately, the PDF
rendering time per page. Needs PostgreSQL; on anything else it says so and skips.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from billing.documents import invoice_pdf
from billing.models import BillingProfile, Cdr, Invoice, InvoiceLine, InvoiceRun
from billing.services.invoice_runs import invoice_run, next_period_start
from billing.services.invoices import invoice_issue
from chargepoints.models import ChargingSession
from chargepoints.sessions.tariffs import tariff_by_id
from tests.bench.support import on_postgresql_rolled_back, result, sized
from tests.billing.invoice_builders import REDUCED, STANDARD, charger, profile, standard_tariffs

CDRS = sized(100_000, 1_000)
PARTIES = sized(20, 4)
PDF_LINES = sized(120, 10)
RUN_AT = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
MONTH_START = datetime(2026, 1, 31, 23, 0, tzinfo=UTC)  # 1 February, local time
REPEATS = sized(3, 1)


def run() -> list[str]:
    return on_postgresql_rolled_back("invoicing", _bench)


def _parties() -> list[tuple[str, str]]:
    return [("NL", f"E{i:02d}") for i in range(PARTIES)]


def _create_cdrs(count: int, parties: list[tuple[str, str]]) -> None:
    standard_tariffs()
    evse = charger(STANDARD)
    location = evse.location
    snapshots = {name: tariff_by_id(tariff_id=name).snapshot for name in (STANDARD, REDUCED)}  # type: ignore[union-attr]
    step = (next_period_start(MONTH_START, BillingProfile.Period.MONTHLY) - MONTH_START - timedelta(hours=2)) / count
    sessions, cdrs = [], []
    for i in range(count):
        country, party = parties[i % len(parties)]
        start = MONTH_START + step * i
        end = start + timedelta(minutes=45)
        tariff_id = REDUCED if i % 10 == 0 else STANDARD
        excl = Decimal(5) + Decimal(i % 997) / 10
        rate = Decimal("1.12") if tariff_id == REDUCED else Decimal("1.25")
        incl = (excl * rate).quantize(Decimal("0.01"))
        token = {
            "token_country_code": country,
            "token_party_id": party,
            "token_uid": f"T{i:07d}",
            "token_type": "RFID",
            "token_contract_id": f"{country}-{party}-C{i:07d}",
            "auth_method": "WHITELIST",
        }
        sessions.append(
            ChargingSession(
                status="COMPLETED",
                start_date_time=start,
                end_date_time=end,
                accounted_until=end,
                location=location,
                evse=evse,
                connector_id="1",
                currency="SEK",
                tariff_id=tariff_id,
                **token,
            )
        )
        cdrs.append(
            Cdr(
                status=Cdr.Status.ISSUED,
                start_date_time=start,
                end_date_time=end,
                **token,
                location_id=location.ocpi_id,
                location_name=location.name,
                location_address=location.address,
                location_city=location.city,
                location_country=location.country,
                location_latitude=str(location.latitude),
                location_longitude=str(location.longitude),
                evse_uid=evse.uid,
                evse_id=evse.evse_id,
                connector_id="1",
                connector_standard="IEC_62196_T2",
                connector_format="SOCKET",
                connector_power_type="AC_3_PHASE",
                currency="SEK",
                tariff_id=tariff_id,
                tariff_snapshot=snapshots[tariff_id],
                total_cost_excl_vat=excl,
                total_cost_incl_vat=incl,
                total_energy_cost_excl_vat=excl,
                total_energy_cost_incl_vat=incl,
                total_energy=Decimal("12.5"),
                total_time=Decimal("0.75"),
                total_parking_time=Decimal(0),
                issued_at=end,
                last_updated=end,
            )
        )
    ChargingSession.objects.bulk_create(sessions, batch_size=5_000)
    for cdr, session in zip(cdrs, sessions, strict=True):
        cdr.session = session
    Cdr.objects.bulk_create(cdrs, batch_size=5_000)


BASELINE_SQL = """
    INSERT INTO billing_invoiceline (invoice_id, cdr_id, late, vat_rate, amount_excl_vat, vat_amount, amount_incl_vat)
    SELECT i.id, c.id, false, CASE WHEN c.tariff_id = %s THEN 12 ELSE 25 END,
           c.total_cost_excl_vat, c.total_cost_incl_vat - c.total_cost_excl_vat, c.total_cost_incl_vat
    FROM billing_cdr c
    JOIN billing_billingprofile p ON p.country_code = c.token_country_code AND p.party_id = c.token_party_id
    JOIN billing_invoice i ON i.profile_id = p.id AND i.currency = c.currency
     AND c.end_date_time >= i.period_start AND c.end_date_time < i.period_end
"""


def _fingerprint() -> list[tuple[Any, ...]]:
    return list(
        InvoiceLine.objects.values("invoice__profile__party_id", "vat_rate", "late")
        .annotate(n=Count("id"), excl=Sum("amount_excl_vat"), vat=Sum("vat_amount"), incl=Sum("amount_incl_vat"))
        .order_by("invoice__profile__party_id", "vat_rate")
        .values_list("invoice__profile__party_id", "vat_rate", "late", "n", "excl", "vat", "incl")
    )


def _baseline() -> float:
    """The same invoices made by hand, then one INSERT … SELECT of the lines; only the INSERT is timed."""
    period_end = next_period_start(MONTH_START, BillingProfile.Period.MONTHLY)
    Invoice.objects.bulk_create(
        Invoice(
            profile=p,
            currency="SEK",
            period_start=MONTH_START,
            period_end=period_end,
            buyer_name=p.legal_name,
            buyer_vat_number=p.vat_number,
            buyer_email=p.billing_email,
        )
        for p in BillingProfile.objects.filter(party_id__startswith="E")
    )
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(BASELINE_SQL, [REDUCED])
        elapsed = time.perf_counter() - started
    assert cursor.rowcount == CDRS
    return elapsed


def _in_savepoint(action: Callable[[], Any]) -> Any:
    savepoint = transaction.savepoint()
    try:
        return action()
    finally:
        transaction.savepoint_rollback(savepoint)


def _bench() -> list[str]:
    parties = _parties()
    for party in parties:
        profile(party)
    started = time.perf_counter()
    _create_cdrs(CDRS, parties)
    created_in = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE billing_cdr; ANALYZE chargepoints_chargingsession")

    baseline_fingerprint: list[Any] = []

    def baseline() -> float:
        elapsed = _baseline()
        baseline_fingerprint[:] = _fingerprint()
        return elapsed

    baselines = [_in_savepoint(baseline) for _ in range(REPEATS)]

    measured: dict[str, Any] = {}

    def real_run() -> float:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            done = invoice_run(trigger=InvoiceRun.Trigger.COMMAND, now=RUN_AT)
            elapsed = time.perf_counter() - started
        assert (done.invoices_created, done.lines_created) == (PARTIES, CDRS)
        assert _fingerprint() == baseline_fingerprint, "the run must write the same lines as the baseline"
        measured["queries"] = len(queries)
        with CaptureQueriesContext(connection) as again_queries:
            started = time.perf_counter()
            again = invoice_run(trigger=InvoiceRun.Trigger.COMMAND, now=RUN_AT + timedelta(hours=1))
            measured["again"] = time.perf_counter() - started
        assert again.lines_created == 0
        measured["again_queries"] = len(again_queries)
        return elapsed

    runs = [_in_savepoint(real_run) for _ in range(REPEATS)]
    best_run, best_base = min(runs), min(baselines)
    lines = [
        f"{CDRS:,} issued CDRs of {PARTIES} parties in one month (made with bulk_create in {created_in:.1f} s)",
        f"baseline: one INSERT … SELECT of the same {CDRS:,} lines: {best_base * 1000:.0f} ms",
        f"invoice run: {best_run * 1000:.0f} ms = {best_run / best_base:.2f}x the baseline "
        f"({PARTIES} invoices, {CDRS:,} lines, {measured['queries']} queries)",
        f"second run, nothing left to bill: {measured['again'] * 1000:.0f} ms, {measured['again_queries']} queries",
    ]
    pdf_lines, ms_per_page = _pdf_timing()
    return [
        *lines,
        *pdf_lines,
        result(
            "invoicing",
            run_vs_baseline=best_run / best_base,
            queries=measured["queries"],
            again_queries=measured["again_queries"],
            pdf_ms_per_page=ms_per_page,
        ),
    ]


def _pdf_timing() -> tuple[list[str], float]:
    """PDF rendering of one invoice of PDF_LINES CDRs (lines, summary and the landscape CDR annex)."""
    pdf_party = ("SE", "PDF")
    profile(pdf_party, legal_name="PDF Timing AB")
    _create_cdrs(PDF_LINES, [pdf_party])
    invoice_run(trigger=InvoiceRun.Trigger.COMMAND, now=RUN_AT)
    invoice = invoice_issue(invoice=Invoice.objects.get(profile__party_id="PDF"), by=None)
    invoice_pdf(invoice)  # warm: fonts, templates, WeasyPrint's first use
    timings, pages = [], 0
    for _ in range(REPEATS):
        started = time.perf_counter()
        document = invoice_pdf(invoice)
        timings.append(time.perf_counter() - started)
        pages = len(PdfReader(io.BytesIO(document)).pages)
    best = min(timings)
    line = (
        f"PDF: {PDF_LINES} lines -> {pages} pages in {best * 1000:.0f} ms = {best / pages * 1000:.0f} ms per page "
        f"({len(document) / 1024:.0f} KiB, fonts embedded)"
    )
    return [line], best / pages * 1000
