"""Locations module, Sender interface: contract of what we serve, spec examples round trip, lookups, visibility."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from chargepoints.models import Location
from chargepoints.services import location_set_roaming, location_upsert
from ocpi_api.modules.locations.serializers import location_input_from_ocpi
from tests.factories import connector_data, evse_data, make_location

from . import contract
from .conftest import auth

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "ocpi_api" / "spec_examples" / "2.2.1"
LOCATION_EXAMPLES = sorted(p.name for p in EXAMPLES.glob("location_example*.json"))
URL = "/ocpi/cpo/2.2.1/locations"


def example(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return document


def import_ocpi(document: dict[str, Any]) -> Location:
    return location_upsert(data=location_input_from_ocpi(document)).location


def without_last_updated(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_last_updated(v) for k, v in value.items() if k != "last_updated"}
    if isinstance(value, list):
        return [without_last_updated(v) for v in value]
    return value


def full_location() -> dict[str, Any]:
    """A Location with every optional field the spec defines filled in, at its maximum length where it matters."""
    document = example("location_example_parking_garage_opening_hours.json")
    document.update(example("location_energymix_example_complete.json"))
    document.update(
        {
            "id": "FULL-" + "X" * 31,
            "name": "N" * 255,
            "address": "A" * 255,
            "state": "S" * 45,
            "related_locations": [
                {"latitude": "51.0475", "longitude": "3.7299", "name": {"language": "en", "text": "Entrance"}}
            ],
            "directions": [{"language": "en", "text": "Second floor"}],
            "suboperator": {"name": "Sub", "website": "https://sub.example"},
            "owner": {
                "name": "Owner",
                "logo": {
                    "url": "https://o.example/l.png",
                    "category": "OWNER",
                    "type": "png",
                    "width": 512,
                    "height": 512,
                },
            },
            "facilities": ["WIFI", "CAFE"],
            "charging_when_closed": False,
            "images": [
                {
                    "url": "https://o.example/p.jpg",
                    "thumbnail": "https://o.example/t.jpg",
                    "category": "LOCATION",
                    "type": "jpeg",
                }
            ],
        }
    )
    document["related_locations"][0].update(latitude="51.047500", longitude="3.729900")
    evse = document["evses"][0]
    evse.update(
        {
            "uid": "U" * 36,
            "evse_id": "E" * 48,
            "status_schedule": [{"period_begin": "2030-01-01T00:00:00Z", "status": "PLANNED"}],
            "capabilities": ["RFID_READER", "CHARGING_PREFERENCES_CAPABLE"],
            "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
            "physical_reference": "P" * 16,
            "floor_level": "-1",
            "directions": [{"language": "nl", "text": "Links"}],
            "parking_restrictions": ["EV_ONLY"],
            "images": [{"url": "https://o.example/c.jpg", "category": "CHARGER", "type": "jpeg"}],
        }
    )
    evse["connectors"][0].update(
        {"max_electric_power": 11000, "terms_and_conditions": "https://o.example/terms", "tariff_ids": ["T1", "T2"]}
    )
    return document


def get(client, partner_token: str, path: str = "", **params: Any):
    return client.get(URL + path, params, **auth(partner_token))


# --- Contract ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LOCATION_EXAMPLES)
def test_spec_examples_round_trip_through_get(client, partner, name) -> None:
    _, token = partner
    document = example(name)
    import_ocpi(document)
    served = get(client, token, f"/{document['id']}").json()["data"]
    assert without_last_updated(served) == without_last_updated(document)
    assert contract.validate(served, contract.LOCATION) == []


def test_everything_we_serve_validates_against_the_2_2_1_definitions(client, partner) -> None:
    _, token = partner
    for name in LOCATION_EXAMPLES:
        import_ocpi(example(name))
    import_ocpi(full_location())
    make_location(
        evses=[
            evse_data(
                connectors=[
                    connector_data(),
                    connector_data(
                        connector_id="2",
                        standard="CHADEMO",
                        format="CABLE",
                        power_type="DC",
                        max_voltage=500,
                        max_amperage=125,
                    ),
                ]
            )
        ]
    )
    make_location(name="", postal_code="", evses=[])

    served = get(client, token, limit=100).json()["data"]
    distinct_examples = {example(name)["id"] for name in LOCATION_EXAMPLES}  # uc2 and uc3 share an id
    assert len(served) == len(distinct_examples) + 3
    for location in served:
        assert contract.validate(location, contract.LOCATION) == [], location["id"]
        for evse in location.get("evses", []):
            evse_doc = get(client, token, f"/{location['id']}/{evse['uid']}").json()["data"]
            assert evse_doc == evse
            assert contract.validate(evse_doc, contract.EVSE) == []
            for connector in evse["connectors"]:
                connector_doc = get(client, token, f"/{location['id']}/{evse['uid']}/{connector['id']}").json()["data"]
                assert connector_doc == connector
                assert contract.validate(connector_doc, contract.CONNECTOR) == []
    full = next(location for location in served if location["id"].startswith("FULL-"))
    assert without_last_updated(full) == without_last_updated(full_location())


def test_the_validator_catches_what_it_should() -> None:
    document = example("location_example.json")
    assert contract.validate(document, contract.LOCATION) == []
    broken = copy.deepcopy(document)
    broken["name"] = None
    broken["publish"] = "true"
    broken["party_id"] = "BECX"
    broken["evses"][0]["status"] = "FREE"
    broken["evses"][0]["connectors"][0]["max_voltage"] = "220"
    broken["evses"][1]["connectors"] = []
    del broken["city"]
    broken["last_updated"] = "2015-06-29T20:39:09+00:00"
    broken["colour"] = "red"
    problems = "\n".join(contract.validate(broken, contract.LOCATION))
    for field in (
        "name",
        "publish",
        "party_id",
        "evses[0].status",
        "evses[0].connectors[0].max_voltage",
        "evses[1].connectors",
        "city",
        "last_updated",
        "colour",
    ):
        assert f"{field}:" in problems, field


def test_optional_fields_are_omitted_and_times_are_utc_z(client, partner) -> None:
    _, token = partner
    location = make_location(name="", postal_code="", evses=[evse_data(evse_id="")])
    served = get(client, token, f"/{location.ocpi_id}").json()["data"]
    assert "name" not in served
    assert "postal_code" not in served
    assert "evse_id" not in served["evses"][0]
    assert "null" not in json.dumps(served)
    assert served["last_updated"].endswith("Z")


# --- Visibility ----------------------------------------------------------------------------------------------------


def test_unpublished_locations_are_served_as_stored_and_private_ones_never(client, partner) -> None:
    _, token = partner
    unpublished = import_ocpi(example("location_example_uc4_limited_visibility.json"))
    private = make_location()
    location_set_roaming(location=private, enabled=False)
    listed = get(client, token).json()
    assert [loc["id"] for loc in listed["data"]] == [unpublished.ocpi_id]
    assert listed["data"][0]["publish"] is False
    assert listed["data"][0]["publish_allowed_to"]
    for path in (f"/{private.ocpi_id}", f"/{private.ocpi_id}/{private.evses.get().uid}"):
        response = get(client, token, path)
        assert response.status_code == 404
        assert response.json()["status_code"] == 2003


# --- Lookups and errors --------------------------------------------------------------------------------------------


def test_single_objects_and_unknown_ones(client, partner) -> None:
    _, token = partner
    location = import_ocpi(example("location_example.json"))
    assert get(client, token, "/LOC1").json()["data"]["id"] == location.ocpi_id
    assert get(client, token, "/LOC1/3257").json()["data"]["status"] == "RESERVED"
    assert get(client, token, "/LOC1/3256/2").json()["data"]["tariff_ids"] == ["13"]
    assert get(client, token, "/LOC1/3256/2/").status_code == 200
    for path, field in (("/NOPE", "location"), ("/LOC1/NOPE", "EVSE"), ("/LOC1/3256/9", "connector")):
        response = get(client, token, path)
        assert response.status_code == 404
        body = response.json()
        assert body["status_code"] == 2003
        assert field in body["status_message"]
        assert body["data"] is None
    too_long = get(client, token, "/" + "x" * 37)
    assert too_long.status_code == 400
    assert "location_id" in too_long.json()["status_message"]


def test_functional_module_answers_with_routing_headers(client, partner) -> None:
    _, token = partner
    plain = get(client, token)
    assert plain["OCPI-from-country-code"] == "SE"
    assert plain["OCPI-from-party-id"] == "CPO"
    assert plain["OCPI-to-country-code"] == "NL"
    assert plain["OCPI-to-party-id"] == "EMS"
    routed = client.get(
        URL,
        HTTP_OCPI_FROM_COUNTRY_CODE="DE",
        HTTP_OCPI_FROM_PARTY_ID="ABC",
        HTTP_OCPI_TO_COUNTRY_CODE="SE",
        HTTP_OCPI_TO_PARTY_ID="CPO",
        **auth(token),
    )
    assert routed["OCPI-to-country-code"] == "DE"
    assert routed["OCPI-to-party-id"] == "ABC"
    assert routed["OCPI-from-party-id"] == "CPO"


def test_a_page_costs_a_fixed_number_of_queries(client, partner, django_assert_max_num_queries) -> None:
    _, token = partner
    for _ in range(3):
        make_location(evses=[evse_data(), evse_data()])
    get(client, token)  # the first request of a partner also records when we last saw it
    with django_assert_max_num_queries(12) as few:
        get(client, token, limit=1)
    for _ in range(5):
        make_location(evses=[evse_data(), evse_data(), evse_data()])
    with django_assert_max_num_queries(12) as many:
        get(client, token, limit=8)
    assert len(many.captured_queries) == len(few.captured_queries)
