"""Keyboard only: a member of staff signs in, filters the station list, opens a station, starts a simulated session
(a charger over OCPP) and stops it, with Tab, typing, the arrow keys and Enter alone (no clicks), in a real browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from playwright.sync_api import Page

from chargepoints.models import EVSE, ChargingSession
from chargepoints.sessions.enums import SessionStatus
from chargepoints.simulator import SimulationPlan, VisitOutcome, set_visit_player
from ocpp_gateway.simulated_charger import simulate_visit
from tests.conftest import SQLITE_SERIAL
from tests.factories import DEFAULT_PASSWORD, operations_user
from tests.ocpi_api.drivers import registered_partner, roaming_station, stored_token
from tests.ocpp_gateway.conftest import Gateway, gateway  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def tab_to(page: Page, selector: str, *, limit: int = 120) -> None:
    """Press Tab until the focused element matches ``selector``; fail when it cannot be reached by keyboard."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            visible = page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle !== 'none' "
                "|| s.boxShadow !== 'none'; }"
            )
            assert visible, f"{selector} has focus but no visible focus indicator"
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


@pytest.fixture
def simulated_charger(gateway: Gateway, settings: Any) -> Iterator[None]:  # noqa: F811  (the imported fixture)
    """The card's visit is played by a charger over OCPP, against the test gateway. On SQLite the page's request
    holds the test database's one connection (SQLITE_SERIAL) while it waits for the gateway, whose database thread
    needs it: the request lets go of it for the visit."""
    settings.PORTAL_BASE_URL = f"http://127.0.0.1:{gateway.port}"
    if connections["default"].vendor != "sqlite":
        yield
        return

    def visit_with_the_lock_released(evse: EVSE, plan: SimulationPlan) -> VisitOutcome:
        SQLITE_SERIAL.release()
        try:
            return simulate_visit(evse, plan)
        finally:
            SQLITE_SERIAL.acquire()

    previous = set_visit_player(visit_with_the_lock_released)
    yield
    set_visit_player(previous)


def test_staff_walk_with_the_keyboard_alone(simulated_charger, live_server, page):
    operations_user()
    partner, _ = registered_partner(country_code="NL", party_id="EMS")
    stored_token(partner, "04A1B2C3")
    roaming_station(name="Uppsala Resecentrum", city="Uppsala")
    roaming_station(name="Köln Schnellladepark", city="Köln")

    page.goto(f"{live_server.url}/stations/")
    tab_to(page, "input[name=username]")
    page.keyboard.type("ops")
    page.keyboard.press("Tab")
    page.keyboard.type(DEFAULT_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^[^?]*/stations/$"))

    tab_to(page, "input[name=q]")
    page.keyboard.type("Uppsala")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Uppsala"))
    assert page.locator("table.table-stations tbody tr").count() == 1

    tab_to(page, "table.table-stations tbody a")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/stations/\d+/$"))
    assert page.locator("h1").inner_text() == "Uppsala Resecentrum"

    tab_to(page, "#id_evse")
    page.keyboard.press("ArrowDown")  # the station's one EVSE
    tab_to(page, "#id_token_uid")
    page.keyboard.type("04A1B2C3")
    tab_to(page, "#id_outcome")
    page.keyboard.press("ArrowDown")  # "Driver is still charging"
    assert page.locator("#id_outcome").input_value() == "charging"
    tab_to(page, "form[action$='/simulate/'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".alert-success").count() == 1, page.locator("main").inner_text()[:600]
    session = ChargingSession.objects.get()
    assert session.status == SessionStatus.ACTIVE

    tab_to(page, f"a[href='/sessions/{session.pk}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/sessions/{session.pk}/$"))
    page.once("dialog", lambda dialog: dialog.accept())  # the browser's own confirm(), answered with Enter
    tab_to(page, "form[action$='remote-stop/'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    session.refresh_from_db()
    assert session.status == SessionStatus.COMPLETED
