"""Every staff, finance and public page passes axe-core's WCAG 2.1 A and AA rules, for each role, on a desktop
(1440 px) and a phone (390 px) screen, in a real browser (Debian's chromium, driven by Playwright). The pages are
tests/site_pages.py's, which the Swedish scan walks too; of the admin's, the ones whose markup we change."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from tests.a11y import axe_violations, describe, settle
from tests.browser import log_in
from tests.site_pages import USERNAMES, site_network, site_pages

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots" / "a11y"
WIDTHS = (1440, 390)


@pytest.mark.parametrize("role", ["anonymous", "operations", "finance", "admin"])
def test_every_page_passes_wcag_21_aa(live_server, browser, role):
    site_network()
    pages = [page for page in site_pages() if page.role == role and page.axe]
    found: list[str] = []
    checked = 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        if role != "anonymous":
            # The admin signs in on the portal's login page too (the admin's own login form has no <button>).
            start = reverse("stations:dashboard") if role == "admin" else pages[0].url
            log_in(page, f"{live_server.url}{start}", USERNAMES[role])
        for site_page in pages:
            url = site_page.url
            response = page.goto(f"{live_server.url}{url}")
            assert response is not None
            assert response.status == site_page.status, f"{url}: HTTP {response.status}"
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
