"""import_locations on the real data sets shipped in chargepoints/data: counts, spot checks and idempotency."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from chargepoints.models import EVSE, Connector, Location

DATA = Path(__file__).resolve().parents[2] / "chargepoints" / "data"
NOBIL = DATA / "nobil-se-uppsala" / "Response-1571118216182.http"
BNETZA = DATA / "bnetza-ladesaeulenregister-subset" / "bnetza.json"

pytestmark = pytest.mark.django_db


def run_import(path: Path, data_format: str) -> str:
    out = StringIO()
    call_command("import_locations", str(path), format=data_format, no_progress=True, stdout=out)
    return out.getvalue()


def _counts(source: str) -> tuple[int, int, int]:
    return (
        Location.objects.filter(source=source).count(),
        EVSE.objects.filter(location__source=source).count(),
        Connector.objects.filter(evse__location__source=source).count(),
    )


def test_nobil_uppsala(settings):
    settings.CPO_COUNTRY_CODE, settings.CPO_PARTY_ID = "SE", "CPO"
    output = run_import(NOBIL, "nobil")
    assert "23 records: 23 created, 0 updated, 0 unchanged, 0 repaired, 0 rejected" in output
    assert _counts("nobil") == (23, 86, 86)
    assert set(Location.objects.values_list("country_code", "party_id", "country", "time_zone")) == {
        ("SE", "CPO", "SWE", "Europe/Stockholm")
    }

    hospital = Location.objects.get(source="nobil", source_ref="3108")
    assert (hospital.ocpi_id, hospital.name, hospital.address) == ("nobil-3108", "Sjukhusvägen 4", "Sjukhusvägen 4")
    assert (hospital.city, hospital.postal_code) == ("Uppsala", "75237")
    assert (hospital.latitude, hospital.longitude) == ("59.85178", "17.64124")
    assert hospital.twentyfourseven is True
    assert hospital.parking_type == "PARKING_LOT"
    assert hospital.owner == {"name": "Landstinget i Uppsala"}
    assert hospital.directions == [{"language": "sv", "text": "Parkeringshuset plan 1"}]
    first = hospital.evses.order_by("id").first()
    assert first is not None
    assert (first.uid, first.evse_id, first.status) == ("nobil-3108-1", "SE*CPO*E10003108001", "UNKNOWN")
    assert hospital.evses.count() == 10
    connector = first.connectors.get()
    # "22 kW - 400V 3-phase max 32A": 230 V to neutral, 32 A, capped at the rated 22 kW.
    assert (connector.standard, connector.format, connector.power_type) == ("IEC_62196_T2", "SOCKET", "AC_3_PHASE")
    assert (connector.max_voltage, connector.max_amperage, connector.max_electric_power) == (230, 32, 22000)

    # Four decimals in the source become the five OCPI asks for.
    assert Location.objects.get(source_ref="2486").latitude == "59.85920"
    # "Open 24h: No" with "05:00-01:00": the overnight part moves to the next morning.
    station = Location.objects.get(source_ref="2657")
    assert station.twentyfourseven is False
    assert list(station.regular_hours.filter(weekday=1).values_list("period_begin", "period_end")) == [
        ("00:00", "01:00"),
        ("05:00", "23:59"),
    ]
    # A Tesla supercharger, a fixed-cable DC connector.
    tesla = Connector.objects.filter(evse__location__source_ref="4555").first()
    assert tesla is not None
    assert (tesla.standard, tesla.format, tesla.power_type, tesla.max_voltage, tesla.max_amperage) == (
        "TESLA_S",
        "CABLE",
        "DC",
        480,
        270,
    )
    # Real-time connectors carry the status of their snapshot, kept as the import's, not live; HTML entities are
    # decoded.
    fortum = Location.objects.get(source_ref="2058")
    assert list(fortum.evses.order_by("id").values_list("import_status", flat=True)) == [
        "OUTOFORDER",
        "AVAILABLE",
        "UNKNOWN",
    ]
    assert set(fortum.evses.values_list("status", flat=True)) == {"UNKNOWN"}
    assert fortum.owner == {"name": "Fortum Charge & Drive"}
    fortum_evse = fortum.evses.first()
    assert fortum_evse is not None
    assert fortum_evse.capabilities == ["REMOTE_START_STOP_CAPABLE", "RFID_READER"]
    # Availability "Visitors": parking for customers only.
    restrictions = EVSE.objects.filter(location__source_ref="3986").values_list("parking_restrictions", flat=True)
    assert list(restrictions) == [["CUSTOMERS"], ["CUSTOMERS"]]

    stamps = dict(Location.objects.values_list("pk", "last_updated"))
    assert "23 records: 0 created, 0 updated, 23 unchanged, 0 repaired, 0 rejected" in run_import(NOBIL, "nobil")
    assert dict(Location.objects.values_list("pk", "last_updated")) == stamps
    assert _counts("nobil") == (23, 86, 86)


def test_bnetza_subset():
    output = run_import(BNETZA, "bnetza")
    assert "918 records: 917 created, 0 updated, 0 unchanged, 0 repaired, 1 rejected" in output
    assert "record 187 chargingStations[186] (id 1000187): evses[3].connectors[1].connector_type: missing" in output
    assert _counts("bnetza") == (917, 1818, 2006)
    assert set(Location.objects.values_list("country", "time_zone")) == {("DEU", "Europe/Berlin")}

    first = Location.objects.get(source="bnetza", source_ref="1000001")
    assert (first.address, first.postal_code, first.city) == ("Frachtstraße 1", "40474", "Düsseldorf")
    assert (first.state, first.latitude, first.longitude) == ("Nordrhein-Westfalen", "51.280824", "6.769947")
    assert first.operator == {"name": "SWD AG"}
    assert first.twentyfourseven is None  # "Keine Angabe": no opening hours known
    evses = list(first.evses.order_by("id"))
    assert [e.uid for e in evses] == ["bnetza-1000001-1", "bnetza-1000001-2"]
    assert evses[0].evse_id == "SE*CPO*E20100000101"
    plugs = list(evses[0].connectors.order_by("id").values_list("standard", "format", "power_type", "rated_power_w"))
    # The register lists the point's 22 kW on both plugs; a Schuko socket carries at most 16 A.
    assert plugs == [("IEC_62196_T2", "SOCKET", "AC_3_PHASE", 22000), ("DOMESTIC_F", "SOCKET", "AC_1_PHASE", 3680)]

    hours = Location.objects.get(source_ref="1000010").regular_hours.order_by("weekday")
    assert list(hours.values_list("weekday", "period_begin", "period_end")) == [
        (day, "06:00", "22:00") for day in range(1, 8)
    ]
    assert Location.objects.filter(source="bnetza", twentyfourseven=True).count() == 9
    ccs = Connector.objects.filter(evse__location__source="bnetza", standard="IEC_62196_T2_COMBO", rated_power_w=150000)
    assert ccs.count() == 56
    assert set(ccs.values_list("power_type", "max_voltage", "max_amperage", "max_electric_power")) == {
        ("DC", 920, 164, 150000)
    }
    assert not Location.objects.filter(source_ref="1000187").exists()  # the skipped record left nothing behind
    # payment_systems: credit card by reader and by NFC, online payment, RFID card
    card_evse = EVSE.objects.filter(location__source_ref="1000203").first()
    assert card_evse is not None
    assert card_evse.capabilities == [
        "CREDIT_CARD_PAYABLE",
        "CHIP_CARD_SUPPORT",
        "PED_TERMINAL",
        "CONTACTLESS_CARD_SUPPORT",
        "REMOTE_START_STOP_CAPABLE",
        "RFID_READER",
    ]
    first_evse = first.evses.first()
    assert first_evse is not None
    assert first_evse.capabilities == []

    stamps = dict(Location.objects.values_list("pk", "last_updated"))
    assert "918 records: 0 created, 0 updated, 917 unchanged, 0 repaired, 1 rejected" in run_import(BNETZA, "bnetza")
    assert dict(Location.objects.values_list("pk", "last_updated")) == stamps
    assert _counts("bnetza") == (917, 1818, 2006)


def test_reimport_updates_in_place(tmp_path):
    """A changed source record updates its location; a charging point gone from the source becomes REMOVED."""
    raw = NOBIL.read_bytes()
    head, body = raw.split(b"\n\n", 1)
    run_import(NOBIL, "nobil")
    document = json.loads(body)
    station = next(s for s in document["chargerstations"] if s["csmd"]["id"] == 2058)
    station["csmd"]["name"] = "Fortum McDonald's Vaksalagatan"
    del station["attr"]["conn"]["3"]
    changed = tmp_path / "changed.http"
    changed.write_bytes(head + b"\n\n" + json.dumps(document).encode())

    assert "23 records: 0 created, 1 updated, 22 unchanged, 0 repaired, 0 rejected" in run_import(changed, "nobil")
    location = Location.objects.get(source_ref="2058")
    assert location.name == "Fortum McDonald's Vaksalagatan"
    assert dict(location.evses.values_list("uid", "status"))["nobil-2058-3"] == "REMOVED"
    assert _counts("nobil") == (23, 86, 86)
