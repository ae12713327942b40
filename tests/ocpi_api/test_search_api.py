"""The partner station search: OCPI token, envelope, paging, 400s that name the parameter, the shared selector."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest

from ocpi_api.models import Partner
from tariffs.services import PriceComponentInput, tariff_replace
from tests.chargepoints.search_fixtures import Charger, Plug, make_location
from tests.factories import make_partner
from tests.ocpi_api.conftest import auth

URL = "/ocpi/search/stations"
CCS_150 = Plug("IEC_62196_T2_COMBO", "CABLE", "DC", 150_000, tariff_ids=["DC"])
TYPE2_22 = Plug("IEC_62196_T2", "SOCKET", "AC_3_PHASE", 22_000)
CARD = ["CREDIT_CARD_PAYABLE"]


def search(client, token: str, **params):
    return client.get(URL, params, **auth(token))


@pytest.fixture
def token(partner: tuple[Partner, str]) -> str:
    return partner[1]


def test_needs_a_registered_partners_token(client, db):
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["status_code"] == 2000
    assert client.get(URL, **auth("not-a-token")).status_code == 401
    _, pending = make_partner(status=Partner.Status.PENDING, name="Half registered", party_id="HLF")
    assert client.get(URL, **auth(pending)).status_code == 401


def test_finds_by_need_and_answers_in_the_envelope_with_price_and_distance(client, token):
    components: list[PriceComponentInput] = [
        {"type": "ENERGY", "price": Decimal("4.00"), "step_size": 1, "vat": Decimal(25)}
    ]
    tariff_replace(
        data={"country_code": "SE", "party_id": "CPO", "id": "DC", "currency": "SEK",
              "elements": [{"price_components": components}]}
    )  # fmt: skip
    make_location("Near rapid", 59.3300, 18.0700, operator="Nordic Charge", facilities=["CAFE"],
                  chargers=[Charger(capabilities=CARD, plugs=[CCS_150]), Charger(status="CHARGING")])  # fmt: skip
    make_location("Far rapid", 59.4000, 18.0700, chargers=[Charger(capabilities=CARD, plugs=[CCS_150])])
    make_location("Near slow", 59.3310, 18.0700, chargers=[Charger(capabilities=CARD, plugs=[TYPE2_22])])
    make_location("Private rapid", 59.3305, 18.0700, roaming_enabled=False,
                  chargers=[Charger(capabilities=CARD, plugs=[CCS_150])])  # fmt: skip
    response = search(
        client,
        token,
        latitude="59.33",
        longitude="18.07",
        radius_km="20",
        connector_standard="IEC_62196_T2_COMBO",
        min_power_kw="50",
        capability="CREDIT_CARD_PAYABLE",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status_code"], body["status_message"]) == (1000, "Success")
    assert [s["name"] for s in body["data"]] == ["Near rapid", "Far rapid"]
    near = body["data"][0]
    assert near["distance_km"] == 0.0
    assert body["data"][1]["distance_km"] == pytest.approx(7.78, abs=0.01)
    assert (near["max_power_kw"], near["evse_count"], near["available_count"], near["is_open"]) == (150, 2, 1, True)
    assert near["operator"] == "Nordic Charge"
    assert near["coordinates"] == {"latitude": "59.330000", "longitude": "18.070000"}
    assert near["connectors"][0] == {"standard": "IEC_62196_T2_COMBO", "format": "CABLE", "power_type": "DC",
                                     "max_power_kw": 150.0, "count": 1, "available": 1}  # fmt: skip
    assert near["price_example"] == {"tariff_id": "DC", "currency": "SEK", "energy_kwh": "20",
                                     "connector": "CCS2 150 kW", "excl_vat": "80.00", "incl_vat": "100.00"}  # fmt: skip
    assert near["last_updated"].endswith("Z")
    assert response["X-Total-Count"] == "2"


def test_list_parameters_take_commas_or_repeats(client, token):
    make_location("CHAdeMO", chargers=[Charger(plugs=[Plug("CHADEMO", "CABLE", "DC", 50_000)])])
    make_location("CCS", chargers=[Charger(plugs=[CCS_150])])
    make_location("Type 2", chargers=[Charger(plugs=[TYPE2_22])])
    commas = search(client, token, connector_standard="CHADEMO,IEC_62196_T2_COMBO").json()["data"]
    repeats = client.get(f"{URL}?connector_standard=CHADEMO&connector_standard=IEC_62196_T2_COMBO", **auth(token))
    assert [s["name"] for s in commas] == ["CCS", "CHAdeMO"]
    assert [s["name"] for s in repeats.json()["data"]] == ["CCS", "CHAdeMO"]


def test_pages_with_offset_limit_and_a_link_to_the_next(client, token):
    for index in range(5):
        make_location(f"Station {index}")
    first = search(client, token, limit="2")
    assert [s["name"] for s in first.json()["data"]] == ["Station 0", "Station 1"]
    assert (first["X-Total-Count"], first["X-Limit"]) == ("5", "200")
    link = first["Link"]
    assert link.endswith('>; rel="next"')
    query = parse_qs(urlparse(link[1 : link.index(">")]).query)
    assert (query["offset"], query["limit"]) == (["2"], ["2"])
    last = search(client, token, limit="2", offset="4")
    assert [s["name"] for s in last.json()["data"]] == ["Station 4"]
    assert "Link" not in last
    assert search(client, token, offset="10").json()["data"] == []
    assert search(client, token, limit="5000")["X-Limit"] == "200"


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"latitude": "200", "longitude": "18"}, "latitude"),
        ({"latitude": "59", "longitude": "-181"}, "longitude"),
        ({"latitude": "north", "longitude": "18"}, "latitude"),
        ({"latitude": "59"}, "longitude"),
        ({"latitude": "59", "longitude": "18", "radius_km": "-5"}, "radius_km"),
        ({"latitude": "59", "longitude": "18", "radius_km": "5000"}, "radius_km"),
        ({"radius_km": "5"}, "radius_km"),
        ({"connector_standard": "CCS"}, "connector_standard"),
        ({"connector_standard": "CHADEMO,SCART"}, "connector_standard"),
        ({"power_type": "AC"}, "power_type"),
        ({"capability": "CASH"}, "capability"),
        ({"facility": "SPA"}, "facility"),
        ({"evse_status": "BROKEN"}, "evse_status"),
        ({"min_power_kw": "-1"}, "min_power_kw"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "60,17,59,18"}, "bbox"),
        ({"bbox": "59,17,60,18", "latitude": "59", "longitude": "18"}, "bbox"),
        ({"open_now": "maybe"}, "open_now"),
        ({"country": "SE"}, "country"),
        ({"limit": "0"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"q": ""}, "q"),
        ({"latitude": "", "longitude": "18"}, "latitude"),
    ],
)
def test_bad_parameters_get_a_400_naming_them(client, token, params, parameter):
    response = search(client, token, **params)
    assert response.status_code == 400
    body = response.json()
    assert body["status_code"] == 2001
    assert body["data"] is None
    assert f"{parameter}:" in body["status_message"] or f"'{parameter}'" in body["status_message"]


def test_open_and_available_now_and_text(client, token):
    make_location("Always", chargers=[Charger(status="CHARGING")])
    make_location("Never open", twentyfourseven=False, hours=[], closings=[])
    make_location("Kungsgatan free", address="Kungsgatan 5", chargers=[Charger(status="AVAILABLE")])
    names = [s["name"] for s in search(client, token, open_now="true", available_now="true").json()["data"]]
    assert names == ["Kungsgatan free"]
    assert [s["name"] for s in search(client, token, q="kungsgatan").json()["data"]] == ["Kungsgatan free"]
    assert [s["name"] for s in search(client, token, open_now="true").json()["data"]] == ["Always", "Kungsgatan free"]


def test_the_endpoint_is_documented_in_the_openapi_schema(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/ocpi/search/stations"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"latitude", "longitude", "radius_km", "connector_standard", "capability", "open_now", "limit"} <= names
    assert operation["security"] == [{"ocpiToken": []}]
    assert "400" in operation["responses"]
