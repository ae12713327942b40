"""Swedish words are longer: in Swedish, at 1440 px and 390 px, no page is wider than the screen and no button, badge
or figure label spills out of its box. Screenshots go to var/screenshots/sv for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from chargepoints.models import ChargingSession
from ocpp_gateway.models import Charger
from tests.a11y import settle
from tests.browser import log_in
from tests.site_pages import site_network

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "sv"
# Boxes whose text must fit them (tables scroll inside their cards and are not counted).
BOXES = ".btn, .badge, .stat-label, .stat-value, .navbar-brand, .nav-link, .chip"
SPILL = """(boxes) => [...document.querySelectorAll(boxes)]
  .filter((e) => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map((e) => `${e.className}: ${e.textContent.trim().slice(0, 60)}`)"""


def test_swedish_pages_fit_a_desktop_and_a_phone(live_server, browser):
    site_network()
    session = ChargingSession.objects.order_by("pk").first()
    assert session is not None
    pages = {
        "dashboard": reverse("stations:dashboard"),
        "station_list": reverse("stations:list"),
        "station_detail": reverse("stations:detail", args=[session.location_id]),
        "chargers": reverse("chargers:list"),
        "charger_detail": reverse("chargers:detail", args=[Charger.objects.get().pk]),
        "session_detail": reverse("sessions:detail", args=[session.pk]),
        "staff_map": reverse("stations:map"),
        "public_map": reverse("map:map"),
    }
    problems = _too_wide(live_server, browser, pages, "ops", boxes=BOXES)
    assert not problems, "\n".join(problems)


def test_the_swedish_admin_fits_a_desktop_and_a_phone(live_server, browser):
    """The admin's index, a change list and the station editor in Swedish: no wider than the screen."""
    site_network()
    station = ChargingSession.objects.order_by("pk").first().location  # type: ignore[union-attr]
    pages = {
        "admin_index": reverse("admin:index"),
        "admin_locations": reverse("admin:chargepoints_location_changelist"),
        "admin_location": reverse("admin:chargepoints_location_change", args=[station.pk]),
    }
    problems = _too_wide(live_server, browser, pages, "admin")
    assert not problems, "\n".join(problems)


def _too_wide(live_server, browser, pages: dict[str, str], user: str, boxes: str | None = None) -> list[str]:
    """Each page in Swedish at 1440 and 390 px, signed in as ``user`` and screenshot: what is wider than the screen,
    and which of ``boxes`` (a selector) let their text spill out."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for width in (1440, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{"name": "django_language", "value": "sv", "url": live_server.url}])
        page = context.new_page()
        log_in(page, f"{live_server.url}{reverse('stations:dashboard')}", user)
        for name, url in pages.items():
            page.goto(f"{live_server.url}{url}")
            settle(page)
            assert page.locator("html").get_attribute("lang") == "sv"
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
            page_width = int(page.evaluate("document.documentElement.scrollWidth"))
            if page_width > width:
                problems.append(f"{name} at {width} px is {page_width} px wide")
            if boxes:
                problems += [f"{name} at {width} px: {spill}" for spill in page.evaluate(SPILL, boxes)]
        context.close()
    return problems
