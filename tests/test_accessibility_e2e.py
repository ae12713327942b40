"""Every staff, finance and public page passes axe-core's WCAG 2.1 A and AA rules, for each role, on a desktop
(1440 px) and a phone (390 px) screen, in a real browser (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import TestCase
from django.urls import reverse

from billing.models import Cdr, Invoice
from billing.services.invoice_runs import invoice_run
from billing.services.invoices import invoice_issue
from chargepoints.enums import TokenType
from chargepoints.models import ChargingSession, Location
from ocpi_api.models import Partner
from ocpp_gateway.models import Charger
from ocpp_gateway.services import charger_add
from payments.models import AdHocPayment, PaymentState
from payments.services import payment_begin
from tariffs.models import Tariff
from tests.a11y import axe_violations, describe, settle
from tests.billing.invoice_builders import profile
from tests.browser import log_in
from tests.chargepoints.sessions_support import T0
from tests.factories import finance_user, make_user, operations_user
from tests.ocpi_api.drivers import charged_session, registered_partner, roaming_station, stored_token
from tests.payments.support import CARD, ad_hoc_station, charge, stop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots" / "a11y"
WIDTHS = (1440, 390)
NOT_FOUND = "/no-such-page/"
# Pages a role may not open, or that do not exist, are still pages: the portal's 403 and 404.
EXPECTED_STATUS = {("finance", "/partners/"): 403, ("operations", NOT_FOUND): 404}
USERNAMES = {"operations": "ops", "finance": "finance", "admin": "admin"}


def _network() -> None:
    """A small network with something on every page: a station, a tariff, a partner with tokens, a finished and a
    live session, its CDR and an issued invoice."""
    operations_user()
    user = finance_user()
    make_user("admin", is_staff=True, is_superuser=True)
    partner, _ = registered_partner(country_code="NL", party_id="EMS")
    stored_token(partner, "04A1B2C3")
    evse = roaming_station(name="Uppsala Resecentrum", city="Uppsala")
    charged_session(evse, partner, minutes=45)
    charger_add(charge_point_id="CP-UPPSALA-1", evse_refs=[evse.uid])
    charged_session(evse, partner, uid="04A1B2C4", start=T0 + timedelta(hours=3), stop=False)
    profile(("NL", "EMS"))
    invoice_run(trigger="COMMAND", now=T0 + timedelta(days=40))
    for draft in Invoice.objects.order_by("pk"):
        invoice_issue(invoice=draft, by=user)
    _ad_hoc_payment()


def _ad_hoc_payment() -> AdHocPayment:
    """A driver who paid by card (demo gateway) on a station of its own, charged and got a receipt. The station is
    off the public map (its marker would sit on the roaming station's and the map checks above expect that one)."""
    evse = ad_hoc_station()
    Location.objects.filter(pk=evse.location_id).update(publish=False)
    # The capture runs after the commit: in a test inside one transaction (the Swedish scan's), run it at the end.
    with TestCase.captureOnCommitCallbacks(execute=True):
        payment = payment_begin(evse=evse, payment_method=CARD, email="driver@example.org", now=T0)
        assert payment.session is not None
        charge(payment.session, minutes=30, kwh="10")
        stop(payment.session, minutes=31)
    payment.refresh_from_db()
    assert payment.state == PaymentState.CAPTURED
    return payment


def _pages(role: str) -> list[str]:
    station = ChargingSession.objects.exclude(token_type=TokenType.AD_HOC_USER).first().location  # type: ignore[union-attr]
    partner = Partner.objects.get()
    payment = AdHocPayment.objects.get()
    if role == "anonymous":
        return [
            reverse("map:map"),
            reverse("login"),
            reverse("attribution"),
            reverse("payments:pay", args=[payment.evse.evse_id]),
            reverse("payments:status", args=[payment.reference]),
            reverse("payments:receipt", args=[payment.reference]),
        ]
    if role == "operations":
        return [
            reverse("stations:dashboard"),
            reverse("stations:list"),
            reverse("stations:map"),
            reverse("stations:detail", args=[station.pk]),
            reverse("stations:data_quality"),
            reverse("chargers:list"),
            reverse("chargers:detail", args=[Charger.objects.get().pk]),
            reverse("sessions:list"),
            *(reverse("sessions:detail", args=[s.pk]) for s in ChargingSession.objects.order_by("pk")),
            reverse("tariffs:list"),
            reverse("tariffs:detail", args=[Tariff.objects.first().pk]),  # type: ignore[union-attr]
            reverse("partners:list"),
            reverse("partners:detail", args=[partner.pk]),
            reverse("partners:tokens"),
            f"/partners/{partner.pk}/deliveries/",
            f"/partners/{partner.pk}/deliveries/object/?key=locations/SE/CPO/{station.ocpi_id}",
            reverse("payments:evse_ad_hoc", args=[payment.evse.evse_id]),
            NOT_FOUND,
        ]
    if role == "finance":
        return [
            reverse("billing:invoice_list"),
            reverse("billing:invoice_detail", args=[Invoice.objects.get().pk]),
            reverse("billing:receivables"),
            reverse("billing:trends"),
            reverse("billing:cdr_list"),
            reverse("billing:cdr_detail", args=[Cdr.objects.exclude(token_type=TokenType.AD_HOC_USER).get().pk]),
            reverse("payments:staff_list"),
            reverse("partners:list"),  # not finance's: the 403 page
        ]
    return [
        reverse("admin:index"),
        reverse("admin:chargepoints_location_changelist"),
        reverse("admin:chargepoints_location_change", args=[station.pk]),
        reverse("admin:tariffs_tariff_change", args=[Tariff.objects.first().pk]),  # type: ignore[union-attr]
        reverse("admin:ocpi_api_partner_changelist"),
        reverse("admin:billing_invoice_changelist"),
    ]


@pytest.mark.parametrize("role", ["anonymous", "operations", "finance", "admin"])
def test_every_page_passes_wcag_21_aa(live_server, browser, role):
    _network()
    found: list[str] = []
    checked = 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        urls = _pages(role)
        if role != "anonymous":
            # The admin signs in on the portal's login page too (the admin's own login form has no <button>).
            start = reverse("stations:dashboard") if role == "admin" else urls[0]
            log_in(
                page, f"{live_server.url}{start}", {"operations": "ops", "finance": "finance", "admin": "admin"}[role]
            )
        for url in urls:
            response = page.goto(f"{live_server.url}{url}")
            assert response is not None
            assert response.status == EXPECTED_STATUS.get((role, url), 200), f"{url}: HTTP {response.status}"
            settle(page)
            if url == reverse("map:map"):
                # Markers are named for screen readers, and the result list reaches every station by keyboard.
                page.wait_for_selector("path.leaflet-interactive")
                markers = page.locator("path.leaflet-interactive")
                assert markers.count() == page.locator("path.leaflet-interactive[aria-label]").count() > 0
                assert "Uppsala Resecentrum" in (markers.first.get_attribute("aria-label") or "")
                assert page.locator("li.station[tabindex='0']").count() == markers.count()
            found += [f"{width}px {url} {line}" for line in describe(axe_violations(page))]
            checked += 1
            if width == 390:
                page.screenshot(path=str(SCREENSHOTS / f"{role}{url.replace('/', '_')}390.png"), full_page=True)
        context.close()
    print(f"axe WCAG 2.1 AA, {role}: {checked} page views, {len(found)} violations")
    assert not found, "\n".join(found)
