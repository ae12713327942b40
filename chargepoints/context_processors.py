from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .portal import portal_sections


def portal(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout shows: our operator name and the sections (chargepoints.portal) this user may open."""
    nav = []
    # DRF's HTML views (Swagger UI) render with user None: REST_FRAMEWORK has UNAUTHENTICATED_USER = None.
    if getattr(request.user, "is_authenticated", False):
        for section in portal_sections():
            if not request.user.has_perm(section.permission):
                continue
            try:
                url = reverse(section.url_name)
            except NoReverseMatch:  # an app whose pages are not routed (yet)
                continue
            nav.append({"label": section.label, "url": url, "active": request.path.startswith(url)})
    return {"cpo_name": settings.CPO_BUSINESS_NAME, "portal_nav": nav}
