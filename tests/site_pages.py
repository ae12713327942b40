"""Every page of the site by who opens it, on a small network that puts something on each: the one list that the
accessibility sweep (tests/test_accessibility_e2e.py) and the Swedish scan (tests/i18n/test_swedish_pages.py) walk.

Add a page here when you add one to the portal. The admin's pages are generated: its index, and for every model
registered by our apps and Django's auth, the change list, the add form and one existing object's form, as the
superuser sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import admin
from django.contrib.auth.models import User
from django.test import RequestFactory, TestCase
from django.urls import reverse

from billing.models import Cdr, Invoice
from billing.services.invoice_runs import invoice_run
from billing.services.invoices import invoice_issue
from chargepoints.enums import TokenType
from chargepoints.models import EVSE, ChargingSession, Location
from ocpi_api.models import Partner
from ocpp_gateway.models import Charger
from ocpp_gateway.services import charger_add
from payments.models import AdHocPayment, PaymentState
from payments.services import payment_begin
from tariffs.models import Tariff
from tests.billing.invoice_builders import profile
from tests.chargepoints.sessions_support import T0
from tests.factories import finance_user, make_user, operations_user
from tests.ocpi_api.drivers import charged_session, registered_partner, roaming_station, stored_token
from tests.payments.support import CARD, ad_hoc_station, charge, stop

# The users of tests.factories who open the pages, by role.
USERNAMES = {"operations": "ops", "finance": "finance", "admin": "admin"}
# Admin apps whose wording is not ours: Django's auth comes with Swedish and is scanned; django-axes and
# django-celery-beat ship no Swedish catalogue, so their pages stay English and are left out of the list.
ADMIN_APPS_WITHOUT_SWEDISH = {"axes", "django_celery_beat"}
# The admin pages the accessibility sweep checks: the ones whose markup we change (the station editor, the tariff
# editor, our base_site template) and a list of each kind. The rest of the admin's markup is Django's own.
ADMIN_AXE_PAGES = {
    "admin:index",
    "admin:chargepoints_location_changelist",
    "admin:chargepoints_location_change",
    "admin:tariffs_tariff_change",
    "admin:ocpi_api_partner_changelist",
    "admin:billing_invoice_changelist",
}


@dataclass(frozen=True)
class SitePage:
    role: str  # "anonymous", "operations", "finance" or "admin" (USERNAMES)
    url: str
    status: int = 200
    axe: bool = True  # in the accessibility sweep (ADMIN_AXE_PAGES for the admin's)
    data: tuple[str, ...] = ()  # texts shown as they are stored (an object's name in the admin's title)


def site_network() -> None:
    """A small network with something on every page: a station, a tariff, a partner with tokens, a finished and a
    live session, its CDR, an issued invoice and a driver's card payment."""
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
    off the public map (its marker would sit on the roaming station's and the map checks expect that one)."""
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


def site_pages() -> list[SitePage]:
    roaming = ChargingSession.objects.exclude(token_type=TokenType.AD_HOC_USER).order_by("pk").first()
    assert roaming is not None, "build the network first (site_network)"
    station = roaming.location
    partner = Partner.objects.get()
    payment = AdHocPayment.objects.get()
    evse = EVSE.objects.exclude(evse_id="").order_by("pk").first()
    tariff = Tariff.objects.order_by("pk").first()
    assert evse is not None
    assert tariff is not None
    operations = [
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
        reverse("tariffs:detail", args=[tariff.pk]),
        reverse("partners:list"),
        reverse("partners:detail", args=[partner.pk]),
        reverse("partners:tokens"),
        f"/partners/{partner.pk}/deliveries/",
        f"/partners/{partner.pk}/deliveries/object/?key=locations/SE/CPO/{station.ocpi_id}",
        reverse("payments:evse_ad_hoc", args=[payment.evse.evse_id]),
        reverse("payments:sticker", args=[evse.evse_id]),
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
    return [
        SitePage("anonymous", reverse("map:map")),
        SitePage("anonymous", reverse("login")),
        SitePage("anonymous", reverse("attribution")),
        SitePage("anonymous", reverse("payments:pay", args=[payment.evse.evse_id])),
        SitePage("anonymous", reverse("payments:status", args=[payment.reference])),
        SitePage("anonymous", reverse("payments:receipt", args=[payment.reference])),
        *(SitePage("operations", url) for url in operations),
        SitePage("operations", "/no-such-page/", status=404),
        *(SitePage("finance", url) for url in finance),
        SitePage("finance", reverse("partners:list"), status=403),  # not finance's: the 403 page
        *admin_pages(),
    ]


def admin_pages() -> list[SitePage]:
    """The admin's index, and each model's change list, add form (where it may be added) and first object's form."""
    request = RequestFactory().get(reverse("admin:index"))
    request.user = User.objects.get(username=USERNAMES["admin"])
    pages: list[tuple[str, str, tuple[str, ...]]] = [("admin:index", reverse("admin:index"), ())]
    for app in admin.site.get_app_list(request):
        if app["app_label"] in ADMIN_APPS_WITHOUT_SWEDISH:
            continue
        for entry in app["models"]:
            model = entry["model"]
            name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            pages.append((f"{name}_changelist", entry["admin_url"], ()))
            if entry["add_url"]:
                pages.append((f"{name}_add", entry["add_url"], ()))
            first = admin.site.get_model_admin(model).get_queryset(request).order_by("pk").first()
            if first is not None:
                pages.append((f"{name}_change", reverse(f"{name}_change", args=[first.pk]), (str(first),)))
    return [SitePage("admin", url, axe=name in ADMIN_AXE_PAGES, data=data) for name, url, data in pages]
