"""The public map page and its JSON feed: no login, the shared search, only public stations."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chargepoints import map_data
from chargepoints.map_views import LIST_LIMIT
from tests.chargepoints.search_fixtures import Charger, Plug, make_location
from tests.factories import operations_user
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


def test_the_json_draws_the_area_asked_for_as_markers_with_their_state(client):
    make_location("Stockholm", 59.3293, 18.0686)
    make_location("Uppsala busy", 59.8586, 17.6389, chargers=[Charger(status="CHARGING")])
    make_location("Malmö", 55.6050, 13.0038)
    data = client.get(reverse("map:stations_json"), {"bbox": "59,17,60.5,19", "zoom": "8"}).json()
    area = data["area"]
    assert area["total"] == 2
    assert area["clusters"] == []
    assert sorted((name, state) for _id, _lat, _lon, name, state in area["markers"]) == [
        ("Stockholm", "free"),
        ("Uppsala busy", "busy"),
    ]
    assert [s["name"] for s in data["stations"]] == ["Stockholm", "Uppsala busy"]  # the list: the same area


def test_above_the_marker_limit_the_database_counts_clusters(client, monkeypatch):
    monkeypatch.setattr(map_data, "MARKER_LIMIT", 3)
    for n in range(4):
        make_location(f"Stockholm {n}", 59.30 + n * 0.01, 18.05)
    make_location("Malmö", 55.6050, 13.0038)
    area = client.get(reverse("map:stations_json"), {"zoom": "5"}).json()["area"]
    assert area["total"] == 5
    assert area["markers"] == []
    clusters = sorted(area["clusters"], key=lambda c: c["count"])
    assert [c["count"] for c in clusters] == [1, 4]
    assert clusters[1]["bounds"] == [59.30, 18.05, 59.33, 18.05]
    assert clusters[1]["lat"] == pytest.approx(59.315)


def test_an_area_costs_the_same_queries_for_3_or_30_stations(client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("map:stations_json"), {"bbox": "50,5,70,25", "zoom": "6"})
        return len(captured)

    for n in range(3):
        make_location(f"First {n}", 59 + n * 0.1, 18)
    few = queries()
    for n in range(27):
        make_location(f"More {n}", 58 + n * 0.05, 16)
    assert queries() == few


def test_the_page_fits_the_matching_stations_and_lists_only_the_first_ones(client):
    for n in range(LIST_LIMIT + 5):
        make_location(f"Station {n:02}", 59 + n * 0.01, 18 - n * 0.01)
    make_location("Private far away", 40, 0, roaming_enabled=False)
    make_location("Lonely", 61, 15)
    response = client.get("/map/")
    assert len(response.context["results"]) == LIST_LIMIT
    assert response.context["total"] == LIST_LIMIT + 6
    assert json.loads(response.context["extent"]) == [59.0, 15.0, 61.0, 18.0]
    extent = client.get(reverse("map:stations_json"), {"extent": "1", "q": "lonely"}).json()
    assert extent == {"extent": [61.0, 15.0, 61.0, 15.0]}
    assert client.get(reverse("map:stations_json"), {"extent": "1", "q": "nowhere"}).json() == {"extent": None}


def test_the_staff_map_needs_staff_and_shows_every_station_by_its_worst_status(client):
    assert client.get(reverse("stations:map_json")).status_code == 403
    assert client.get(reverse("stations:map")).status_code == 302  # to the login page
    client.force_login(operations_user())
    make_location("Fine", 59.1, 18.0)
    make_location("Broken", 59.2, 18.0, chargers=[Charger(status="AVAILABLE"), Charger(status="OUTOFORDER")])
    make_location("Busy depot", 59.3, 18.0, roaming_enabled=False, chargers=[Charger(status="CHARGING")])
    make_location("Silent", 59.4, 18.0, publish=False, chargers=[Charger(status="UNKNOWN")])
    assert client.get(reverse("stations:map")).status_code == 200
    data = client.get(reverse("stations:map_json"), {"bbox": "59,17,60,19", "zoom": "9"}).json()
    states = {name: state for _id, _lat, _lon, name, state in data["area"]["markers"]}
    assert states == {"Fine": "available", "Broken": "fault", "Busy depot": "charging", "Silent": "unknown"}
    broken = next(s for s in data["stations"] if s["name"] == "Broken")
    assert broken["statuses"] == {"AVAILABLE": 1, "OUTOFORDER": 1}
    assert broken["url"] == reverse("stations:detail", args=[broken["id"]])
    faulted = client.get(reverse("stations:map_json"), {"status": "OUTOFORDER"}).json()
    assert [s["name"] for s in faulted["stations"]] == ["Broken"]


def test_one_stations_details_for_a_markers_popup_only_if_public(client):
    public = make_location("Rapid", chargers=[Charger(plugs=[CCS_150]), Charger(status="CHARGING")])
    private = make_location("Depot", roaming_enabled=False)
    url = reverse("map:stations_json")
    [station] = client.get(url, {"station": public.pk}).json()["stations"]
    assert (station["name"], station["evse_count"], station["available_count"]) == ("Rapid", 2, 1)
    assert client.get(url, {"station": private.pk}).json() == {"stations": []}
    client.force_login(operations_user())
    [staff] = client.get(reverse("stations:map_json"), {"station": private.pk}).json()["stations"]
    assert staff["url"] == reverse("stations:detail", args=[private.pk])
