"""The bulk import's writes store exactly what Django's ``bulk_create`` stores, value for value; and its other
shortcut, sparing the garbage collector, is undone when it ends."""

from __future__ import annotations

import gc
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.forms.models import model_to_dict

from chargepoints.importers import get_parser
from chargepoints.importers.rows import _cell, _NotCopyable, insert_rows
from chargepoints.importers.runner import import_records
from chargepoints.models import EVSE, Connector, ExceptionalPeriod, Location, LocationRepair
from tests.chargepoints.test_import_repairs import clean_location

pytestmark = pytest.mark.django_db

NOW = datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)


def _location(ocpi_id: str, **values: Any) -> Location:
    return Location(
        ocpi_id=ocpi_id,
        country_code="DE",
        party_id="ABC",
        address="Straße 1 \"quoted\" 'single' \\ back",
        city="Berlin",
        country="DEU",
        latitude="52.520008",
        longitude="13.404954",
        lat=52.520008,
        lon=13.404954,
        time_zone="Europe/Berlin",
        created=NOW,
        last_updated=NOW,
        **values,
    )


def _stored(obj: Any) -> dict[str, Any]:
    values = model_to_dict(type(obj).objects.get(pk=obj.pk))
    return {key: value for key, value in values.items() if key not in ("id", "ocpi_id", "location", "evse", "uid")}


def test_rows_are_stored_as_bulk_create_stores_them():
    shapes: dict[str, Any] = {
        "operator": {"name": "Ünïcode Ö", "logo": None},
        "owner": None,
        "directions": [{"language": "de", "text": "Links,\tdann\n10 m \\N \\ \r"}],
        "facilities": [],
        "energy_mix": {"is_green_energy": True, "energy_sources": [{"source": "SOLAR", "percentage": 12.5}]},
        "twentyfourseven": None,
        "publish": False,
    }
    ours, theirs = _location("ROWS-1", **shapes), _location("ROWS-2", **shapes)
    insert_rows(Location, [ours])
    Location.objects.bulk_create([theirs])
    assert ours.pk is not None
    assert ours._state.adding is False
    assert _stored(ours) == _stored(theirs)

    evses = [EVSE(location=ours, uid=f"E-{n}", status="AVAILABLE", last_updated=NOW) for n in range(2)]
    twins = [EVSE(location=theirs, uid=f"T-{n}", status="AVAILABLE", last_updated=NOW) for n in range(2)]
    insert_rows(EVSE, evses)
    EVSE.objects.bulk_create(twins)
    assert [_stored(e) for e in evses] == [_stored(e) for e in twins]

    plug = {"connector_id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE"}
    ours_plug = Connector(evse=evses[0], max_voltage=230, max_amperage=True, tariff_ids=["AC"], **plug)
    their_plug = Connector(evse=twins[0], max_voltage=230, max_amperage=True, tariff_ids=["AC"], **plug)
    ours_plug.last_updated = their_plug.last_updated = NOW
    ours_plug.rated_power_w = their_plug.rated_power_w = 22_080
    insert_rows(Connector, [ours_plug])
    Connector.objects.bulk_create([their_plug])
    assert _stored(ours_plug) == _stored(their_plug)

    repairs = [
        LocationRepair(location=ours, rule="r", field="f", before=b, after=1.5, imported_at=NOW)
        for b in ("x", 7, None, [1])
    ]
    copies = [
        LocationRepair(location=theirs, rule="r", field="f", before=b, after=1.5, imported_at=NOW)
        for b in ("x", 7, None, [1])
    ]
    insert_rows(LocationRepair, repairs)
    LocationRepair.objects.bulk_create(copies)
    assert [_stored(r) for r in repairs] == [_stored(r) for r in copies]
    assert [r.before for r in LocationRepair.objects.filter(location=ours).order_by("pk")] == ["x", 7, None, [1]]


def test_many_rows_are_split_into_statements_the_database_takes():
    location = _location("ROWS-3")
    insert_rows(Location, [location])
    periods = [
        ExceptionalPeriod(location=location, kind="closing", period_begin=NOW, period_end=NOW) for _ in range(17_000)
    ]
    insert_rows(ExceptionalPeriod, periods)
    assert len({period.pk for period in periods}) == 17_000
    assert ExceptionalPeriod.objects.filter(location=location).count() == 17_000


def test_copy_text_spells_every_kind_of_value_the_import_writes():
    assert _cell("Links,\tdann\n10 m \\N\r") == "Links,\\tdann\\n10 m \\\\N\\r"
    assert _cell(LocationRepair.Status.OPEN) == "open"
    assert [_cell(v) for v in (None, True, False, 230, 1.5)] == ["\\N", "t", "f", "230", "1.5"]
    assert _cell(NOW) == "2024-05-01T10:00:00.123456+00:00"
    with pytest.raises(_NotCopyable):
        _cell(object())


def test_an_import_leaves_the_garbage_collector_as_it_found_it():
    parser = get_parser("ocpi")
    feed = json.dumps([clean_location(f"GC-{n}", f"GC-EVSE-{n}") for n in range(3)]).encode()
    import_records(parser=parser, records=parser.split(feed))
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        import_records(parser=parser, records=parser.split(feed))
        assert 0 < gc.get_freeze_count() <= frozen  # theirs stay frozen (less any freed), none of ours added
    finally:
        gc.unfreeze()
