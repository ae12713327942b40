"""In a real browser: the Chargers page and one charger's page, at desktop and phone widths, with a command sent."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from ocpp_gateway.models import Charger, ConnectionAttempt
from tests.browser import log_in
from tests.factories import operations_user
from tests.ocpi_api.drivers import roaming_station

from .conftest import ChargerThread, registered

pytestmark = [pytest.mark.e2e]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_chargers_pages_in_a_browser(gateway, live_server, page):
    evse = roaming_station()
    charger, password = registered([evse.uid])
    ConnectionAttempt.objects.create(charge_point_id="CP-STRANGER", reason="Unknown charge point id", attempts=3)
    silent, _ = registered([roaming_station().uid], "CP-SILENT")
    quiet_since = timezone.now() - timedelta(minutes=12)
    Charger.objects.filter(pk=silent.pk).update(
        connected_since=quiet_since, last_seen_at=quiet_since, silent_since=timezone.now()
    )
    operations_user()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with ChargerThread(gateway, "CP-1", password) as cp:
        gateway.settle()
        page.set_viewport_size({"width": 1440, "height": 900})
        log_in(page, f"{live_server.url}/chargers/", "ops")
        assert "connected" in page.locator("table").first.inner_text()
        assert "CP-STRANGER" in page.inner_text("body")
        assert "silent" in page.locator("tr", has_text="CP-SILENT").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "chargers_1440.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(SCREENSHOTS / "chargers_390.png"), full_page=True)

        page.set_viewport_size({"width": 1440, "height": 900})
        page.goto(f"{live_server.url}/chargers/{charger.pk}/")
        page.select_option("#id_Reset-type", "Hard")
        page.click("text=Send Reset")
        page.wait_for_selector("text=Reset: Accepted")
        assert cp.answers.received == [("Reset", {"type": "Hard"})]
        gateway.settle()
        page.reload()
        page.screenshot(path=str(SCREENSHOTS / "charger_detail_1440.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(SCREENSHOTS / "charger_detail_390.png"), full_page=True)
