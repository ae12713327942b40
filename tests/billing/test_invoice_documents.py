"""The invoice PDF (read back with pypdf), its CSV and its e-mail: what a partner's finance department receives."""

import csv
import io
import logging
import re
import subprocess
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from pypdf import PageObject, PdfReader

from billing.documents import invoice_csv, invoice_pdf
from billing.formats import format_money
from billing.models import Invoice, InvoiceEvent
from billing.payment_reference import ocr_is_valid
from billing.services.cdrs import cdr_credit
from billing.services.invoice_runs import invoice_run
from billing.services.invoices import invoice_issue
from tests.billing.invoice_builders import NO_VAT, REDUCED, STANDARD, cdr_at, charger, profile, standard_tariffs, utc

pytestmark = pytest.mark.django_db

# The rendered PDFs are kept here for a person to look at (pdftoppm -r 70 -png).


@pytest.fixture
def clerk():
    return User.objects.create_user("clerk", first_name="Fia", last_name="Finance")


def _billed_invoice(clerk, *, party=("NL", "EMP"), language="en", sessions=40):
    standard_tariffs()
    emp = profile(party, language=language, their_reference="Accounts payable, ref 4711")
    evses = [
        charger(STANDARD, name="Uppsala Resecentrum", address="Kungsgatan 60", city="Uppsala"),
        charger(REDUCED, name="Stockholm Centralstation Garage", address="Vasagatan 1", city="Stockholm"),
        charger(NO_VAT, name="Göteborg Lindholmen", address="Lindholmspiren 3", city="Göteborg"),
    ]
    cdrs = [
        cdr_at(
            utc(2026, 2, 1 + i % 27, 6 + i % 12, 5 * (i % 7)),
            evse=evses[i % 3],
            party=party,
            wh=4_000 + 397 * i,
            minutes=50 + 3 * i,
        )
        for i in range(sessions)
    ]
    invoice_run(trigger="COMMAND", now=utc(2026, 3, 2))
    invoice = Invoice.objects.get(profile=emp)
    return invoice, cdrs


def _text(pdf: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_the_issued_invoice_pdf_has_number_parties_totals_vat_and_payment_reference(
    clerk, django_capture_on_commit_callbacks, tmp_path
):
    invoice, cdrs = _billed_invoice(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_issue(invoice=invoice, by=clerk)
    invoice.refresh_from_db()

    # Rendered once, by the task run after the commit, and stored.
    assert invoice.pdf.name == f"invoices/{invoice.year}/{invoice.number}.pdf"
    assert invoice.events.filter(action=InvoiceEvent.Action.PDF_RENDERED).count() == 1
    with invoice.pdf.open("rb") as stored:
        pdf = stored.read()
    (tmp_path / "invoice-en.pdf").write_bytes(pdf)  # a copy to look at (pdftoppm) when the test fails
    text, pages = _text(pdf)

    assert pages >= 3  # 40 lines, summary and payment, then the landscape CDR annex
    assert invoice.number is not None
    assert invoice.number in text
    assert "Nordic Charge AB" in text
    assert "Emp Mobility B.V." in text
    assert "NL123456789B01" in text
    assert "Accounts payable, ref 4711" in text
    assert "SE556677889901" in text  # our VAT number
    assert invoice.payment_reference in text
    assert ocr_is_valid(invoice.payment_reference)
    assert "5050-1055" in text
    assert "SE45 5000 0000 0583 9825 7466" in text
    total = format_money(invoice.total_incl_vat, "en")
    assert f"{total} SEK" in text
    assert format_money(invoice.total_vat, "en") in text
    assert format_money(invoice.total_excl_vat, "en") in text
    assert "25 %" in text
    assert "12 %" in text
    assert "No VAT / mixed rates" in text
    assert f"Due date {invoice.due_date:%Y-%m-%d}" in text
    assert "Period 2026-02-01 – 2026-02-28" in text
    assert f"Page 1 of {pages}" in text
    assert f"Page {pages} of {pages}" in text
    assert "Annex: charge detail records (CDRs)" in text
    assert all(cdr.ocpi_id in text for cdr in cdrs)  # every CDR in the annex
    assert "Uppsala Resecentrum" in text
    assert "Göteborg Lindholmen" in text


def test_a_swedish_partner_gets_a_swedish_invoice_and_a_credit_note_names_the_invoice(
    clerk, django_capture_on_commit_callbacks, tmp_path
):
    invoice, cdrs = _billed_invoice(clerk, party=("SE", "EVS"), language="sv", sessions=6)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_issue(invoice=invoice, by=clerk)
    text, _pages = _text(invoice_pdf(invoice))
    labels = ("FAKTURA", "Fakturanummer", "Förfallodatum", "Att betala", "MOMSSPECIFIKATION", "OCR-nummer", "Sida 1 av")
    for label in labels:
        assert label in text
    assert format_money(invoice.total_incl_vat, "sv") in text
    assert "," in format_money(invoice.total_incl_vat, "sv")  # decimal comma

    cdr_credit(cdr=cdrs[0], reason="Mätarfel", by=clerk)
    invoice_run(trigger="COMMAND", now=utc(2026, 3, 3))
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    with django_capture_on_commit_callbacks(execute=True):
        note = invoice_issue(invoice=note, by=clerk)
    note.refresh_from_db()
    with note.pdf.open("rb") as stored:
        pdf = stored.read()
    (tmp_path / "credit-note-sv.pdf").write_bytes(pdf)
    text, _pages = _text(pdf)
    assert "KREDITNOTA" in text
    assert note.number is not None
    assert note.number in text
    assert f"Krediterar faktura {invoice.number}" in text
    assert f"-{format_money(cdrs[0].total_cost_incl_vat, 'sv')}" in text


def test_a_draft_renders_for_review_marked_as_draft(clerk):
    invoice, _cdrs = _billed_invoice(clerk, sessions=3)
    text, _pages = _text(invoice_pdf(invoice))
    assert "DRAFT — NOT A VALID INVOICE" in text
    assert not invoice.pdf


def test_the_pdf_is_rendered_once(clerk, django_capture_on_commit_callbacks):
    from billing.tasks import invoice_render_pdf

    invoice, _cdrs = _billed_invoice(clerk, sessions=2)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_issue(invoice=invoice, by=clerk)
    invoice.refresh_from_db()
    first = invoice.pdf.name
    assert invoice_render_pdf.delay(invoice.pk).get() == first
    assert invoice.events.filter(action=InvoiceEvent.Action.PDF_RENDERED).count() == 1


def test_the_csv_has_one_row_per_line_with_the_same_amounts(clerk):
    invoice, cdrs = _billed_invoice(clerk, sessions=5)
    rows = list(csv.DictReader(io.StringIO(invoice_csv(invoice))))
    assert [row["cdr_id"] for row in rows] == [c.ocpi_id for c in sorted(cdrs, key=lambda c: c.start_date_time)]
    assert sum(Decimal(row["amount_incl_vat"]) for row in rows) == invoice.total_incl_vat
    assert sum(Decimal(row["vat_amount"]) for row in rows) == invoice.total_vat
    assert {row["vat_rate"] for row in rows} == {"25", "12", ""}
    assert rows[0]["number"] == f"DRAFT-{invoice.pk}"


def test_rendering_a_pdf_logs_nothing_below_warning_from_fonttools_or_weasyprint(clerk, caplog):
    # `make run` renders the demo invoices while seeding: their INFO chatter buried the demo logins.
    invoice, _cdrs = _billed_invoice(clerk, sessions=2)
    invoice_pdf(invoice)
    chatter = [r for r in caplog.records if r.name.split(".")[0] in ("fontTools", "weasyprint") and r.levelno < 30]
    assert chatter == []
    assert logging.getLogger("billing.documents").isEnabledFor(logging.INFO)  # our own apps still log at INFO


def _text_outside_the_page(pdf: bytes) -> list[str]:
    """Every piece of text that does not lie wholly inside its page's box (the MediaBox; we set no CropBox).

    pypdf reports where each text run starts, which catches runs that start beyond the edge (poppler drops those);
    ``pdftotext -bbox`` measures each word's extent, which catches words that start inside and run over the edge.
    """
    outside = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):
        outside += _runs_starting_outside(number, page)
    layout = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    for number, page_text in enumerate(re.split(r"<page ", layout)[1:], start=1):
        width, height = (float(v) for v in re.match(r'width="([\d.]+)" height="([\d.]+)"', page_text).groups())  # type: ignore[union-attr]
        for word in re.finditer(
            r'xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)<', page_text
        ):
            x_min, y_min, x_max, y_max = (float(v) for v in word.groups()[:4])
            if x_min < 0 or y_min < 0 or x_max > width or y_max > height:
                outside.append(f"page {number}: {word[5]!r} spans x {x_min:.0f}–{x_max:.0f} of {width:.0f}")
    return outside


def _runs_starting_outside(number: int, page: PageObject) -> list[str]:
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    outside = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, _size: float) -> None:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if text.strip() and not (0 <= x < width and 0 <= y <= height):
            outside.append(f"page {number}: {text.strip()!r} starts at ({x:.0f}, {y:.0f}) of {width:.0f}×{height:.0f}")

    page.extract_text(visitor_text=visit)
    return outside


@pytest.mark.parametrize("language", ["en", "sv"])
def test_no_text_lies_outside_the_page_on_any_page_of_an_invoice_or_credit_note(
    clerk, language, django_capture_on_commit_callbacks, tmp_path
):
    # Swedish labels are longer, credit rows carry the credited CDR's id, tokens and references can be long: the
    # landscape CDR annex has to fit them all in its fourteen columns.
    invoice, cdrs = _billed_invoice(clerk, party=("SE", "EVS"), language=language, sessions=12)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_issue(invoice=invoice, by=clerk)
    pdf = invoice_pdf(invoice)
    (tmp_path / f"pagebox-invoice-{language}.pdf").write_bytes(pdf)
    assert _text_outside_the_page(pdf) == []

    cdr_credit(cdr=cdrs[0], reason="Mätarfel", by=clerk)
    invoice_run(trigger="COMMAND", now=utc(2026, 3, 3))
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    pdf = invoice_pdf(note)
    (tmp_path / f"pagebox-credit-note-{language}.pdf").write_bytes(pdf)
    assert _text_outside_the_page(pdf) == []


def test_charging_times_in_the_pdf_are_each_stations_local_time_with_the_zone_named(clerk):
    # The invoice page and the CDR page show a session in its station's zone; the PDF must say the same time.
    standard_tariffs()
    emp = profile(("DE", "EMP"), language="en")
    uppsala = charger(STANDARD, name="Uppsala Resecentrum", address="Kungsgatan 60", city="Uppsala")
    lisbon = charger(
        STANDARD, name="Lisboa Oriente", address="Av. Dom João II", city="Lisboa", time_zone="Europe/Lisbon"
    )
    cdr_at(utc(2026, 2, 10, 7, 45), evse=uppsala, party=("DE", "EMP"), minutes=30, wh=5_000)
    cdr_at(utc(2026, 2, 11, 23, 30), evse=lisbon, party=("DE", "EMP"), minutes=30, wh=5_000)
    invoice_run(trigger="COMMAND", now=utc(2026, 3, 2))
    text, _ = _text(invoice_pdf(Invoice.objects.get(profile=emp)))
    flat = " ".join(text.split())
    assert "2026-02-10 08:45 – 09:15" in flat  # Stockholm is UTC+1 in February
    assert "2026-02-11 23:30 – 2026-02-12 00:00" in flat  # Lisbon is UTC+0
    assert "local time (Europe/Lisbon, Europe/Stockholm)" in flat
