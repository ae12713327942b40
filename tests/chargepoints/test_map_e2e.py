"""The station maps in a real browser: a driver looks for "CCS, ≥ 50 kW, card payment" and sees the right stations;
stations cluster; the map fetches by bounding box as it moves; the Natural Earth basemap draws with the network
beyond this site blocked; a phone gets a short page with the list folded; staff see status colours and links."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from chargepoints import map_data
from chargepoints.map_views import LIST_LIMIT
from tests.a11y import axe_violations, describe
from tests.browser import log_in
from tests.chargepoints.search_fixtures import Charger, Plug, make_location
from tests.factories import operations_user

CCS_150 = Plug("IEC_62196_T2_COMBO", "CABLE", "DC", 150_000)
CCS_50 = Plug("IEC_62196_T2_COMBO", "CABLE", "DC", 50_000)
CCS_24 = Plug("IEC_62196_T2_COMBO", "CABLE", "DC", 24_000)
CHADEMO_50 = Plug("CHADEMO", "CABLE", "DC", 50_000)
TYPE2_22 = Plug("IEC_62196_T2", "SOCKET", "AC_3_PHASE", 22_000)
CARD = ["CREDIT_CARD_PAYABLE", "CONTACTLESS_CARD_SUPPORT"]
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "var/screenshots"))
LAND_FILL = (247, 245, 239)  # map.js's land colour, drawn on the basemap canvas


@pytest.fixture(autouse=True)
def map_quiet_at_the_end(request: pytest.FixtureRequest):
    """After each test, wait until the page has no request in flight: a zoom's last stations.json request still being
    answered by the live server when the test database was flushed deadlocked the flush once, and the next test then
    saw the stations twice. (Playwright's "networkidle" load state would not do: it is reached once, at load.)"""
    if "page" not in request.fixturenames:
        yield
        return
    page: Page = request.getfixturevalue("page")  # set up first, so torn down after this
    in_flight: set[object] = set()
    page.on("request", lambda r: in_flight.add(r))
    page.on("requestfinished", lambda r: in_flight.discard(r))
    page.on("requestfailed", lambda r: in_flight.discard(r))
    yield
    for _ in range(50):
        if not in_flight:
            break
        page.wait_for_timeout(100)


@pytest.fixture
def stations(transactional_db):
    make_location("Arlanda rapid", 59.6498, 17.9238, chargers=[Charger(capabilities=CARD, plugs=[CCS_150, CHADEMO_50])])
    make_location("Kista hub", 59.4033, 17.9442, chargers=[Charger(capabilities=CARD, plugs=[CCS_50]),
                                                           Charger(status="CHARGING", plugs=[TYPE2_22])])  # fmt: skip
    make_location("Solna app only", 59.3600, 18.0000, chargers=[Charger(capabilities=["RFID_READER"], plugs=[CCS_150])])
    make_location("Slussen compact", 59.3195, 18.0720, chargers=[Charger(capabilities=CARD, plugs=[CCS_24])])
    make_location("Odenplan AC", 59.3430, 18.0490, chargers=[Charger(capabilities=CARD, plugs=[TYPE2_22])])
    make_location("Depot private", 59.3000, 18.1000, roaming_enabled=False, chargers=[Charger(capabilities=CARD,
                  plugs=[CCS_150])])  # fmt: skip


@pytest.fixture
def network(transactional_db):
    """Sixty stations around Stockholm and Gothenburg, some in use, one faulted."""
    for n in range(30):
        make_location(f"Stockholm {n:02}", 59.25 + (n % 6) * 0.03, 17.9 + (n // 6) * 0.05)
        status = "OUTOFORDER" if n == 0 else "CHARGING" if n % 3 == 0 else "AVAILABLE"
        make_location(f"Göteborg {n:02}", 57.65 + (n % 6) * 0.02, 11.9 + (n // 6) * 0.03, chargers=[Charger(status)])


def _block_the_internet(page: Page) -> list[str]:
    """Abort every request that leaves 127.0.0.1; returns the list of those tried."""
    tried: list[str] = []

    def route(route: Route) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            tried.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return tried


def _stations_shown(page: Page) -> int:
    """Stations on the map: single markers plus the counts of the clusters."""
    return int(
        page.evaluate(
            """() => document.querySelectorAll('path.leaflet-interactive').length +
                 [...document.querySelectorAll('.map-cluster .visually-hidden')]
                   .reduce((n, label) => n + parseInt(label.textContent, 10), 0)"""
        )
    )


def _ready(page: Page) -> None:
    page.wait_for_selector("#map-shell[data-ready='1']")


@pytest.mark.e2e
def test_driver_finds_fast_ccs_with_card_payment(page: Page, live_server, stations):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/map/")
    _ready(page)
    names = page.locator("#station-list .station-name")
    expect(names).to_have_text(["Arlanda rapid", "Kista hub", "Odenplan AC", "Slussen compact", "Solna app only"])
    assert _stations_shown(page) == 5

    page.get_by_label("CCS", exact=True).check()
    page.get_by_label("Power").select_option("50")
    page.get_by_label("Credit card").check()

    expect(names).to_have_text(["Arlanda rapid", "Kista hub"])
    expect(page.locator("#result-count")).to_have_text("2 stations")
    page.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length === 2")
    assert "connector=ccs" in page.url
    assert "min_kw=50" in page.url

    page.locator("#station-list .station", has_text="Kista hub").click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("1 of 2 free")
    assert errors == []


@pytest.mark.e2e
def test_the_first_view_fits_our_stations_which_cluster_and_the_map_fetches_by_bounding_box(
    page: Page, live_server, network
):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url) if "stations.json" in request.url else None)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/map/")
    _ready(page)
    assert len(requests) == 1  # the page and one area: no second fetch of the same stations
    first = parse_qs(urlsplit(requests[0]).query)
    south, west, north, east = (float(v) for v in first["bbox"][0].split(","))
    assert south < 57.65  # both cities in the first view
    assert west < 11.9
    assert north > 59.4
    assert east > 18.1
    expect(page.locator(".map-cluster").first).to_be_visible()  # sixty stations at this zoom: clusters
    assert _stations_shown(page) == 60

    # A small pan stays inside the area fetched (the view padded): no request.
    page.mouse.move(900, 450)
    page.mouse.down()
    page.mouse.move(880, 440, steps=4)
    page.mouse.up()
    page.wait_for_timeout(400)
    assert len(requests) == 1
    # Zooming into Gothenburg leaves it: the map asks for the new, smaller area.
    with page.expect_request(lambda request: "stations.json" in request.url and "bbox=" in request.url) as asked:
        page.locator("#station-list .station", has_text="Göteborg 00").click()
    bbox = parse_qs(urlsplit(asked.value.url).query)["bbox"][0]
    _south, _west, north, east = (float(v) for v in bbox.split(","))
    assert north < 59, bbox  # Gothenburg only
    assert east < 15, bbox
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Göteborg 00")


@pytest.mark.e2e
def test_above_the_marker_limit_the_database_clusters(page: Page, live_server, network, monkeypatch):
    monkeypatch.setattr(map_data, "MARKER_LIMIT", 35)  # the live server runs in this process; a city has 30
    page.goto(f"{live_server.url}/map/")
    _ready(page)
    assert page.locator("path.leaflet-interactive").count() == 0
    assert _stations_shown(page) == 60
    with page.expect_request(lambda request: "stations.json" in request.url):
        page.locator(".map-cluster").first.click()  # zooms to the cluster: a new area at a new zoom
    page.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length > 0")


@pytest.mark.e2e
def test_the_basemap_is_drawn_with_the_network_blocked(page: Page, live_server, stations):
    tried = _block_the_internet(page)
    page.goto(f"{live_server.url}/map/")
    _ready(page)
    expect(page.locator("#map-shell")).to_have_attribute("data-basemap", "drawn")
    land = page.evaluate(
        """([r, g, b]) => {
             const canvas = document.querySelector('.leaflet-basemap-pane canvas');
             const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
             let land = 0;
             for (let i = 0; i < data.length; i += 4) {
               if (data[i] === r && data[i + 1] === g && data[i + 2] === b) land++;
             }
             return land / (data.length / 4);
           }""",
        list(LAND_FILL),
    )
    assert 0.2 < land < 0.95, land  # Stockholm: land with water around it, both on the canvas
    assert tried == []  # nothing asked for beyond this site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / "map_1440.png"))


@pytest.mark.e2e
def test_a_phone_gets_the_map_and_a_folded_list(page: Page, live_server, network):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/map/")
    _ready(page)
    toggle = page.get_by_role("button", name="Show list")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#station-list")).to_be_hidden()
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 2000, height
    toggle.click()
    expect(page.locator("#station-list .station")).to_have_count(LIST_LIMIT)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 6000, height  # twenty stations, not the whole network
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "map_390.png"), full_page=True)
    assert describe(axe_violations(page)) == []


@pytest.mark.e2e
def test_staff_see_their_stations_by_status_and_open_a_station_page(page: Page, live_server, network):
    operations_user()
    make_location("Private depot", 59.5, 18.3, roaming_enabled=False, chargers=[Charger("OUTOFORDER")])
    tried = _block_the_internet(page)
    log_in(page, f"{live_server.url}/stations/map/", "ops")
    _ready(page)
    assert _stations_shown(page) == 61  # private stations too
    page.get_by_label("EVSE status").select_option("OUTOFORDER")
    page.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length === 2")
    faulted = page.locator("#station-list .station")
    expect(faulted).to_have_count(2)
    expect(faulted.first.locator(".station-dot")).to_have_class("station-dot fault")
    colours = page.evaluate(
        "() => [...document.querySelectorAll('path.leaflet-interactive')].map((p) => p.getAttribute('fill'))"
    )
    assert colours == ["#dc2626", "#dc2626"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "staff_map_1440.png"))
    assert describe(axe_violations(page)) == []
    page.locator("#station-list .station", has_text="Private depot").click()
    page.locator(".leaflet-popup-content").get_by_role("link", name="Open station page").click()
    expect(page.locator("h1")).to_contain_text("Private depot")
    assert tried == []
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/stations/map/")
    _ready(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "staff_map_390.png"), full_page=True)


@pytest.mark.e2e
def test_a_marker_beyond_the_list_shows_its_details_in_its_popup(page: Page, live_server, transactional_db):
    for n in range(LIST_LIMIT + 5):
        make_location(f"Station {n:02}", 57 + (n // 5) * 0.5, 13 + (n % 5) * 0.8)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/map/")
    _ready(page)
    expect(page.locator("#station-list .station")).to_have_count(LIST_LIMIT)
    expect(page.locator("#station-list")).not_to_contain_text("Station 24")
    with page.expect_request(lambda request: "station=" in request.url):
        page.locator("path[aria-label^='Station 24']").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Type 2 11 kW")
    expect(popup).to_contain_text("1 of 1 free")
