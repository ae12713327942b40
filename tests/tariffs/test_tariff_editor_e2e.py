"""The tariff editor in a real browser: an operator gives a tariff its energy mix as rows (the same widget as a
station's), saves, and sees it again; the page fits the window at desktop and phone widths."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from ocpi_api.modules.tariffs.serializers import tariff_input
from tariffs.models import Tariff
from tariffs.services import tariff_replace
from tests.a11y import axe_violations, describe
from tests.browser import log_in
from tests.factories import make_user

from .helpers import spec_json

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "tariff-editor"


def _open_energy_mix(page: Page) -> None:
    page.locator("summary").filter(has_text="Energy mix").click()  # a collapsed fieldset
    expect(page.get_by_label("Green energy")).to_be_visible()


@pytest.mark.e2e
def test_operator_edits_a_tariffs_energy_mix_as_rows(live_server, browser: Browser) -> None:
    make_user("admin", is_staff=True, is_superuser=True)
    tariff = tariff_replace(data=tariff_input(spec_json("tariff_4_complex.json")))
    url = f"{live_server.url}{reverse('admin:tariffs_tariff_change', args=[tariff.pk])}"
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log_in(page, f"{live_server.url}{reverse('stations:dashboard')}", "admin")
    page.goto(url)
    _open_energy_mix(page)
    page.get_by_label("Green energy").select_option("yes")
    sources = page.locator(".rows-widget").filter(has=page.locator("[name^='energy_mix_sources-']"))
    sources.get_by_role("button", name="Add a row").click()
    page.get_by_label("Source, Energy sources, row 1", exact=True).select_option("WIND")
    page.get_by_label("Percent, Energy sources, row 1", exact=True).fill("80")
    page.get_by_label("Source, Energy sources, row 2", exact=True).select_option("SOLAR")
    page.get_by_label("Percent, Energy sources, row 2", exact=True).fill("20")
    page.get_by_label("Category, Environmental impact, row 1", exact=True).select_option("CARBON_DIOXIDE")
    page.get_by_label("g/kWh, Environmental impact, row 1", exact=True).fill("12.5")
    page.get_by_label("Supplier").fill("Grön El AB")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()

    assert Tariff.objects.get(pk=tariff.pk).energy_mix == {
        "is_green_energy": True,
        "energy_sources": [{"source": "WIND", "percentage": 80}, {"source": "SOLAR", "percentage": 20}],
        "environ_impact": [{"category": "CARBON_DIOXIDE", "amount": 12.5}],
        "supplier_name": "Grön El AB",
    }
    # Shown again as rows, as saved.
    _open_energy_mix(page)
    expect(page.get_by_label("Source, Energy sources, row 2", exact=True)).to_have_value("SOLAR")
    expect(page.get_by_label("g/kWh, Environmental impact, row 1", exact=True)).to_have_value("12.5")

    # A row without its percentage: the domain's message, and the rows as typed.
    page.get_by_label("Percent, Energy sources, row 2", exact=True).fill("")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.get_by_text("energy_sources[1].percentage must be a number from 0 to 100")).to_be_visible()
    expect(page.get_by_label("Source, Energy sources, row 2", exact=True)).to_have_value("SOLAR")
    context.close()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1440, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        log_in(page, f"{live_server.url}{reverse('stations:dashboard')}", "admin")
        page.goto(url)
        _open_energy_mix(page)
        # Nothing is wider than the window but the tables that scroll inside their own box.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{width}px: the page is {overflow}px wider than the window"
        assert describe(axe_violations(page)) == []
        page.screenshot(path=str(SCREENSHOTS / f"tariff-{width}.png"), full_page=True)
        energy_mix = page.locator("fieldset").filter(has=page.get_by_label("Green energy"))
        energy_mix.screenshot(path=str(SCREENSHOTS / f"energy-mix-{width}.png"))
        context.close()
