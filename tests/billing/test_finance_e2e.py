"""A real browser (Debian's chromium, driven by Playwright): a finance user logs in, filters the invoices by partner,
opens one and downloads its PDF."""

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from billing.models import Invoice
from billing.services.invoice_runs import invoice_run
from billing.services.invoices import invoice_issue
from tests.billing.invoice_builders import STANDARD, cdr_at, charger, profile, standard_tariffs, utc
from tests.browser import log_in
from tests.factories import finance_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_finance_logs_in_filters_opens_an_invoice_and_downloads_the_pdf(live_server, page, tmp_path):
    user = finance_user()
    standard_tariffs()
    evse = charger(STANDARD, name="Uppsala Resecentrum", city="Uppsala")
    profile(("NL", "EMP"))
    profile(("SE", "EVS"), legal_name="EV Sverige AB", language="sv")
    for day in (2, 9, 16):
        cdr_at(utc(2026, 2, day, 10), evse=evse)
        cdr_at(utc(2026, 2, day, 14), evse=evse, party=("SE", "EVS"))
    invoice_run(trigger="COMMAND", now=utc(2026, 3, 2))
    for draft in Invoice.objects.order_by("pk"):
        invoice_issue(invoice=draft, by=user)  # the PDF is rendered by the task right after each commit
    wanted = Invoice.objects.get(profile__party_id="EVS")

    log_in(page, f"{live_server.url}/finance/invoices/", "finance")
    assert page.locator("table.table-invoices tbody tr").count() == 2

    page.select_option("select[name=party]", label="EV Sverige AB (SE*EVS)")
    page.click("text=Apply filters")
    page.wait_for_url(re.compile(r"party=\d+"))
    rows = page.locator("table.table-invoices tbody tr")
    assert rows.count() == 1
    assert "EV Sverige AB" in rows.first.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "invoice_list.png"), full_page=True)

    page.click(f"text={wanted.number}")
    page.wait_for_url(re.compile(rf"/finance/invoices/{wanted.pk}/$"))
    assert wanted.number in page.locator("h1").inner_text()
    assert wanted.payment_reference in page.content()
    page.screenshot(path=str(SCREENSHOTS / "invoice_detail.png"), full_page=True)

    with page.expect_download() as download_info:
        page.click("#download-pdf")
    download = download_info.value
    assert download.suggested_filename == f"{wanted.number}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert wanted.number is not None
    assert wanted.number in text
    assert "EV Sverige AB" in text
    assert wanted.payment_reference in text
