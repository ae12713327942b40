"""The OCPI Location codec against the specification's own examples, field by field, and its strictness on input.

The example files are read, never written (CC BY-ND): variations are built from copies in memory.
"""

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from chargepoints.models import Location
from chargepoints.selectors import location_list_for_sync
from chargepoints.services import location_upsert
from ocpi_api.modules.locations.serializers import (
    connector_input_from_ocpi,
    evse_input_from_ocpi,
    location_input_from_ocpi,
    location_to_ocpi,
    locations_to_ocpi,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "ocpi_api" / "spec_examples" / "2.2.1"
LOCATION_EXAMPLES = sorted(p.name for p in EXAMPLES.glob("location_example*.json"))
HOURS_EXAMPLES = ["location_regularhours_example.json", *sorted(p.name for p in EXAMPLES.glob("location_hours_*.json"))]
ENERGY_MIX_EXAMPLES = sorted(p.name for p in EXAMPLES.glob("location_energymix_example_*.json"))
UTC_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")

pytestmark = pytest.mark.django_db


def example(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return document


def without_last_updated(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: without_last_updated(item) for key, item in value.items() if key != "last_updated"}
    if isinstance(value, list):
        return [without_last_updated(item) for item in value]
    return value


def store_and_serve(document: dict[str, Any]) -> dict[str, Any]:
    location = location_upsert(data=location_input_from_ocpi(document)).location
    return location_to_ocpi(location_list_for_sync().get(pk=location.pk))


def assert_well_formed(value: Any, path: str = "") -> None:
    """Never null, no empty optional values, every DateTime in UTC with a Z."""
    assert value is not None, path
    if isinstance(value, dict):
        for key, item in value.items():
            assert item not in ("", [], {}), f"{path}.{key}"
            is_time_of_day = "regular_hours" in path
            if key == "last_updated" or (key in ("period_begin", "period_end") and not is_time_of_day):
                assert UTC_DATETIME.match(item), f"{path}.{key} = {item}"
            assert_well_formed(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_well_formed(item, f"{path}[{index}]")


def test_every_location_example_is_covered():
    assert len(LOCATION_EXAMPLES) == 6


@pytest.mark.parametrize("name", LOCATION_EXAMPLES)
def test_example_location_survives_a_round_trip(name):
    original = example(name)
    served = store_and_serve(original)
    assert without_last_updated(served) == without_last_updated(original)
    assert_well_formed(served)
    # last_updated is ours, at every level, and a child never changed after its parent.
    assert served["last_updated"] >= max(evse["last_updated"] for evse in served["evses"])
    for evse in served["evses"]:
        assert evse["last_updated"] >= max(c["last_updated"] for c in evse["connectors"])


@pytest.mark.parametrize("name", HOURS_EXAMPLES)
def test_example_opening_times_survive_a_round_trip(name):
    hours = example(name)
    hours = hours.get("opening_times", hours)
    document = example("location_example.json") | {"opening_times": hours}
    served = store_and_serve(document)
    assert served["opening_times"] == hours
    assert_well_formed(served)


@pytest.mark.parametrize("name", ENERGY_MIX_EXAMPLES)
def test_example_energy_mix_survives_a_round_trip(name):
    document = example("location_example.json") | example(name)
    assert store_and_serve(document)["energy_mix"] == example(name)["energy_mix"]


def test_every_optional_field_survives_a_round_trip():
    """Fields that no example uses: images, directions, related locations, facilities, business details…"""
    image = {"url": "https://cpo.example/img/1.jpg", "category": "CHARGER", "type": "jpeg", "width": 800, "height": 600}
    document = example("location_example.json") | {
        "publish": False,
        "publish_allowed_to": [{"group_id": "FLEET-7"}],
        "state": "Oost-Vlaanderen",
        "related_locations": [
            {"latitude": "51.047700", "longitude": "3.729800", "name": {"language": "nl", "text": "Ingang"}}
        ],
        "directions": [{"language": "nl", "text": "Rechts na de slagboom"}],
        "suboperator": {"name": "Sub", "website": "https://sub.example", "logo": image | {"category": "OPERATOR"}},
        "owner": {"name": "Stad Gent"},
        "facilities": ["CAFE", "WIFI"],
        "charging_when_closed": False,
        "images": [image | {"thumbnail": "https://cpo.example/img/1-t.jpg"}],
    }
    evse = document["evses"][0]
    evse.update(
        {
            "status_schedule": [
                {"period_begin": "2026-01-01T08:00:00Z", "period_end": "2026-01-02T08:00:00Z", "status": "INOPERATIVE"},
                {"period_begin": "2026-02-01T08:00:00Z", "status": "REMOVED"},
            ],
            "coordinates": {"latitude": "51.0476000", "longitude": "3.7299000"},
            "directions": [{"language": "en", "text": "Second bay"}],
            "parking_restrictions": ["EV_ONLY", "DISABLED"],
            "images": [image],
        }
    )
    evse["connectors"][0] |= {"max_electric_power": 10000, "terms_and_conditions": "https://cpo.example/terms"}
    served = store_and_serve(document)
    assert without_last_updated(served) == without_last_updated(document)
    assert_well_formed(served)


def test_an_object_replaces_what_was_stored():
    """OCPI objects are complete: fields the new version leaves out are cleared."""
    store_and_serve(example("location_example_uc2_destination_charger.json"))
    served = store_and_serve(example("location_example_uc3_destination_charger_not_published.json"))
    assert "parking_type" not in served
    assert served["publish"] is False
    assert Location.objects.count() == 1


def test_invalid_example_evse_is_rejected_naming_its_fields():
    # location_put_example_add_evse.json says "floor" for floor_level (ignored as unknown), gives physical_reference
    # as a number, and leaves out required connector fields (it is one of the OCPI 2.2.1 examples, not schema-valid).
    with pytest.raises(ValidationError) as excinfo:
        evse_input_from_ocpi(example("location_put_example_add_evse.json"))
    assert excinfo.value.message_dict == {
        "physical_reference": ["Must be a string."],
        "connectors[0].power_type": ["This field is required."],
        "connectors[0].max_voltage": ["This field is required."],
        "connectors[0].max_amperage": ["This field is required."],
        "connectors[0].last_updated": ["This field is required."],
    }
    document = example("location_example.json")
    document["evses"].append(example("location_put_example_add_evse.json"))
    with pytest.raises(ValidationError) as excinfo:
        location_input_from_ocpi(document)
    assert "evses[2].connectors[0].power_type" in excinfo.value.message_dict
    assert "evses[2].physical_reference" in excinfo.value.message_dict


def _broken(change) -> dict[str, Any]:
    document = copy.deepcopy(example("location_example.json"))
    change(document)
    return document


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["evses"][0]["connectors"][1].update(max_voltage="220"), "evses[0].connectors[1].max_voltage"),
        (lambda d: d["evses"][0]["connectors"][0].update(max_amperage=16.5), "evses[0].connectors[0].max_amperage"),
        (lambda d: d.update(publish="true"), "publish"),
        (lambda d: d.update(city="G" * 46), "city"),
        (lambda d: d.update(name="Gent\nZuid"), "name"),
        (lambda d: d.update(country_code="BÉ"), "country_code"),
        (lambda d: d.update(parking_type="ROOF"), "parking_type"),
        (lambda d: d.update(time_zone="Europe/Gent"), "time_zone"),
        (lambda d: d["coordinates"].update(latitude=51.047599), "coordinates.latitude"),
        (lambda d: d["coordinates"].update(longitude="3.72"), "coordinates.longitude"),
        (lambda d: d["evses"][1].update(status="FREE"), "evses[1].status"),
        (lambda d: d["evses"][0].update(capabilities=["RESERVABLE", "WIRELESS"]), "evses[0].capabilities[1]"),
        (lambda d: d["evses"][0].update(connectors=[]), "evses[0].connectors"),
        (lambda d: d["evses"][0].update(uid=None), "evses[0].uid"),
        (lambda d: d["evses"][0]["connectors"][0].update(standard="TYPE2"), "evses[0].connectors[0].standard"),
        (lambda d: d["evses"][0]["connectors"][0].update(tariff_ids=[11]), "evses[0].connectors[0].tariff_ids[0]"),
        (lambda d: d.update(last_updated="2015-06-29 20:39:09"), "last_updated"),
        (lambda d: d.pop("address"), "address"),
        (lambda d: d.update(publish_allowed_to=[{"group_id": "G"}]), "publish_allowed_to"),
        (lambda d: d.update(publish=False, publish_allowed_to=[{"uid": "123"}]), "publish_allowed_to[0].type"),
        (
            lambda d: d.update(opening_times={"twentyfourseven": False, "regular_hours": []}),
            "opening_times.regular_hours",
        ),
        (
            lambda d: d.update(
                opening_times={
                    "twentyfourseven": False,
                    "regular_hours": [{"weekday": 8, "period_begin": "08:00", "period_end": "18:00"}],
                }
            ),
            "opening_times.regular_hours[0].weekday",
        ),
        (
            lambda d: d.update(opening_times={"twentyfourseven": False, "regular_hours": [None]}),
            "opening_times.regular_hours[0]",
        ),
        (lambda d: d["evses"][0].update(connectors=[None]), "evses[0].connectors[0]"),
        (lambda d: d.update(energy_mix={"energy_sources": []}), "energy_mix.is_green_energy"),
        (lambda d: d.update(images=[{"url": "ftp://x", "category": "CHARGER", "type": "jpeg"}]), "images[0].url"),
    ],
)
def test_input_is_strict_and_names_the_field(change, field):
    with pytest.raises(ValidationError) as excinfo:
        location_input_from_ocpi(_broken(change))
    assert field in excinfo.value.message_dict


def test_input_tolerates_unknown_fields_and_null_optionals():
    document = _broken(
        lambda d: d.update(
            extension={"vendor": "x"}, name=None, postal_code=None, images=None, energy_mix=None, facilities=None
        )
    )
    document["evses"][0]["floor"] = -1
    data = location_input_from_ocpi(document)
    assert "extension" not in data
    assert (data["name"], data["postal_code"], data["images"], data["energy_mix"]) == ("", "", [], None)
    assert data["evses"][0]["floor_level"] == "-1"


def test_input_date_times_become_utc():
    document = example("location_example.json") | {
        "opening_times": {
            "twentyfourseven": True,
            "exceptional_closings": [
                {"period_begin": "2018-12-25T03:00:00", "period_end": "2018-12-25T05:00:00.123456789+01:00"}
            ],
        }
    }
    opening_times = location_input_from_ocpi(document)["opening_times"]
    assert opening_times is not None
    closing = opening_times["exceptional_closings"][0]
    assert closing["period_begin"].isoformat() == "2018-12-25T03:00:00+00:00"
    assert closing["period_end"].isoformat() == "2018-12-25T04:00:00.123456+00:00"


def test_non_object_input_is_rejected():
    with pytest.raises(ValidationError) as excinfo:
        location_input_from_ocpi(["not", "an", "object"])
    assert "__all__" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        connector_input_from_ocpi({"id": "1"})
    assert "standard" in excinfo.value.message_dict


def test_a_page_costs_the_same_queries_whatever_its_size(django_assert_num_queries):
    for name in LOCATION_EXAMPLES[:2] + LOCATION_EXAMPLES[3:]:  # uc2 and uc3 are one location
        store_and_serve(
            example(name) | {"opening_times": example("location_regularhours_example.json")["opening_times"]}
        )
    # locations, EVSEs, connectors, regular hours, exceptional periods
    with django_assert_num_queries(5):
        small = locations_to_ocpi(location_list_for_sync()[:1])
    with django_assert_num_queries(5):
        large = locations_to_ocpi(location_list_for_sync())
    assert (len(small), len(large)) == (1, 5)
    assert [len(location["evses"]) for location in large] == [2, 1, 1, 1, 1]


def test_sync_selector_filters_by_time_and_roaming():
    first = store_and_serve(example("location_example.json"))
    second = store_and_serve(example("location_example_uc4_limited_visibility.json"))
    Location.objects.filter(ocpi_id="LOC1").update(roaming_enabled=False)
    assert [loc.ocpi_id for loc in location_list_for_sync()] == [second["id"]]
    Location.objects.filter(ocpi_id="LOC1").update(roaming_enabled=True)
    cut = Location.objects.get(ocpi_id=second["id"]).last_updated
    assert [loc.ocpi_id for loc in location_list_for_sync(date_to=cut)] == [first["id"]]
    assert [loc.ocpi_id for loc in location_list_for_sync(date_from=cut)] == [second["id"]]
