"""Every staff, finance and public page the Swedish scan (tests/i18n/test_swedish_pages.py) renders, by who opens it.

One list for every app: add a page here when you add one to the portal. The data is the accessibility test's small
network (tests/test_accessibility_e2e.py), which puts something on every page. ``PENDING`` marks pages whose English
comes from another branch's part of the translation: the scan expects them to fail, and says so, until that lands.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from billing.models import Cdr, Invoice
from chargepoints.models import EVSE, ChargingSession
from ocpi_api.models import Partner
from ocpp_gateway.models import Charger
from tariffs.models import Tariff

# The finance pages, tariffs, payments, e-mails and PDFs are translated on the finance branch (i18nfin).
FINANCE_PENDING = "finance strings (billing, tariffs, payments) are translated on the i18nfin branch"
# Finance's parts of other pages: the session page's price lines (tariffs/_price_lines.html), the dashboard's CDR card
# and revenue chart (billing).
PRICE_LINES = ("When", "(station time)", "Fixed", "Energy", "Parking", "Charging", "Incl. VAT", "Excl. VAT", "Price")
FINANCE_DASHBOARD = ("CDRs held for review", "Revenue per eMSP", "Cost excl. VAT", "waiting")


@dataclass(frozen=True)
class I18nPage:
    role: str  # "anonymous", "operations" or "finance" (tests.factories' users)
    url: str
    status: int = 200
    pending: str = ""  # why this page still shows English, until the branch named there is merged
    # Only these texts are pending (the rest of the page must be Swedish); empty: the whole page is pending.
    pending_strings: tuple[str, ...] = ()


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
        reverse("billing:cdr_detail", args=[Cdr.objects.get().pk]),
        reverse("payments:staff_list"),
    ]
    return [
        I18nPage("anonymous", reverse("map:map")),
        I18nPage("anonymous", reverse("login")),
        I18nPage("anonymous", reverse("attribution")),
        I18nPage("anonymous", reverse("payments:pay", args=[evse.evse_id]), pending=FINANCE_PENDING),
        I18nPage(
            "operations", reverse("stations:dashboard"), pending=FINANCE_PENDING, pending_strings=FINANCE_DASHBOARD
        ),
        *(I18nPage("operations", url) for url in staff),
        *(
            I18nPage(
                "operations",
                reverse("sessions:detail", args=[s.pk]),
                pending=FINANCE_PENDING,
                pending_strings=PRICE_LINES,
            )
            for s in ChargingSession.objects.order_by("pk")
        ),
        I18nPage("operations", reverse("tariffs:list"), pending=FINANCE_PENDING),
        I18nPage("operations", reverse("tariffs:detail", args=[tariff.pk]), pending=FINANCE_PENDING),
        I18nPage("operations", "/no-such-page/", status=404),
        *(I18nPage("finance", url, pending=FINANCE_PENDING) for url in finance),
        I18nPage("finance", reverse("partners:list"), status=403),  # not finance's: the 403 page
    ]
