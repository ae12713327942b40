"""One rule for times on every page: charging times in the station's local time, audit times in the reader's zone
(PORTAL_TIME_ZONE), both labelled with the zone, in the language's date format."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from billing.models import Invoice, InvoiceRun
from billing.services.invoice_runs import invoice_run
from chargepoints.roles import FINANCE, OPERATIONS
from tests.billing.invoice_builders import STANDARD, cdr_at, charger, profile, standard_tariffs, utc
from tests.factories import make_user

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 2, 2, 8, 45, tzinfo=UTC)  # 09:45 in Stockholm (CET), 08:45 UTC


def _render(source: str, **context: object) -> str:
    return Template("{% load portal_time %}" + source).render(Context(context))


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_station_time_is_local_to_the_station_and_labelled_with_its_zone():
    html = _render("{% station_time when zone %}", when=WHEN, zone="Europe/Stockholm")
    assert _text(html) == "2026-02-02 09:45 CET"
    assert 'datetime="2026-02-02T08:45:00+00:00"' in html
    assert 'title="2026-02-02 08:45:00 UTC"' in html
    summer = datetime(2026, 7, 1, 8, 45, tzinfo=UTC)
    assert _text(_render('{% station_time when "Europe/Helsinki" "time" %}', when=summer)) == "11:45 EEST"
    assert _text(_render('{% station_time when "Nowhere/Else" "seconds" %}', when=WHEN)) == "2026-02-02 08:45:00 UTC"
    assert _render("{% station_time None 'Europe/Stockholm' %}") == "–"


def test_audit_time_is_in_the_portal_zone_and_follows_the_setting(settings):
    assert _text(_render("{{ when|audit_time }}", when=WHEN)) == "2026-02-02 09:45 CET"  # the default staff zone
    settings.PORTAL_TIME_ZONE = "UTC"
    assert _text(_render('{{ when|audit_time:"seconds" }}', when=WHEN)) == "2026-02-02 08:45:00 UTC"


def test_the_language_decides_the_format():
    # Our English is ISO 8601 with a 24-hour clock (not Django's "Feb. 2, 2026, 9:45 a.m."); Swedish is the same shape.
    for language in ("en", "sv"):
        with translation.override(language):
            assert _text(_render("{{ when|audit_time }}", when=WHEN)) == "2026-02-02 09:45 CET"
            assert _text(_render('{{ when|audit_time:"date" }}', when=WHEN)) == "2026-02-02"


def test_one_session_shows_the_same_labelled_local_time_on_every_page(client):
    standard_tariffs()
    evse = charger(STANDARD, name="Uppsala Resecentrum", city="Uppsala")
    cdr = cdr_at(WHEN, evse=evse)
    profile(("NL", "EMP"))
    invoice_run(trigger=InvoiceRun.Trigger.COMMAND, now=utc(2026, 3, 2))
    invoice = Invoice.objects.get()

    client.force_login(make_user("fia", group=FINANCE, is_staff=True))
    pages = {
        "invoice": client.get(reverse("billing:invoice_detail", args=[invoice.pk])),
        "cdr": client.get(reverse("billing:cdr_detail", args=[cdr.pk])),
    }
    client.force_login(make_user("ops", group=OPERATIONS, is_staff=True))
    pages["session"] = client.get(reverse("sessions:detail", args=[cdr.session.pk]))
    pages["station"] = client.get(reverse("stations:detail", args=[evse.location.pk]))
    for name, response in pages.items():
        assert response.status_code == 200, name
        text = _text(response.content.decode())
        assert re.search(r"2026-02-02 09:45(:00)? CET", text), name
        assert "08:45" not in text, name  # UTC only in the tooltips
