"""import_locations on broken records and files, and the OCPI format: bad records are reported, good ones imported."""

import copy
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from chargepoints.importers import LocationParser, RawRecord, format_names, get_parser, register_format
from chargepoints.importers.runner import import_records
from chargepoints.models import EVSE, Location
from tests.factories import evse_data, location_data

EXAMPLES = Path(__file__).resolve().parents[2] / "ocpi_api" / "spec_examples" / "2.2.1"

pytestmark = pytest.mark.django_db


def run_import(path: Path, data_format: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_locations", str(path), format=data_format, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _nobil_station(station_id: int, **csmd: object) -> dict[str, Any]:
    conn = {
        "4": {"attrtypeid": "4", "attrvalid": "32", "trans": "Type 2", "attrval": ""},
        "5": {"attrtypeid": "5", "attrvalid": "10", "trans": "11 kW - 400V 3-phase max 16A", "attrval": ""},
        "25": {"attrtypeid": "25", "attrvalid": "2", "trans": "No", "attrval": ""},
    }
    return {
        "csmd": {
            "id": station_id,
            "name": f"Station {station_id}",
            "Street": "Kungsgatan",
            "House_number": str(station_id),
            "Zipcode": "75321",
            "City": "UPPSALA",
            "Position": "(59.85931,17.64369)",
            "Land_code": "SWE",
            **csmd,
        },
        "attr": {
            "st": {"24": {"attrtypeid": "24", "attrvalid": "1", "trans": "Yes", "attrval": "1"}},
            "conn": {"1": conn},
        },
    }


def test_nobil_bad_records_are_reported_and_the_good_ones_imported(tmp_path):
    unknown_connector = _nobil_station(4)
    unknown_connector["attr"]["conn"]["1"]["4"] = {"attrtypeid": "4", "attrvalid": "70", "trans": "Hydrogen"}
    no_city = _nobil_station(5)
    del no_city["csmd"]["City"]
    stations = [
        _nobil_station(1),
        _nobil_station(2, Position="(95.12345,17.64369)"),
        _nobil_station(3, Position="somewhere"),
        unknown_connector,
        no_city,
        _nobil_station(6),
    ]
    path = tmp_path / "nobil.json"
    path.write_text(json.dumps({"chargerstations": stations}))

    out, _ = run_import(path, "nobil")
    assert "6 records: 2 created, 0 updated, 0 unchanged, 0 repaired, 4 rejected" in out
    assert "record 2 chargerstations[1] (id 2): csmd.Position: 95.12345 is outside -90..90" in out
    assert "record 3 chargerstations[2] (id 3): csmd.Position: 'somewhere' is not '(latitude,longitude)'" in out
    assert "record 4 chargerstations[3] (id 4): attr.conn.1.4: unknown connector 'Hydrogen' (NOBIL id 70)" in out
    assert "record 5 chargerstations[4] (id 5): csmd.City: missing" in out
    assert sorted(Location.objects.values_list("source_ref", flat=True)) == ["1", "6"]


def test_bnetza_bad_records_are_reported_and_the_good_ones_imported(tmp_path):
    good = json.loads(
        (
            Path(__file__).resolve().parents[2] / "chargepoints/data/bnetza-ladesaeulenregister-subset/bnetza.json"
        ).read_text()
    )["chargingStations"][0]
    bad_coordinates = {**copy.deepcopy(good), "id": 2, "coordinates": {"latitude": 51.2, "longitude": "east"}}
    unknown_connector = copy.deepcopy(good) | {"id": 3}
    unknown_connector["evses"][1]["connectors"][0]["connector_type"] = "AC Steckdose Typ 9"
    no_street = {key: value for key, value in good.items() if key != "street"} | {"id": 4}
    bad_hours = copy.deepcopy(good) | {"id": 5, "opening_days": [{"weekday": "Montag", "open_from": "6 Uhr"}]}
    stations = [good, bad_coordinates, unknown_connector, no_street, bad_hours, "not a station"]
    path = tmp_path / "bnetza.json"
    path.write_text(json.dumps({"chargingStations": stations}))

    out, _ = run_import(path, "bnetza")
    assert "6 records: 1 created, 0 updated, 0 unchanged, 0 repaired, 5 rejected" in out
    assert "record 2 chargingStations[1] (id 2): coordinates.longitude: 'east' is not a decimal coordinate" in out
    assert "record 3 chargingStations[2] (id 3): evses[1].connectors[0].connector_type: unknown connector" in out
    assert "record 4 chargingStations[3] (id 4): street: missing" in out
    assert "record 5 chargingStations[4] (id 5): opening_days[0].open_from: '6 Uhr' is not HH:MM" in out
    assert "record 6 chargingStations[5]: must be an object" in out
    assert list(Location.objects.values_list("source_ref", flat=True)) == [str(good["id"])]


class _ListParser(LocationParser):
    """A JSON list of LocationInput: drives the runner with inputs that only the service rejects."""

    def split(self, raw: bytes) -> list[RawRecord]:
        return [RawRecord(index=i, label=f"[{i}]", payload=item) for i, item in enumerate(json.loads(raw))]

    def convert(self, record: RawRecord):
        return record.payload


def test_a_record_failing_half_way_leaves_nothing_behind():
    records = [
        location_data(ocpi_id="GOOD-1"),
        # The location row is written before its EVSEs are checked: the savepoint must take it back.
        location_data(ocpi_id="HALF", evses=[evse_data(uid="HALF-1"), evse_data(uid="HALF-2", connectors=[])]),
        location_data(ocpi_id="GOOD-2", evses=[evse_data(uid="GOOD-2-1")]),
        location_data(ocpi_id="CLASH", evses=[evse_data(uid="GOOD-2-1")]),
    ]
    parser = _ListParser()
    report = import_records(parser=parser, records=parser.split(json.dumps(records).encode()))
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert [str(s) for s in report.skipped] == [
        "record 2 [1]: evses[1].connectors: An EVSE needs at least one connector.",
        "record 4 [3]: evses.uid: EVSE uid GOOD-2-1 already belongs to location GOOD-2; uids are never reused.",
    ]
    assert sorted(Location.objects.values_list("ocpi_id", flat=True)) == ["GOOD-1", "GOOD-2"]
    assert not EVSE.objects.filter(uid__startswith="HALF").exists()


@pytest.mark.parametrize(
    ("content", "data_format", "message"),
    [
        (b"{not json", "bnetza", "not a valid 'bnetza' file: not JSON"),
        (b'{"chargingStations": []}', "nobil", "no 'chargerstations' list"),
        (b"HTTP/1.1 200 OK\nContent-Type: application/json\n", "nobil", "HTTP capture without a blank line"),
        (b'{"data": null, "status_code": 2001, "status_message": "Invalid"}', "ocpi", "the OCPI response has no data"),
        (b'"a string"', "ocpi", "expected a Location"),
    ],
)
def test_unreadable_files_stop_with_a_clear_error(tmp_path, content, data_format, message):
    path = tmp_path / "input"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run_import(path, data_format)


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run_import(tmp_path / "nope.json", "ocpi")
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import_locations", str(tmp_path / "x"), format="csv")


def test_formats_are_registered_by_their_apps():
    assert format_names() == ["bnetza", "nobil", "ocpi"]
    assert type(get_parser("ocpi")).__module__ == "ocpi_api.importers"
    with pytest.raises(ValueError, match="already registered"):
        register_format("ocpi", _ListParser())


def _example(name: str) -> dict[str, Any]:
    example: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return example


def test_ocpi_list_in_an_envelope_with_a_bad_location(tmp_path):
    broken = _example("location_example.json")
    del broken["evses"][1]["connectors"][0]["power_type"]
    broken["id"] = "LOC2"
    broken["evses"][0]["uid"], broken["evses"][1]["uid"] = "9001", "9002"
    locations = [
        _example("location_example.json"),
        broken,
        _example("location_example_uc4_limited_visibility.json"),
    ]
    path = tmp_path / "locations.json"
    envelope = {"data": locations, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}
    path.write_text(json.dumps(envelope))

    out, err = run_import(path, "ocpi")
    # An EVSE whose only connector has no power type cannot be made valid: it is left out, its Location imports.
    assert (
        "3 records: 3 created, 0 updated, 0 unchanged, 0 repaired, 0 rejected (1 EVSEs or connectors left out)" in out
    )
    assert (
        "left out evses[1] of record 2 data[1] (id LOC2): evses[1].connectors[0].power_type: missing or unknown (None)"
    ) in out
    assert err == ""  # no progress bar when stderr is not a terminal
    assert sorted(Location.objects.values_list("party_id", "ocpi_id")) == [
        ("ALL", "f76c2e0c-a6ef-4f67-bf23-6a187e5ca0e0"),
        ("BEC", "LOC1"),
        ("BEC", "LOC2"),
    ]
    assert list(EVSE.objects.filter(location__ocpi_id="LOC2").values_list("uid", flat=True)) == ["9001"]
    assert "3 records: 0 created, 0 updated, 3 unchanged, 0 repaired, 0 rejected" in run_import(path, "ocpi")[0]


def test_ocpi_bare_list_and_single_object(tmp_path):
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps([_example("location_example_uc2_destination_charger.json")]))
    assert "1 records: 1 created" in run_import(bare, "ocpi")[0]
    # uc3 is the same location, now unpublished and without a parking type: an update in place.
    single = tmp_path / "single.json"
    single.write_text(json.dumps(_example("location_example_uc3_destination_charger_not_published.json")))
    assert "1 records: 0 created, 1 updated" in run_import(single, "ocpi")[0]
    location = Location.objects.get()
    assert (location.publish, location.parking_type) == (False, "")
    assert location.evses.get().uid == "fd855359-bc81-47bb-bb89-849ae3dac89e"


class _Terminal(StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("no_progress", [False, True])
def test_progress_bar_on_a_terminal_only(tmp_path, monkeypatch, no_progress):
    path = tmp_path / "locations.json"
    path.write_text(json.dumps([_example("location_example.json")]))
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    call_command("import_locations", str(path), format="ocpi", no_progress=no_progress, stdout=StringIO())
    assert ("1/1" in terminal.getvalue()) is not no_progress
