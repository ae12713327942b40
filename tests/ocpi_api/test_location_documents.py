"""The stored Locations documents (``ocpi_api.location_documents``): byte for byte what the serializers give now, after
every write path, for the specification's examples and the demo data; and what the list serves.

The example files are read, never written (CC BY-ND).
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from chargepoints.importers import get_parser
from chargepoints.importers.runner import import_records
from chargepoints.models import EVSE, Connector, Location, touch_location
from chargepoints.selectors import location_list_for_sync
from chargepoints.services import (
    evse_set_status,
    location_set_roaming,
    location_upsert,
    station_announce_change,
)
from ocpi_api.location_documents import (
    location_document,
    location_document_bytes,
    location_documents_rebuild,
)
from ocpi_api.models import LocationDocument
from ocpi_api.modules.locations.serializers import location_input_from_ocpi, location_to_ocpi
from tests.factories import connector_data, evse_data, location_data
from tests.ocpi_api.conftest import auth
from tests.ocpi_api.test_location_codec import (
    ENERGY_MIX_EXAMPLES,
    HOURS_EXAMPLES,
    LOCATION_EXAMPLES,
    example,
)

pytestmark = pytest.mark.django_db
URL = "/ocpi/cpo/2.2.1/locations"


def rendered(location_id: int) -> bytes:
    """The location serialized now and rendered as DRF renders every other OCPI answer."""
    return bytes(JSONRenderer().render(location_to_ocpi(location_list_for_sync().get(pk=location_id))))


def stored(location_id: int) -> bytes:
    return bytes(LocationDocument.objects.get(location_id=location_id).body)


def assert_all_current() -> None:
    """Every roaming location has its document, current (stamp) and byte-identical to a fresh serialization."""
    locations = dict(Location.objects.filter(roaming_enabled=True).values_list("pk", "last_updated"))
    documents = {d.location_id: d for d in LocationDocument.objects.all()}
    assert set(documents) == set(locations)
    for pk, last_updated in locations.items():
        assert documents[pk].last_updated == last_updated, pk
        assert bytes(documents[pk].body) == rendered(pk), pk


def spec_document(name: str) -> dict[str, Any]:
    """A location example as it is, or location_example.json with an opening-times or energy-mix example."""
    if name in LOCATION_EXAMPLES:
        return example(name)
    if name in HOURS_EXAMPLES:
        return example("location_example.json") | {"opening_times": example(name).get("opening_times", example(name))}
    return example("location_example.json") | example(name)


@pytest.mark.parametrize("name", LOCATION_EXAMPLES + HOURS_EXAMPLES + ENERGY_MIX_EXAMPLES)
def test_every_spec_example_is_stored_byte_identical(name):
    location_upsert(data=location_input_from_ocpi(spec_document(name)))
    assert LocationDocument.objects.count() == 1
    assert_all_current()


def test_the_demo_data_is_stored_byte_identical():
    call_command("seed_demo", verbosity=0)
    assert Location.objects.filter(roaming_enabled=True).count() > 0
    assert_all_current()


def test_status_changes_and_edits_keep_the_document_current():
    location = location_upsert(data=location_data(evses=[evse_data(), evse_data()])).location
    evse = EVSE.objects.filter(location=location).order_by("id").first()
    assert evse is not None
    assert_all_current()
    for status in ("CHARGING", "OUTOFORDER", "REMOVED"):
        evse_set_status(evse=evse, status=status)
        assert_all_current()
    assert json.loads(stored(location.pk))["evses"][0]["status"] == "REMOVED"
    # An admin edit: the form saves the model, the service announces it.
    connector = Connector.objects.filter(evse=evse).get()
    connector.max_amperage = 16
    connector.save()
    station_announce_change(location=location, evse=evse, connector=connector, changed_fields=["max_amperage"])
    assert_all_current()
    # A full replacement with another EVSE: the EVSE left out is REMOVED.
    data = location_data(ocpi_id=location.ocpi_id, evses=[evse_data(connectors=[connector_data(max_voltage=400)])])
    location_upsert(data=data)
    assert_all_current()


def test_a_status_change_patches_a_current_document_and_rebuilds_a_stale_one():
    location = location_upsert(data=location_data(evses=[evse_data(), evse_data()])).location
    first, second = EVSE.objects.filter(location=location).order_by("id")

    def queries(evse: EVSE, status: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            evse_set_status(evse=evse, status=status)
        return len(captured)

    patched = queries(first, "CHARGING")
    assert_all_current()
    # A change that did not announce itself (the stamp moved): the next status change rebuilds, never patches it.
    Location.objects.filter(pk=location.pk).update(name="Renamed quietly")
    touch_location(location.pk, timezone.now())
    rebuilt = queries(second, "BLOCKED")
    assert_all_current()
    assert json.loads(stored(location.pk))["name"] == "Renamed quietly"
    assert patched < rebuilt


def test_a_location_leaving_roaming_loses_its_document_and_gets_it_back():
    location = location_upsert(data=location_data(evses=[evse_data()])).location
    location_set_roaming(location=location, enabled=False)
    assert not LocationDocument.objects.filter(location=location).exists()
    assert location_document(location.pk) is None
    location_set_roaming(location=location, enabled=True)
    assert_all_current()


def test_a_bulk_import_stores_documents_in_its_batch():
    records = [dict(example("location_example.json"), id=f"IMPORT-{n}") for n in range(3)]
    for n, record in enumerate(records):
        record["evses"] = [dict(evse, uid=f"{evse['uid']}-{n}") for evse in record["evses"]]
    parser = get_parser("ocpi")
    report = import_records(parser=parser, records=parser.split(json.dumps(records).encode()))
    assert report.created == 3, report.skipped
    assert_all_current()
    # Again, changed: these go through location_upsert without announcing each location.
    for record in records:
        record["name"] = "Renamed"
        record["evses"][0]["status"] = "CHARGING"
    report = import_records(parser=parser, records=parser.split(json.dumps(records).encode()))
    assert report.updated == 3, report.skipped
    assert_all_current()


def test_a_document_out_of_date_is_never_served(partner):
    _, token = partner
    location = location_upsert(data=location_data(name="Before", evses=[evse_data()])).location
    # A write path that forgot to announce: the stamp no longer matches, so the list serializes it afresh.
    Location.objects.filter(pk=location.pk).update(name="After")
    touch_location(location.pk, location.last_updated.replace(year=2030))
    served = Client().get(URL, **auth(token)).json()["data"]
    assert [item["name"] for item in served] == ["After"]
    assert location_document_bytes(location.pk) == rendered(location.pk)
    LocationDocument.objects.all().delete()
    assert location_document_bytes(location.pk) == rendered(location.pk)


def test_the_list_is_the_stored_documents_in_the_envelope(partner):
    _, token = partner
    for _ in range(3):
        location_upsert(data=location_data(evses=[evse_data()]))
    LocationDocument.objects.update(body=b'{"stored":true}')  # what is served comes from the table
    response = Client().get(f"{URL}?limit=2", **auth(token))
    body = response.json()
    assert response["Content-Type"] == "application/json"
    assert body["data"] == [{"stored": True}] * 2
    assert body["status_code"] == 1000
    assert body["status_message"] == "Success"
    assert response["X-Total-Count"] == "3"
    assert 'rel="next"' in response["Link"]


def test_a_page_costs_the_same_queries_whatever_its_size(partner):
    _, token = partner
    client = Client()
    client.get(URL, **auth(token))  # the first call records the partner
    for _ in range(2):
        location_upsert(data=location_data(evses=[evse_data(), evse_data()]))
    with CaptureQueriesContext(connection) as small:
        client.get(f"{URL}?limit=1", **auth(token))
    for _ in range(20):
        location_upsert(data=location_data(evses=[evse_data()]))
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(f"{URL}?limit=20", **auth(token)).json()["data"]) == 20
    assert len(small.captured_queries) == len(large.captured_queries)


def test_rebuild_fills_documents_for_rows_written_without_the_services():
    location = location_upsert(data=location_data(evses=[evse_data()])).location
    LocationDocument.objects.all().delete()
    assert location_documents_rebuild(Location.objects.values_list("pk", flat=True)) == 1
    assert stored(location.pk) == rendered(location.pk)


def test_the_command_builds_every_document():
    location_upsert(data=location_data(evses=[evse_data()]))
    LocationDocument.objects.all().delete()
    call_command("ocpi_location_documents", stdout=io.StringIO())
    assert_all_current()
