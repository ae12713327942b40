"""The public map in a real browser: a driver looks for "CCS, ≥ 50 kW, card payment" and sees the right stations."""

import pytest
from playwright.sync_api import Page, expect

from tests.chargepoints.search_fixtures import Charger, Plug, make_location

CCS_150 = Plug("IEC_62196_T2_COMBO", "CABLE", "DC", 150_000)
CCS_50 = Plug("IEC_62196_T2_COMBO", "CABLE", "DC", 50_000)
CCS_24 = Plug("IEC_62196_T2_COMBO", "CABLE", "DC", 24_000)
CHADEMO_50 = Plug("CHADEMO", "CABLE", "DC", 50_000)
TYPE2_22 = Plug("IEC_62196_T2", "SOCKET", "AC_3_PHASE", 22_000)
CARD = ["CREDIT_CARD_PAYABLE", "CONTACTLESS_CARD_SUPPORT"]


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


@pytest.mark.e2e
def test_driver_finds_fast_ccs_with_card_payment(page: Page, live_server, stations):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/map/")
    names = page.locator("#station-list .station-name")
    expect(names).to_have_text(["Arlanda rapid", "Kista hub", "Odenplan AC", "Slussen compact", "Solna app only"])
    expect(page.locator(".leaflet-interactive")).to_have_count(5)  # one marker per station, drawn without tiles

    page.get_by_label("CCS", exact=True).check()
    page.get_by_label("Power").select_option("50")
    page.get_by_label("Credit card").check()

    expect(names).to_have_text(["Arlanda rapid", "Kista hub"])
    expect(page.locator("#result-count")).to_have_text("2 stations")
    expect(page.locator(".leaflet-interactive")).to_have_count(2)
    assert "connector=ccs" in page.url
    assert "min_kw=50" in page.url

    page.locator("#station-list .station", has_text="Kista hub").click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("1 of 2 free")
    assert errors == []
