"""Every staff, finance and public page the Swedish scan (tests/i18n/test_swedish_pages.py) renders, by who opens it.

One list for every app: add a page here when you add one to the portal. The data is the accessibility test's small
network (tests/test_accessibility_e2e.py), which puts something on every page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from billing.models import Cdr, Invoice
from chargepoints.models import EVSE, ChargingSession
from ocpi_api.models import Partner
from ocpp_gateway.models import Charger
from payments.models import AdHocPayment
from tariffs.models import Tariff


@dataclass(frozen=True)
class I18nPage:
    role: str  # "anonymous", "operations" or "finance" (tests.factories' users)
    url: str
    status: int = 200


def i18n_pages() -> list[I18nPage]:
    session = ChargingSession.objects.order_by("pk").first()
    assert session is not None, "build the network first (tests.test_accessibility_e2e._network)"
    station = session.location
    partner = Partner.objects.get()
    evse = EVSE.objects.exclude(evse_id="").order_by("pk").first()
    tariff = Tariff.objects.order_by("pk").first()
    assert tariff is not None
    assert evse is not None
    staff = [
        reverse("stations:list"),
        reverse("stations:map"),
        reverse("stations:detail", args=[station.pk]),
        reverse("stations:data_quality"),
        reverse("chargers:list"),
        reverse("chargers:detail", args=[Charger.objects.get().pk]),
        reverse("sessions:list"),
        reverse("partners:list"),
        reverse("partners:detail", args=[partner.pk]),
        reverse("partners:tokens"),
        f"/partners/{partner.pk}/deliveries/",
        f"/partners/{partner.pk}/deliveries/object/?key=locations/SE/CPO/{station.ocpi_id}",
    ]
    finance = [
        reverse("billing:invoice_list"),
        reverse("billing:invoice_detail", args=[Invoice.objects.get().pk]),
        reverse("billing:receivables"),
        reverse("billing:trends"),
        reverse("billing:cdr_list"),
        *(reverse("billing:cdr_detail", args=[pk]) for pk in Cdr.objects.order_by("pk").values_list("pk", flat=True)),
        reverse("payments:staff_list"),
    ]
    payment = AdHocPayment.objects.get()
    return [
        I18nPage("anonymous", reverse("map:map")),
        I18nPage("anonymous", reverse("login")),
        I18nPage("anonymous", reverse("attribution")),
        I18nPage("anonymous", reverse("payments:pay", args=[evse.evse_id])),
        I18nPage("anonymous", reverse("payments:status", args=[payment.reference])),
        I18nPage("anonymous", reverse("payments:receipt", args=[payment.reference])),
        I18nPage("operations", reverse("payments:sticker", args=[evse.evse_id])),
        I18nPage("operations", reverse("payments:evse_ad_hoc", args=[payment.evse.evse_id])),
        I18nPage("operations", reverse("stations:dashboard")),
        *(I18nPage("operations", url) for url in staff),
        *(
            I18nPage("operations", reverse("sessions:detail", args=[s.pk]))
            for s in ChargingSession.objects.order_by("pk")
        ),
        I18nPage("operations", reverse("tariffs:list")),
        I18nPage("operations", reverse("tariffs:detail", args=[tariff.pk])),
        I18nPage("operations", "/no-such-page/", status=404),
        *(I18nPage("finance", url) for url in finance),
        I18nPage("finance", reverse("partners:list"), status=403),  # not finance's: the 403 page
    ]
