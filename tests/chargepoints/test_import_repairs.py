"""The repair layer of the OCPI import: each rule and each rejection, on small feeds, in every document shape."""

from __future__ import annotations

import copy
import csv
import json
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from chargepoints.importers import get_parser
from chargepoints.importers.runner import import_records
from chargepoints.models import EVSE, Connector, Location
from ocpi_api.core.v211.locations import connector_from_211, location_from_211, looks_like_211

pytestmark = pytest.mark.django_db


def clean_location(location_id: str = "LOC-1", uid: str = "EVSE-1") -> dict[str, Any]:
    """A valid OCPI 2.2.1 Location: the repairs below each break one thing in it."""
    return {
        "country_code": "DE",
        "party_id": "ABC",
        "id": location_id,
        "publish": True,
        "name": "Marktplatz",
        "address": "Marktplatz 1",
        "city": "Berlin",
        "postal_code": "10178",
        "country": "DEU",
        "coordinates": {"latitude": "52.520008", "longitude": "13.404954"},
        "parking_type": "ON_STREET",
        "time_zone": "Europe/Berlin",
        "opening_times": {"twentyfourseven": True},
        "evses": [
            {
                "uid": uid,
                "evse_id": f"DE*ABC*E{uid}",
                "status": "AVAILABLE",
                "capabilities": ["RFID_READER"],
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "power_type": "AC_3_PHASE",
                        "max_voltage": 230,
                        "max_amperage": 32,
                        "tariff_ids": ["AC"],
                        "last_updated": "2024-05-01T10:00:00Z",
                    }
                ],
                "last_updated": "2024-05-01T10:00:00Z",
            }
        ],
        "last_updated": "2024-05-01T10:00:00Z",
    }


def _connector(location: dict[str, Any]) -> dict[str, Any]:
    connector: dict[str, Any] = location["evses"][0]["connectors"][0]
    return connector


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(location: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = location
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value

    return mutate


_DELETE = object()
CONNECTOR = "evses.0.connectors.0"
HOURS = {"weekday": 1, "period_begin": "08:00", "period_end": "20:00"}

# (mutation, rule, field path, value before, value after)
REPAIRS = [
    (_set("id", 1234), "id.string", "id", 1234, "1234"),
    (_set("evses.0.uid", 77), "id.string", "evses[0].uid", 77, "77"),
    (_set(f"{CONNECTOR}.id", 1), "id.string", "evses[0].connectors[0].id", 1, "1"),
    (_set("coordinates", {"latitude": 52.520008, "longitude": 13.404954}), "coordinates.number",
     "coordinates.latitude", 52.520008, "52.520008"),
    (_set("coordinates.latitude", "52.52000812345678"), "coordinates.precision", "coordinates.latitude",
     "52.52000812345678", "52.5200081"),
    (_set("coordinates.longitude", "13.4049"), "coordinates.precision", "coordinates.longitude", "13.4049",
     "13.40490"),
    (_set("parking_type", "on street"), "enum.case", "parking_type", "on street", "ON_STREET"),
    (_set(f"{CONNECTOR}.standard", "Type 2"), "enum.case", "evses[0].connectors[0].standard", "Type 2",
     "IEC_62196_T2"),
    (_set("evses.0.status", " available "), "enum.case", "evses[0].status", " available ", "AVAILABLE"),
    (_set("time_zone", "Europe/berlin"), "time_zone.spelling", "time_zone",
     "Europe/berlin", "Europe/Berlin"),
    (_set("time_zone", _DELETE), "time_zone.derived", "time_zone", None, "Europe/Berlin"),
    (_set("last_updated", _DELETE), "last_updated.missing", "last_updated", None, "2026-01-02T03:04:05Z"),
    (_set("evses.0.last_updated", _DELETE), "last_updated.missing", "evses[0].last_updated", None,
     "2026-01-02T03:04:05Z"),
    (_set("last_updated", "2024-05-01T10:00:00"), "datetime.utc", "last_updated", "2024-05-01T10:00:00",
     "2024-05-01T10:00:00Z"),
    (_set(f"{CONNECTOR}.max_voltage", _DELETE), "voltage.derived", "evses[0].connectors[0].max_voltage", None, 230),
    (_set(f"{CONNECTOR}.max_electric_power", 22), "power.kw", "evses[0].connectors[0].max_electric_power", 22,
     22000),
    (_set(f"{CONNECTOR}.max_amperage", "32"), "number.integer", "evses[0].connectors[0].max_amperage", "32", 32),
    (_set("city", None), "city.missing", "city", None, "Unknown"),
    (_set("name", "Markt\nplatz"), "text.whitespace", "name", "Markt\nplatz", "Markt platz"),
    (_set("country", "DE"), "country.alpha3", "country", "DE", "DEU"),
    (_set("images", [{"url": "https://img.example/a.jpg", "category": "location", "type": "image/jpeg"}]),
     "image.type", "images[0].type", "image/jpeg", "jpeg"),
    (_set("opening_times", {"twentyfourseven": False, "regular_hours": [
        {"weekday": 0, "period_begin": "08:00", "period_end": "20:00"}]}),
     "opening_times.weekday", "opening_times.regular_hours[0].weekday", 0, 7),
    (_set("opening_times", {"twentyfourseven": False, "regular_hours": [
        {"weekday": 1, "period_begin": "8:00", "period_end": "24:00"}]}),
     "opening_times.time", "opening_times.regular_hours[0].period_begin", "8:00", "08:00"),
    (_set("opening_times", {"twentyfourseven": False, "regular_hours": [None, HOURS]}), "list.null_items",
     "opening_times.regular_hours", [None, HOURS], [HOURS]),
    (_set("publish", _DELETE), "publish.missing", "publish", None, True),
    (_set("evses.0.status", _DELETE), "evse.status", "evses[0].status", None, "UNKNOWN"),
]  # fmt: skip

SHAPES: dict[str, Callable[[list[dict[str, Any]]], bytes]] = {
    "bare list": lambda locations: json.dumps(locations).encode(),
    "envelope": lambda locations: json.dumps(
        {"data": locations, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}
    ).encode(),
    "data only": lambda locations: json.dumps({"data": locations}).encode(),
    "BOM": lambda locations: b"\xef\xbb\xbf" + json.dumps(locations).encode(),
    "lines": lambda locations: b"\n".join(json.dumps(location).encode() for location in locations),
}
NOW = "2026-01-02T03:04:05Z"


def import_feed(raw: bytes, **options: Any):
    from datetime import datetime

    parser = get_parser("ocpi").configured(**options)
    return import_records(parser=parser, records=parser.split(raw), now=datetime.fromisoformat(NOW))


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize(("mutate", "rule", "field", "before", "after"), REPAIRS)
def test_each_repair_rule_in_every_shape(shape, mutate, rule, field, before, after):
    broken = clean_location()
    mutate(broken)
    report = import_feed(SHAPES[shape]([clean_location("LOC-0", "EVSE-0"), broken]))

    assert (report.created, report.rejected, report.repaired) == (2, 0, 1), report.skipped
    repairs = [(r.repair.rule, r.repair.field, r.repair.before, r.repair.after) for r in report.repairs]
    assert (rule, field, before, after) in repairs
    assert all(r.position == 2 for r in report.repairs)
    assert report.repairs_by_rule[rule] >= 1


def test_repaired_values_are_what_is_stored():
    broken = clean_location()
    broken["coordinates"] = {"latitude": 52.52000812345, "longitude": "13.4049"}
    broken["time_zone"] = "Asia/Kuala Lumpur"
    connector = _connector(broken)
    del connector["max_voltage"], connector["max_amperage"]
    connector["power_type"], connector["max_electric_power"] = "AC_1_PHASE", 7.4
    import_feed(SHAPES["bare list"]([broken]))

    location = Location.objects.get()
    assert (location.latitude, location.longitude, location.time_zone) == (
        "52.5200081",
        "13.40490",
        "Asia/Kuala_Lumpur",
    )
    stored = Connector.objects.get()
    assert (stored.max_voltage, stored.max_amperage, stored.max_electric_power) == (230, 33, 7400)


def test_voltage_and_amperage_derived_from_power_are_marked_derived():
    broken = clean_location()
    connector = _connector(broken)
    del connector["max_voltage"], connector["max_amperage"]
    connector.update(standard="IEC_62196_T2_COMBO", format="CABLE", power_type="DC", max_electric_power=150000)
    report = import_feed(SHAPES["bare list"]([broken]))
    derived = {(r.repair.rule, r.repair.after) for r in report.repairs if r.repair.derived}
    assert derived == {("voltage.derived", 920), ("amperage.derived", 164)}


def test_2_1_1_documents_are_converted_and_detected():
    old = clean_location()
    for key in ("country_code", "party_id", "publish", "parking_type"):
        del old[key]
    old["type"] = "PARKING_LOT"
    connector = _connector(old)
    connector["voltage"], connector["amperage"] = connector.pop("max_voltage"), connector.pop("max_amperage")
    connector["tariff_id"] = connector.pop("tariff_ids")[0]
    for version in (None, "2.1.1"):
        Location.objects.all().update(ocpi_id="old")
        EVSE.objects.all().update(uid="old-evse")
        report = import_feed(SHAPES["envelope"]([old]), version=version, country_code="NL", party_id="XYZ")
        assert (report.created, report.rejected) == (1, 0), report.skipped
    location = Location.objects.get(ocpi_id="LOC-1")
    assert (location.country_code, location.party_id, location.parking_type) == ("NL", "XYZ", "PARKING_LOT")
    stored = Connector.objects.get(evse__location=location)
    assert (stored.max_voltage, stored.max_amperage, stored.tariff_ids) == (230, 32, ["AC"])
    assert {r.repair.rule for r in report.repairs} == {"ocpi211.names"}


def test_location_211_converter_is_pure_and_reports_each_change():
    old = {"id": "1", "type": "OTHER", "evses": [{"uid": "e", "connectors": [{"id": "1", "voltage": 230}]}]}
    before = copy.deepcopy(old)
    converted, changes = location_from_211(old, country_code="NL", party_id="XYZ")
    assert old == before
    assert looks_like_211(old)
    assert not looks_like_211(converted)
    assert "parking_type" not in converted
    assert converted["publish"] is True
    assert ("evses[0].connectors[0].max_voltage", {"voltage": 230}, 230) in changes
    assert connector_from_211({"max_voltage": 400, "voltage": 230}) == ({"max_voltage": 400}, [])


def _rejections(report) -> list[str]:
    return [str(s) for s in report.skipped] + [f"{p.part}: {p.reason}" for p in report.parts_left_out]


@pytest.mark.parametrize("shape", list(SHAPES))
def test_each_rejection_names_its_field_and_the_rest_imports(shape):
    no_coordinates = clean_location("NO-COORDS", "E-NC")
    del no_coordinates["coordinates"]
    bad_evse = clean_location("BAD-EVSE", "E-BAD")
    bad_evse["evses"].append(copy.deepcopy(bad_evse["evses"][0]))
    bad_evse["evses"][1]["uid"] = "E-BAD-2"
    del _connector(bad_evse)["standard"]
    duplicate_a, duplicate_b = clean_location("TWICE", "E-T1"), clean_location("TWICE", "E-T2")
    feed = [clean_location("GOOD", "E-GOOD"), no_coordinates, bad_evse, duplicate_a, duplicate_b]

    report = import_feed(SHAPES[shape](feed))

    assert (report.created, report.rejected) == (2, 3), _rejections(report)
    text = "\n".join(_rejections(report))
    assert "coordinates: no usable coordinates (None)" in text
    assert "id: DE/ABC/TWICE appears more than once in the feed (records 4, 5)" in text
    assert "evses[0]: evses[0].connectors[0].standard: None is not a connector standard" in text
    assert list(EVSE.objects.filter(location__ocpi_id="BAD-EVSE").values_list("uid", flat=True)) == ["E-BAD-2"]
    assert sorted(Location.objects.values_list("ocpi_id", flat=True)) == ["BAD-EVSE", "GOOD"]


def test_report_counts_rules_and_writes_every_repair_and_rejection_as_csv(tmp_path):
    repaired = clean_location()
    repaired["id"], repaired["coordinates"]["latitude"] = 5, "52.5"
    no_coordinates = clean_location("X", "E-X")
    no_coordinates["coordinates"] = {"latitude": "north", "longitude": "13.4"}
    feed, report_file = tmp_path / "feed.json", tmp_path / "report.csv"
    feed.write_text(json.dumps([repaired, no_coordinates]))
    out = StringIO()
    call_command("import_locations", str(feed), format="ocpi", report=str(report_file), stdout=out)

    assert "2 records: 1 created, 0 updated, 0 unchanged, 1 repaired, 1 rejected" in out.getvalue()
    assert "repaired coordinates.precision: 1" in out.getvalue()
    assert "repaired id.string: 1" in out.getvalue()
    rows = list(csv.DictReader(report_file.open()))
    assert [(r["kind"], r["rule"] or r["reason"][:11], r["field"], r["before"], r["after"]) for r in rows] == [
        ("repair", "id.string", "id", "5", "5"),
        ("repair", "coordinates.precision", "coordinates.latitude", "52.5", "52.50000"),
        ("rejected", "coordinates", "", "", ""),
    ]
