from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# Sections of the staff portal: label, URL name, and the permission that shows it. Sections whose app is not
# installed yet have no URL and are left out.
PORTAL_SECTIONS = [
    ("Dashboard", "stations:dashboard", "chargepoints.view_location"),
    ("Stations", "stations:list", "chargepoints.view_location"),
    ("Chargers", "chargers:list", "ocpp_gateway.view_charger"),
    ("Tariffs", "tariffs:list", "tariffs.view_tariff"),
    ("Partners", "partners:list", "ocpi_api.view_partner"),
    ("Tokens", "partners:tokens", "ocpi_api.view_emsptoken"),
    ("Sessions", "sessions:list", "chargepoints.view_chargingsession"),
    ("CDRs", "billing:cdr_list", "billing.view_cdr"),
    ("Invoices", "billing:invoice_list", "billing.view_invoice"),
]


def portal(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout shows: our operator name and the sections this user may open."""
    nav = []
    # DRF's HTML views (Swagger UI) render with user None: REST_FRAMEWORK has UNAUTHENTICATED_USER = None.
    if getattr(request.user, "is_authenticated", False):
        for label, url_name, permission in PORTAL_SECTIONS:
            if not request.user.has_perm(permission):
                continue
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            nav.append({"label": label, "url": url, "active": request.path.startswith(url)})
    return {"cpo_name": settings.CPO_BUSINESS_NAME, "portal_nav": nav}
