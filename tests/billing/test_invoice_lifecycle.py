"""Lifecycle: numbers only at issue, gapless per series and year; issued invoices immutable; transitions recorded with
who and when; the Swedish OCR payment reference and its Luhn check digit."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from billing.conf import billing_today
from billing.models import Invoice, InvoiceEvent, InvoiceLine
from billing.payment_reference import luhn_check_digit, luhn_is_valid, ocr_is_valid, ocr_reference
from billing.services.invoice_runs import invoice_run
from billing.services.invoices import invoice_issue, invoice_mark_paid
from tests.billing.invoice_builders import STANDARD, cdr_at, charger, profile, standard_tariffs, utc

# --- OCR references (no database) -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "check"),
    [
        ("7992739871", 3),  # the textbook Luhn example: 79927398713
        ("123456789", 7),  # 1234567897
        ("811218987", 6),  # a Swedish personal identity number, 811218-9876
        ("556677889", 9),  # a Swedish organisation number (our demo one), 556677-8899
        ("0", 0),
        ("1", 8),
    ],
)
def test_luhn_check_digit_of_known_numbers(payload, check):
    assert luhn_check_digit(payload) == check
    assert luhn_is_valid(f"{payload}{check}")
    assert not luhn_is_valid(f"{payload}{(check + 1) % 10}")


def test_ocr_reference_has_length_digit_and_check_digit():
    assert ocr_reference("123456") == "12345682"  # Bankgirot's example: length 8 → 8, then Luhn → 2
    reference = ocr_reference("20261000001")
    assert reference == "2026100000135"
    assert ocr_is_valid(reference)
    assert len(reference) == 13
    assert reference[-2] == "3"


@pytest.mark.parametrize("typo", ["2026100000136", "2026100000125", "2026100000153", "202610000013", "20261000001355"])
def test_ocr_validation_catches_typos_and_wrong_lengths(typo):
    assert not ocr_is_valid(typo)


def test_a_single_digit_typo_or_adjacent_swap_is_always_caught():
    reference = ocr_reference("20269000042")
    for i in range(len(reference)):
        for digit in "0123456789":
            if digit != reference[i]:
                assert not ocr_is_valid(reference[:i] + digit + reference[i + 1 :])
    for i in range(len(reference) - 1):
        a, b = reference[i], reference[i + 1]
        if a != b and {a, b} != {"0", "9"}:  # Luhn's one known blind spot
            assert not ocr_is_valid(reference[:i] + b + a + reference[i + 2 :])


def test_ocr_reference_refuses_non_digits_and_overlong_bases():
    with pytest.raises(ValueError, match="digits"):
        ocr_reference("12A4")
    with pytest.raises(ValueError, match="at most 23"):
        ocr_reference("1" * 24)


# --- Invoices ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def clerk(db):
    return User.objects.create_user("clerk")


@pytest.fixture
def drafts(db):
    """Four drafts: two parties × January and February."""
    standard_tariffs()
    evse = charger(STANDARD)
    for party in (("NL", "EMP"), ("DE", "XYZ")):
        profile(party, payment_terms_days=20)
        for month in (1, 2):
            cdr_at(utc(2026, month, 10, 10), evse=evse, party=party)
            cdr_at(utc(2026, month, 12, 10), evse=evse, party=party)
    invoice_run(trigger="COMMAND", now=utc(2026, 3, 1, 12))
    return list(Invoice.objects.order_by("pk"))


def test_drafts_have_no_number_and_issue_gives_the_next_one(drafts, clerk):
    assert [d.number for d in drafts] == [None] * 4
    year = billing_today().year
    issued = [invoice_issue(invoice=d, by=clerk) for d in (drafts[2], drafts[0], drafts[3])]
    assert [i.number for i in issued] == [f"INV-{year}-00001", f"INV-{year}-00002", f"INV-{year}-00003"]
    assert [i.sequence for i in issued] == [1, 2, 3]
    first = issued[0]
    assert first.issue_date == billing_today()
    assert first.due_date is not None
    assert first.issue_date is not None
    assert (first.due_date - first.issue_date).days == 20
    assert ocr_is_valid(first.payment_reference)
    assert first.payment_reference.startswith(f"{year}1000001")
    assert first.seller["vat_number"] == "SE556677889901"
    assert Invoice.objects.get(pk=drafts[1].pk).number is None


def test_issuing_twice_is_refused_and_takes_no_number(drafts, clerk):
    invoice = invoice_issue(invoice=drafts[0], by=clerk)
    with pytest.raises(ValidationError, match="already issued"):
        invoice_issue(invoice=invoice, by=clerk)
    assert invoice_issue(invoice=drafts[1], by=clerk).sequence == 2


def test_a_failed_issue_gives_its_number_back(drafts, clerk):
    """The counter moves in the issuing transaction: when that rolls back, so does the number."""

    def issue_then_die():
        with transaction.atomic():
            invoice_issue(invoice=drafts[0], by=clerk)
            raise RuntimeError("the process died before the commit")

    with pytest.raises(RuntimeError):
        issue_then_die()
    assert Invoice.objects.get(pk=drafts[0].pk).number is None
    assert invoice_issue(invoice=drafts[1], by=clerk).sequence == 1


def test_an_issued_invoice_is_immutable(drafts, clerk):
    invoice = invoice_issue(invoice=drafts[0], by=clerk)
    line = invoice.lines.first()
    assert line is not None

    invoice.total_incl_vat += 1
    with pytest.raises(ValidationError, match="can no longer change"):
        invoice.save()
    invoice.refresh_from_db()
    invoice.buyer_name = "Someone else"
    with pytest.raises(ValidationError, match="can no longer change"):
        invoice.save()
    with pytest.raises(ValidationError, match="never change"):
        Invoice.objects.filter(pk=invoice.pk).update(number="X-1")
    with pytest.raises(ValidationError, match="never deleted"):
        Invoice.objects.get(pk=invoice.pk).delete()
    with pytest.raises(ValidationError, match="never deleted"):
        Invoice.objects.filter(pk=invoice.pk).delete()

    line.amount_incl_vat = 0
    with pytest.raises(ValidationError, match="never change"):
        line.save()
    with pytest.raises(ValidationError, match="never"):
        line.delete()
    with pytest.raises(ValidationError, match="never change"):
        InvoiceLine.objects.filter(pk=line.pk).update(amount_incl_vat=0)
    with pytest.raises(ValidationError, match="never"):
        InvoiceLine.objects.filter(pk=line.pk).delete()
    with pytest.raises(ValidationError, match="never change"):
        InvoiceLine.objects.create(
            invoice=invoice, cdr=drafts[1].lines.first().cdr, amount_excl_vat=0, vat_amount=0, amount_incl_vat=0
        )
    # The lifecycle still moves on.
    invoice_mark_paid(invoice=invoice, by=clerk)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_drafts_may_still_change(drafts):
    draft = drafts[0]
    draft.buyer_reference = "PO 77"
    draft.save()
    draft.lines.first().delete()
    assert Invoice.objects.get(pk=draft.pk).buyer_reference == "PO 77"


def test_every_state_change_is_recorded_with_who_and_when(drafts, clerk):
    other = User.objects.create_user("controller")
    invoice = invoice_issue(invoice=drafts[0], by=clerk)
    invoice_mark_paid(invoice=invoice, by=other)
    events = [(e.action, e.from_status, e.to_status, e.by) for e in invoice.events.order_by("at", "id")]
    assert events == [
        (InvoiceEvent.Action.CREATED, "", "DRAFT", None),  # the run had no user: the schedule
        (InvoiceEvent.Action.ISSUED, "DRAFT", "ISSUED", clerk),
        (InvoiceEvent.Action.PAID, "ISSUED", "PAID", other),
    ]
    assert all(e.at is not None for e in invoice.events.all())


def test_only_open_invoices_are_paid_and_only_issued_ones_are_credited(drafts, clerk):
    from billing.services.invoices import invoice_credit

    with pytest.raises(ValidationError, match="only open invoices"):
        invoice_mark_paid(invoice=drafts[0], by=clerk)
    with pytest.raises(ValidationError, match="only issued invoices"):
        invoice_credit(invoice=drafts[0], by=clerk, reason="x")
    invoice = invoice_issue(invoice=drafts[0], by=clerk)
    invoice_mark_paid(invoice=invoice, by=clerk)
    with pytest.raises(ValidationError, match="only open invoices"):
        invoice_mark_paid(invoice=invoice, by=clerk)
    with pytest.raises(ValidationError, match="Say why"):
        invoice_credit(invoice=invoice, by=clerk, reason=" ")


def test_a_partial_credit_leaves_the_invoice_open_and_numbers_credit_notes_in_their_own_series(drafts, clerk):
    from billing.services.invoices import invoice_credit

    invoice = invoice_issue(invoice=drafts[0], by=clerk)
    first, second = (line.cdr for line in invoice.lines.order_by("id"))
    note = invoice_credit(invoice=invoice, by=clerk, reason="Duplicate", cdrs=[first])
    year = billing_today().year
    assert note.number == f"CN-{year}-00001"
    assert note.payment_reference.startswith(f"{year}2000001")
    assert first.total_cost_incl_vat is not None
    assert note.total_incl_vat == -first.total_cost_incl_vat
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    second_note = invoice_credit(invoice=invoice, by=clerk, reason="Goodwill")
    assert second_note.number == f"CN-{year}-00002"
    assert [line.cdr.credit_of for line in second_note.lines.all()] == [second]
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED
    assert invoice_issue(invoice=drafts[1], by=clerk).number == f"INV-{year}-00002"
