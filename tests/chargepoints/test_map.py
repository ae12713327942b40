"""The public map page and its JSON feed: no login, the shared search, only public stations."""

import pytest
from django.urls import reverse

from tests.chargepoints.search_fixtures import Charger, Plug, make_location
from tests.html_assets import foreign_assets

pytestmark = pytest.mark.django_db

CCS_150 = Plug("IEC_62196_T2_COMBO", "CABLE", "DC", 150_000)
TYPE2_22 = Plug("IEC_62196_T2", "SOCKET", "AC_3_PHASE", 22_000)


def test_the_page_needs_no_login_and_loads_leaflet_from_our_static_files(client):
    make_location("Centralen")
    response = client.get("/map/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "/static/vendor/leaflet/leaflet.css" in html
    assert "unpkg" not in html
    assert foreign_assets(html) == []
    assert "Centralen" in html  # the list is rendered on the server too, for browsers without scripts


def test_without_a_tile_server_the_page_says_so_and_still_lists(client, settings):
    settings.MAP_TILE_URL = ""
    make_location("Centralen")
    html = client.get("/map/").content.decode()
    assert 'data-tile-url=""' in html
    assert "no-tiles" in html
    assert "no map tiles configured" in html
    settings.MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    html = client.get("/map/").content.decode()
    assert 'data-tile-url="https://tiles.example/{z}/{x}/{y}.png"' in html
    assert "no-tiles" not in html


def test_the_page_filters_on_the_server_too(client):
    make_location("Rapid", chargers=[Charger(plugs=[CCS_150])])
    make_location("Slow", chargers=[Charger(plugs=[TYPE2_22])])
    html = client.get("/map/", {"connector": "ccs", "min_kw": "50"}).content.decode()
    assert "Rapid" in html
    assert "Slow" not in html


def test_json_uses_the_same_search_and_shows_only_public_stations(client):
    card = ["CREDIT_CARD_PAYABLE"]
    make_location("Rapid card", chargers=[Charger(capabilities=card, plugs=[CCS_150]), Charger(status="CHARGING")])
    make_location("Rapid no card", chargers=[Charger(plugs=[CCS_150])])
    make_location("Slow card", chargers=[Charger(capabilities=card, plugs=[TYPE2_22])])
    make_location("Private rapid", roaming_enabled=False, chargers=[Charger(capabilities=card, plugs=[CCS_150])])
    make_location("Hidden rapid", publish=False, chargers=[Charger(capabilities=card, plugs=[CCS_150])])
    url = reverse("map:stations_json")
    everything = client.get(url).json()
    assert [s["name"] for s in everything["stations"]] == ["Rapid card", "Rapid no card", "Slow card"]
    found = client.get(url, {"connector": "ccs", "min_kw": "50", "payment": "CREDIT_CARD_PAYABLE"}).json()
    [station] = found["stations"]
    assert station["name"] == "Rapid card"
    assert (station["evse_count"], station["available_count"], station["max_power_kw"]) == (2, 1, 150.0)
    assert station["connectors"][0] == {"label": "CCS2", "power_type": "DC", "max_power_kw": 150.0, "count": 1,
                                        "available": 1}  # fmt: skip
    assert station["is_open"] is True
    assert station["price_example"] is None


def test_json_near_a_point_sorts_by_distance(client):
    make_location("Two km", 59.3473, 18.0686)
    make_location("Here", 59.3293, 18.0686)
    make_location("Far", 60.0, 18.0686)
    data = client.get(reverse("map:stations_json"), {"lat": "59.3293", "lon": "18.0686", "radius_km": "10"}).json()
    assert [(s["name"], s["distance_km"]) for s in data["stations"]] == [("Here", 0.0), ("Two km", 2.0)]


def test_json_in_a_bounding_box(client):
    make_location("Stockholm", 59.3293, 18.0686)
    make_location("Uppsala", 59.8586, 17.6389)
    data = client.get(reverse("map:stations_json"), {"bbox": "59.7,17.0,60.0,18.0"}).json()
    assert [s["name"] for s in data["stations"]] == ["Uppsala"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "north"}, "bbox"),
        ({"bbox": "60,17,59,18"}, "bbox"),
        ({"lat": "200", "lon": "18"}, "lat"),
        ({"lat": "59", "lon": "18", "radius_km": "-3"}, "radius_km"),
        ({"connector": "scart"}, "connector"),
        ({"min_kw": "7"}, "min_kw"),
    ],
)
def test_json_rejects_bad_parameters_naming_them(client, params, field):
    response = client.get(reverse("map:stations_json"), params)
    assert response.status_code == 400
    assert field in response.json()["errors"]
