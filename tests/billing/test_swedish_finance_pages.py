"""The finance, tariff and payment pages in Swedish: no msgid of the catalogue left in English (tests/i18n/scan.py),
and the Swedish and English wording of the documents where the person reading them chose it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from billing.models import Invoice
from chargepoints.simulator import ChargerSimulator
from payments.models import AdHocPayment
from tariffs.models import Tariff
from tests.i18n.scan import english_on, visible_text
from tests.payments.support import ad_hoc_station
from tests.site_pages import site_network

pytestmark = pytest.mark.django_db(transaction=True)  # the pay view commits as it goes, as in production


def _client(username: str | None = None) -> Client:
    client = Client()
    client.cookies["django_language"] = "sv"
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def _swedish(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Content-Language"] == "sv", url
    return response.content.decode()


def _english(client: Client, url: str) -> list[str]:
    """English on the page's own part (<main>); the header and menu are checked by the site-wide scan."""
    return english_on(_swedish(client, url), within="main")


@pytest.fixture
def network():
    site_network()


def _paid_and_charged(client: Client) -> AdHocPayment:
    evse = ad_hoc_station()
    pay = reverse("payments:pay", args=[evse.evse_id])
    client.post(pay, {"card_number": "4242 4242 4242 4242", "agree": "on", "email": "driver@example.com"})
    payment = AdHocPayment.objects.get()
    assert payment.session is not None
    ChargerSimulator(evse=evse).charge(session=payment.session, minutes=20, kw=Decimal(11))
    client.post(reverse("payments:stop", args=[payment.reference]))
    payment.refresh_from_db()
    return payment


def test_the_invoice_page_and_review_queue_read_in_swedish(network):
    """Beyond the site-wide scan (tests/site_pages.py lists every finance page): the queue's filter, and the Swedish
    that must be there."""
    client = _client("finance")
    review = reverse("billing:cdr_list") + "?status=REVIEW"
    assert (found := _english(client, review)) == [], f"{review}: {found}"
    invoice = reverse("billing:invoice_detail", args=[Invoice.objects.get().pk])
    detail = visible_text(_swedish(client, invoice), within="main")
    for swedish in ("Faktura", "Exkl. moms", "Historik"):
        assert swedish in detail


def test_the_tariff_pages_and_editor_show_no_english_in_swedish(network):
    client = _client("ops")
    tariff = Tariff.objects.order_by("pk").first()
    assert tariff is not None
    preview = reverse("tariffs:detail", args=[tariff.pk]) + (
        "?start=2026-03-02T08:00&time_zone=Europe/Stockholm&duration_minutes=90&energy_kwh=30&parking_minutes=15"
    )
    for url in (reverse("tariffs:list"), reverse("tariffs:detail", args=[tariff.pk]), preview):
        assert (found := _english(client, url)) == [], f"{url}: {found}"
    assert "Priset för denna session, rad för rad" in visible_text(_swedish(client, preview), within="main")
    admin = _client("admin")
    editor = reverse("admin:tariffs_tariff_change", args=[tariff.pk])
    assert (found := english_on(_swedish(admin, editor), within="form")) == [], found


def test_the_drivers_pages_and_receipt_e_mail_are_in_the_language_they_paid_in(mailoutbox):
    driver = _client()
    payment = _paid_and_charged(driver)
    assert payment.language == "sv"
    pay = reverse("payments:pay", args=[payment.evse.evse_id])
    status = reverse("payments:status", args=[payment.reference])
    receipt = reverse("payments:receipt", args=[payment.reference])
    for url in (pay, status, receipt):
        assert (found := _english(driver, url)) == [], f"{url}: {found}"
    assert "Kvitto" in visible_text(_swedish(driver, receipt), within="main")
    assert "3,75 SEK per kWh" in visible_text(_swedish(driver, pay), within="main")  # the Swedish decimal comma
    sent = [message for message in mail.outbox if message.to == ["driver@example.com"]]
    assert [message.subject for message in sent] == [f"Ditt laddkvitto {payment.receipt.number}"]
    assert "Tack för att du laddar" in sent[0].body


def test_the_checker_finds_english_left_on_a_swedish_page():
    """The check itself: it reports English it knows, with placeholders and markup, and English words nobody marked;
    not Swedish, scripts, code or data marked translate="no"."""
    page = (
        "<html lang='sv'><body><main><h1>Fakturor</h1><p>Send to x@example.com</p><button title='Mark paid'>Ok</button>"
        "<p>Shown when the partner pays</p><p translate='no'>Stopped by the driver</p><code>the id</code>"
        "<script>var a = 'Invoices';</script></main></body></html>"
    )
    assert sorted(english_on(page)) == [
        "Mark paid",
        "Send to %(email)s",  # a msgid
        "Send to x@example.com",  # English words
        "Shown when the partner pays",
    ]
    with translation.override("sv"):
        swedish = translation.gettext("Send to %(email)s") % {"email": "x"}
    assert english_on(f"<p>{swedish}</p>") == []
