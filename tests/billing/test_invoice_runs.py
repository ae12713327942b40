"""Invoice runs: one invoice per party, period and currency, one line per CDR, totals per VAT rate to the cent;
idempotent; late CDRs on the next invoice; credit CDRs on credit notes (or netted on the draft that bills the
original)."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Sum

from billing.models import BillingProfile, Cdr, Invoice, InvoiceEvent, InvoiceLine, InvoiceRun
from billing.services.cdrs import cdr_credit
from billing.services.invoice_runs import invoice_run, period_start_of
from billing.services.invoice_sql import tariff_vat_rate
from billing.services.invoices import invoice_issue
from tests.billing.invoice_builders import (
    NO_VAT,
    REDUCED,
    STANDARD,
    cdr_at,
    charger,
    profile,
    standard_tariffs,
    utc,
)
from tests.chargepoints.sessions_support import component, tariff

pytestmark = pytest.mark.django_db

MARCH_10 = utc(2026, 3, 10, 12, 0)
RUN = InvoiceRun.Trigger.COMMAND


@pytest.fixture
def clerk():
    return User.objects.create_user("clerk")


@pytest.fixture
def chargers():
    standard_tariffs()
    return {name: charger(name) for name in (STANDARD, REDUCED, NO_VAT)}


def run(now=MARCH_10, by=None):
    return invoice_run(trigger=RUN, by=by, now=now)


def test_a_run_bills_each_complete_period_per_party_and_currency_with_totals_per_vat_rate(chargers, clerk):
    emp, other = profile(("NL", "EMP")), profile(("DE", "XYZ"), language="sv")
    tariff("T-EUR", currency="EUR", elements=[{"price_components": [component("ENERGY", "0.39", vat="19")]}])
    eur = charger("T-EUR")
    february = [
        cdr_at(utc(2026, 2, 3, 8), evse=chargers[STANDARD]),
        cdr_at(utc(2026, 2, 14, 17, 30), evse=chargers[STANDARD], wh=30_321, minutes=95),
        cdr_at(utc(2026, 2, 20, 6), evse=chargers[REDUCED], wh=7_777),
        cdr_at(utc(2026, 2, 28, 22, 0), evse=chargers[NO_VAT], wh=3_001, minutes=30),  # ends 22:30 UTC: still February
        cdr_at(utc(2026, 2, 28, 22, 45), evse=chargers[STANDARD]),  # ends 23:35 UTC = 00:35 on 1 March in Stockholm
    ]
    eur_cdr = cdr_at(utc(2026, 2, 10, 9), evse=eur)
    january = cdr_at(utc(2026, 1, 15, 12), evse=chargers[STANDARD])
    german = cdr_at(utc(2026, 2, 5, 12), evse=chargers[STANDARD], party=("DE", "XYZ"))
    current = cdr_at(utc(2026, 3, 2, 12), evse=chargers[STANDARD])  # March is not over: not billed yet
    nobody = cdr_at(utc(2026, 2, 6, 12), evse=chargers[STANDARD], party=("FR", "NOP"))  # no billing profile

    done = run(by=clerk)

    invoices = {(i.profile.party, i.currency, f"{i.period_start:%Y-%m-%d}"): i for i in Invoice.objects.all()}
    # Periods are local months: February in Stockholm starts 2026-01-31 23:00 UTC.
    assert set(invoices) == {
        ("NL*EMP", "SEK", "2025-12-31"),
        ("NL*EMP", "SEK", "2026-01-31"),
        ("NL*EMP", "EUR", "2026-01-31"),
        ("DE*XYZ", "SEK", "2026-01-31"),
    }
    assert (done.invoices_created, done.credit_notes_created, done.lines_created) == (4, 0, 7)
    feb = invoices[("NL*EMP", "SEK", "2026-01-31")]
    assert {line.cdr for line in feb.lines.all()} == set(february[:4])
    assert [line.cdr for line in invoices[("NL*EMP", "SEK", "2025-12-31")].lines.all()] == [january]
    assert [line.cdr for line in invoices[("NL*EMP", "EUR", "2026-01-31")].lines.all()] == [eur_cdr]
    assert [line.cdr for line in invoices[("DE*XYZ", "SEK", "2026-01-31")].lines.all()] == [german]
    assert not InvoiceLine.objects.filter(cdr__in=[february[4], current, nobody]).exists()

    # Totals: the CDRs' own amounts, to the cent, per VAT rate and overall.
    expected: dict[Decimal | None, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for cdr in february[:4]:
        rate = tariff_vat_rate(cdr.tariff_snapshot)
        sums = expected[rate]
        assert cdr.total_cost_excl_vat is not None
        assert cdr.total_cost_incl_vat is not None
        sums[0] += cdr.total_cost_excl_vat
        sums[1] += cdr.total_cost_incl_vat - cdr.total_cost_excl_vat
        sums[2] += cdr.total_cost_incl_vat
    by_rate = {
        row["vat_rate"]: [row["excl"], row["vat"], row["incl"]]
        for row in feb.lines.values("vat_rate").annotate(
            excl=Sum("amount_excl_vat"), vat=Sum("vat_amount"), incl=Sum("amount_incl_vat")
        )
    }
    assert set(by_rate) == {Decimal(25), Decimal(12), None}
    assert by_rate == dict(expected)
    assert feb.total_excl_vat == sum(sums[0] for sums in expected.values())
    assert feb.total_incl_vat == sum(sums[2] for sums in expected.values())
    assert feb.total_vat == feb.total_incl_vat - feb.total_excl_vat
    assert feb.line_count == 4
    assert all(amount == amount.quantize(Decimal("0.01")) for amount in (feb.total_excl_vat, feb.total_vat))
    # Drafts: no number, the buyer copied from the profile, created by whoever ran it.
    assert feb.status == Invoice.Status.DRAFT
    assert feb.number is None
    assert feb.payment_reference == ""
    assert (feb.buyer_name, feb.buyer_email, feb.language) == (emp.legal_name, emp.billing_email, "en")
    assert invoices[("DE*XYZ", "SEK", "2026-01-31")].language == other.language == "sv"
    assert feb.events.get().action == InvoiceEvent.Action.CREATED
    assert feb.events.get().by == clerk
    emp.refresh_from_db()
    assert emp.billed_through == period_start_of(MARCH_10, BillingProfile.Period.MONTHLY) == utc(2026, 2, 28, 23)


def test_running_again_bills_nothing_twice(chargers):
    profile()
    cdrs = [cdr_at(utc(2026, 2, day, 10), evse=chargers[STANDARD]) for day in (2, 9, 16)]
    first = run()
    again = run()
    later_same_month = run(now=utc(2026, 3, 28))
    assert (first.invoices_created, first.lines_created) == (1, 3)
    assert (again.invoices_created, again.lines_created) == (0, 0)
    assert (later_same_month.invoices_created, later_same_month.lines_created) == (0, 0)
    assert InvoiceLine.objects.count() == 3
    assert set(InvoiceLine.objects.values_list("cdr", flat=True)) == {c.pk for c in cdrs}


def test_a_cdr_is_on_one_invoice_line_ever():
    line = None
    standard_tariffs()
    profile()
    cdr = cdr_at(utc(2026, 2, 2, 10), evse=charger())
    run()
    line = InvoiceLine.objects.get(cdr=cdr)
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.create(invoice=line.invoice, cdr=cdr, amount_excl_vat=1, vat_amount=0, amount_incl_vat=1)


def test_a_late_cdr_goes_on_the_next_invoice_marked_late(chargers):
    profile()
    on_time = cdr_at(utc(2026, 2, 2, 10), evse=chargers[STANDARD])
    run()  # invoices February
    late = cdr_at(utc(2026, 2, 25, 10), evse=chargers[STANDARD])  # reported after February was invoiced
    march = cdr_at(utc(2026, 3, 12, 10), evse=chargers[STANDARD])

    assert run(now=utc(2026, 3, 31, 12)).lines_created == 0  # March is not over: the late CDR waits, not lost
    april_run = run(now=utc(2026, 4, 2, 3))

    feb_invoice = InvoiceLine.objects.get(cdr=on_time).invoice
    march_invoice = InvoiceLine.objects.get(cdr=march).invoice
    assert april_run.invoices_created == 1
    assert march_invoice != feb_invoice
    assert f"{march_invoice.period_start:%Y-%m-%d}" == "2026-02-28"
    assert march_invoice.includes_late
    assert {(line.cdr, line.late) for line in march_invoice.lines.all()} == {(late, True), (march, False)}
    assert feb_invoice.lines.count() == 1


def test_a_profile_made_later_bills_the_past_months_once_each(chargers):
    cdrs = [cdr_at(utc(2025, month, 10, 10), evse=chargers[STANDARD]) for month in (10, 11, 12)]
    profile(period=BillingProfile.Period.MONTHLY)
    run(now=utc(2026, 1, 5))
    assert [i.lines.get().cdr for i in Invoice.objects.order_by("period_start")] == cdrs
    assert not InvoiceLine.objects.filter(late=True).exists()


def test_weekly_profiles_are_billed_per_local_week(chargers):
    profile(period=BillingProfile.Period.WEEKLY)
    monday = cdr_at(utc(2026, 3, 2, 8), evse=chargers[STANDARD])
    sunday_night = cdr_at(utc(2026, 3, 8, 21), evse=chargers[STANDARD])  # ends 22:50 local, still that week
    next_week = cdr_at(utc(2026, 3, 9, 8), evse=chargers[STANDARD])
    run(now=utc(2026, 3, 16, 1))
    weeks = [
        (f"{i.period_start:%Y-%m-%d %H:%M}", {line.cdr for line in i.lines.all()})
        for i in Invoice.objects.order_by("period_start")
    ]
    assert weeks == [("2026-03-01 23:00", {monday, sunday_night}), ("2026-03-08 23:00", {next_week})]


def test_inactive_profiles_are_left_out(chargers):
    profile(active=False)
    cdr_at(utc(2026, 2, 2, 10), evse=chargers[STANDARD])
    assert run().invoices_created == 0


def test_a_credit_of_a_cdr_on_an_issued_invoice_becomes_a_credit_note_referencing_it(chargers, clerk):
    profile()
    kept = cdr_at(utc(2026, 2, 2, 10), evse=chargers[STANDARD])
    wrong = cdr_at(utc(2026, 2, 3, 10), evse=chargers[REDUCED])
    run()
    invoice = invoice_issue(invoice=Invoice.objects.get(), by=clerk)
    credit = cdr_credit(cdr=wrong, reason="Meter fault", by=clerk)

    credit_run = run(now=utc(2026, 3, 11))

    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert credit_run.credit_notes_created == 1
    assert credit_run.invoices_created == 0
    assert note.credited_invoice == invoice
    assert note.status == Invoice.Status.DRAFT
    line = note.lines.get()
    assert (line.cdr, line.vat_rate) == (credit, Decimal(12))
    assert wrong.total_cost_excl_vat is not None
    assert wrong.total_cost_incl_vat is not None
    assert note.total_excl_vat == -wrong.total_cost_excl_vat
    assert note.total_incl_vat == -wrong.total_cost_incl_vat
    assert (note.period_start, note.currency) == (invoice.period_start, invoice.currency)
    assert invoice.lines.count() == 2  # the issued invoice itself never changes
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED  # one of its two CDRs is still owed

    issued_note = invoice_issue(invoice=note, by=clerk)
    assert issued_note.number is not None
    assert issued_note.number.startswith("CN-")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    cdr_credit(cdr=kept, reason="Goodwill", by=clerk)
    run(now=utc(2026, 3, 12))
    invoice_issue(invoice=Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE, status=Invoice.Status.DRAFT), by=clerk)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED
    assert invoice.events.filter(action=InvoiceEvent.Action.CREDITED, by=clerk).exists()


def test_a_credit_of_a_cdr_on_a_draft_is_netted_on_that_draft(chargers, clerk):
    profile()
    cdr = cdr_at(utc(2026, 2, 2, 10), evse=chargers[STANDARD])
    other = cdr_at(utc(2026, 2, 5, 10), evse=chargers[STANDARD])
    run()
    draft = Invoice.objects.get()
    credit = cdr_credit(cdr=cdr, reason="Duplicate session", by=clerk)
    again = run(now=utc(2026, 3, 11))
    draft.refresh_from_db()
    assert again.credit_notes_created == 0
    assert again.lines_created == 1
    assert {line.cdr for line in draft.lines.all()} == {cdr, other, credit}
    assert draft.total_incl_vat == other.total_cost_incl_vat
    assert draft.events.filter(action=InvoiceEvent.Action.LINES_ADDED).exists()
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()


def test_a_credit_whose_original_was_never_billed_goes_on_the_same_invoice(chargers, clerk):
    profile()
    cdr = cdr_at(utc(2026, 2, 2, 10), evse=chargers[STANDARD])
    credit = cdr_credit(cdr=cdr, reason="Test session", by=clerk)
    run()
    invoice = Invoice.objects.get()
    assert {line.cdr for line in invoice.lines.all()} == {cdr, credit}
    assert invoice.total_incl_vat == 0
    assert invoice.total_excl_vat == 0


def test_a_reissued_cdr_after_a_credit_is_billed_late_on_the_next_invoice(chargers, clerk):
    from billing.services.cdrs import cdr_reissue

    profile()
    cdr = cdr_at(utc(2026, 2, 2, 10), evse=chargers[STANDARD])
    run()
    invoice_issue(invoice=Invoice.objects.get(), by=clerk)
    cdr_credit(cdr=cdr, reason="Wrong energy", by=clerk)
    fixed = cdr_reissue(cdr=cdr, by=clerk, reason="Corrected energy", total_energy=Decimal("9.5"))
    run(now=utc(2026, 4, 1, 12))
    assert InvoiceLine.objects.get(cdr=fixed).late
    assert InvoiceLine.objects.get(cdr=cdr.credit_cdr).invoice.kind == Invoice.Kind.CREDIT_NOTE


def test_cdrs_held_for_review_are_not_billed(chargers):
    profile()
    cdr = cdr_at(utc(2026, 2, 2, 10), evse=chargers[STANDARD], wh=0, issued=False)
    assert cdr.status == Cdr.Status.REVIEW
    assert run().invoices_created == 0
