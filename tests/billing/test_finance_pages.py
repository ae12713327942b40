"""Finance pages: only Finance (and superusers) see invoices; list filters, detail, documents, and the lifecycle
actions (issue, send, mark paid, credit note, run now), with the delivery failure shown to finance."""

import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.db.models import QuerySet
from django.urls import reverse
from pypdf import PdfReader

from billing.conf import billing_today
from billing.models import Invoice, InvoiceEvent, InvoiceRun
from billing.services.invoice_runs import invoice_run
from billing.services.invoices import invoice_issue
from chargepoints.roles import FINANCE, OPERATIONS
from tests.billing.invoice_builders import STANDARD, cdr_at, charger, profile, standard_tariffs, utc
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(client):
    user = make_user("fia", group=FINANCE, is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def billed():
    """Two partners with a February invoice each (drafts)."""
    standard_tariffs()
    evse = charger(STANDARD, name="Uppsala Resecentrum", city="Uppsala")
    emp, evs = profile(("NL", "EMP")), profile(("SE", "EVS"), legal_name="EV Sverige AB", language="sv")
    cdr_at(utc(2026, 2, 2, 10), evse=evse)
    cdr_at(utc(2026, 2, 9, 10), evse=evse)
    cdr_at(utc(2026, 2, 3, 10), evse=evse, party=("SE", "EVS"))
    invoice_run(trigger=InvoiceRun.Trigger.COMMAND, now=utc(2026, 3, 2))
    return Invoice.objects.get(profile=emp), Invoice.objects.get(profile=evs)


def pdf_text(content: bytes) -> str:
    import io

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


PAGES = ("billing:invoice_list", "billing:receivables")


def pass_due_date(invoice):
    """Let time pass beyond the due date (moving the stored date back past the model guard, as only a test may)."""
    QuerySet.update(Invoice.objects.filter(pk=invoice.pk), due_date=billing_today() - timedelta(days=3))


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_users_are_sent_to_the_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_partner_with_an_ocpi_token_gets_no_finance_page(client, billed):
    # Partners reach us with OCPI tokens; the portal knows only staff sessions, so that is an anonymous visitor.
    url = reverse("billing:invoice_pdf", args=[billed[0].pk])
    response = client.get(url, HTTP_AUTHORIZATION="Token c2VjcmV0LXBhcnRuZXItdG9rZW4=")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_operations_staff_get_403_everywhere(client, billed):
    client.force_login(make_user("ops", group=OPERATIONS, is_staff=True))
    invoice = billed[0]
    for url in [
        reverse("billing:invoice_list"),
        reverse("billing:receivables"),
        reverse("billing:invoice_detail", args=[invoice.pk]),
        reverse("billing:invoice_pdf", args=[invoice.pk]),
        reverse("billing:invoice_csv", args=[invoice.pk]),
    ]:
        assert client.get(url).status_code == 403, url
    for url in [
        reverse("billing:invoice_issue", args=[invoice.pk]),
        reverse("billing:run_now"),
        reverse("billing:issue_drafts"),
    ]:
        assert client.post(url).status_code == 403, url
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DRAFT
    # Nor does the admin show them invoices (they may still work the CDR review queue).
    assert client.get(reverse("admin:billing_invoice_changelist")).status_code == 403
    assert client.get(reverse("admin:billing_cdr_changelist")).status_code == 200
    nav = client.get(reverse("stations:dashboard")).content.decode()
    assert reverse("billing:invoice_list") not in nav


def test_a_user_without_a_role_gets_403(client, billed):
    client.force_login(make_user("plain", is_staff=True))
    assert client.get(reverse("billing:invoice_list")).status_code == 403


def test_finance_and_superusers_see_the_invoices(client, finance, billed):
    response = client.get(reverse("billing:invoice_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Emp Mobility B.V." in page
    assert "EV Sverige AB" in page
    assert 'href="/finance/invoices/"' in page  # the top navigation shows the section
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    detail = client.get(reverse("billing:invoice_detail", args=[billed[0].pk]))
    assert detail.status_code == 200
    for line in billed[0].lines.all():  # each line opens its CDR
        assert f'href="{reverse("billing:cdr_detail", args=[line.cdr_id])}"' in detail.content.decode()


def test_the_list_filters_by_partner_period_status_and_overdue(client, finance, billed):
    emp_invoice, evs_invoice = billed
    issued = invoice_issue(invoice=emp_invoice, by=finance)
    url = reverse("billing:invoice_list")

    def numbers(**params):
        return [invoice.pk for invoice, _overdue, _period in client.get(url, params).context["rows"]]

    assert set(numbers()) == {emp_invoice.pk, evs_invoice.pk}
    assert numbers(party=evs_invoice.profile_id) == [evs_invoice.pk]
    assert set(numbers(period="2026-02")) == {emp_invoice.pk, evs_invoice.pk}
    assert numbers(period="2026-04") == []
    assert numbers(status="DRAFT") == [evs_invoice.pk]
    assert numbers(status="ISSUED") == [issued.pk]
    assert numbers(overdue="on") == []
    # Due dates are fixed at issue; the invoice is overdue once the due date has passed.
    pass_due_date(issued)
    assert numbers(overdue="on") == [issued.pk]
    assert "Overdue" in client.get(url, {"overdue": "on"}).content.decode()


def test_issue_send_and_mark_paid_from_the_detail_page(client, finance, billed, django_capture_on_commit_callbacks):
    invoice = billed[0]
    detail = reverse("billing:invoice_detail", args=[invoice.pk])
    page = client.get(detail).content.decode()
    assert "Preview PDF" in page
    assert "Issue" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("billing:invoice_issue", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.number
    assert invoice.pdf

    download = client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    content = b"".join(download.streaming_content)
    with invoice.pdf.open("rb") as stored:
        assert content == stored.read()  # the stored file, not a new rendering
    csv_response = client.get(reverse("billing:invoice_csv", args=[invoice.pk]))
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response.content.decode().count("\r\n") == 1 + invoice.line_count

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("billing:invoice_send", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT
    assert invoice.sent_at
    message = mail.outbox[-1]
    assert message.to == ["invoices@emp.example"]
    assert invoice.number in message.subject
    assert invoice.payment_reference in message.body
    names = [name for name, _content, _type in message.attachments]
    assert names == [f"{invoice.number}.pdf", f"{invoice.number}.csv"]
    assert invoice.number in pdf_text(message.attachments[0][1])

    client.post(reverse("billing:invoice_paid", args=[invoice.pk]), {"paid_on": "2026-03-20"})
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert f"{invoice.paid_at:%Y-%m-%d}" in ("2026-03-19", "2026-03-20")
    history = client.get(detail).content.decode()
    for action in ("Created", "Issued", "PDF rendered", "Sent", "Marked paid"):
        assert action in history
    assert [e.by for e in invoice.events.filter(action__in=["ISSUED", "SENT", "PAID"])] == [finance] * 3


def test_a_credit_note_from_the_detail_page(client, finance, billed, django_capture_on_commit_callbacks):
    invoice = invoice_issue(invoice=billed[0], by=finance)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("billing:invoice_credit", args=[invoice.pk]), {"reason": "Tariff error"})
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert response["Location"] == reverse("billing:invoice_detail", args=[note.pk])
    assert note.status == Invoice.Status.ISSUED
    assert note.number is not None
    assert note.number.startswith("CN-")
    assert note.credited_invoice == invoice
    assert note.total_incl_vat == -invoice.total_incl_vat
    assert {line.cdr.credit_of for line in note.lines.select_related("cdr__credit_of")} == {
        line.cdr for line in invoice.lines.all()
    }
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED
    assert note.pdf
    again = client.post(reverse("billing:invoice_credit", args=[invoice.pk]), {"reason": "Twice"}, follow=True)
    assert "cannot be credited" in again.content.decode()


def test_run_now_and_issue_all_drafts(client, finance, billed, django_capture_on_commit_callbacks):
    may = cdr_at(utc(2026, 5, 5, 10), evse=charger(STANDARD))  # billed by the next run (May is long over)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("billing:run_now"), follow=True)
    run = InvoiceRun.objects.first()
    assert run is not None
    assert (run.trigger, run.started_by, run.invoices_created) == (InvoiceRun.Trigger.MANUAL, finance, 1)
    assert may.invoice_line.invoice.run == run
    assert "Invoice run started" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("billing:issue_drafts"))
    year = billing_today().year
    assert sorted(Invoice.objects.values_list("number", flat=True), key=str) == [
        f"INV-{year}-0000{n}" for n in (1, 2, 3)
    ]


def test_a_failed_delivery_is_retried_recorded_and_shown(
    client, finance, billed, settings, django_capture_on_commit_callbacks
):
    # A real SMTP backend pointed at a port nobody listens on: every attempt is refused.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    settings.BILLING_SEND_MAX_RETRIES = 2
    invoice = invoice_issue(invoice=billed[0], by=finance)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("billing:invoice_send", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.sent_at is None
    assert invoice.send_attempts == 3
    assert invoice.send_failed_at is not None
    assert "ConnectionRefusedError" in invoice.send_error
    failures = invoice.events.filter(action=InvoiceEvent.Action.SEND_FAILED).order_by("at", "id")
    assert [e.note.rsplit(" — ", 1)[1] for e in failures] == ["will retry", "will retry", "gave up"]
    page = client.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    assert "Sending failed" in page
    assert "ConnectionRefusedError" in page
    assert "Sending failed" in client.get(reverse("billing:invoice_list")).content.decode()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("billing:invoice_send", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT
    assert invoice.send_error == ""
    assert invoice.send_failed_at is None


def test_receivables_per_partner(client, finance, billed):
    emp_invoice, _evs_invoice = billed
    issued = invoice_issue(invoice=emp_invoice, by=finance)
    pass_due_date(issued)
    cdr_at(utc(2026, 2, 4, 10), evse=charger(STANDARD), party=("FR", "NOP"))
    response = client.get(reverse("billing:receivables"))
    rows = {row.profile.party: row for row in response.context["rows"]}
    assert rows["NL*EMP"].open_amount == issued.total_incl_vat == rows["NL*EMP"].overdue_amount
    assert rows["SE*EVS"].drafts == 1
    assert rows["SE*EVS"].open_amount == 0
    unbilled = {(u.country_code, u.party_id): u for u in response.context["unbilled"]}
    assert not unbilled[("FR", "NOP")].has_profile
    assert "no active billing profile" in response.content.decode()
