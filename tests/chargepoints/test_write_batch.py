"""``WriteBatch``: a change's writes in one statement on PostgreSQL, one after another elsewhere, with the same result;
and the EVSE status change that uses it. These run on whichever database the suite runs on (SQLite by default)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from chargepoints.models import EVSE, EvseStatusPeriod, Location
from chargepoints.services import evse_set_status
from chargepoints.write_batch import WriteBatch
from ocpi_api.core.envelope import json_bytes
from ocpi_api.location_documents import location_document_bytes
from ocpi_api.models import LocationDocument
from ocpi_api.modules.locations.serializers import location_to_ocpi
from ocpi_api.push.models import OutboxItem
from tests.factories import evse_data, make_location
from tests.ocpi_push.conftest import receiving_partner
from tests.ocpi_push.receiver import Receiver

pytestmark = pytest.mark.django_db

_PERIODS = EvseStatusPeriod._meta.db_table


def test_the_statements_run_in_order_and_each_returns_its_rows() -> None:
    evse = make_location().evses.get()
    EvseStatusPeriod.objects.create(evse=evse, status="AVAILABLE", since=evse.last_updated)
    stamp = connection.ops.adapt_datetimefield_value(evse.last_updated)
    returned: dict[str, list[Any]] = {}
    ran_after: list[int] = []
    writes = WriteBatch()
    # Closing the open period before opening the next: in the other order the status_one_open constraint refuses it.
    writes.add(
        f'UPDATE "{_PERIODS}" SET "until" = %s WHERE "evse_id" = %s AND "until" IS NULL',  # noqa: S608
        [stamp, evse.pk],
        returning='"status"',
        then=lambda values: returned.update(closed=values),
    )
    writes.add(
        f'INSERT INTO "{_PERIODS}" ("evse_id", "status", "since", "until") VALUES (%s, %s, %s, NULL)',  # noqa: S608
        [evse.pk, "CHARGING", stamp],
        returning='"id"',
        then=lambda values: returned.update(opened=values),
    )
    writes.add(f'UPDATE "{_PERIODS}" SET "status" = %s WHERE "id" = %s', ["X", -1])  # noqa: S608
    writes.after(lambda: ran_after.append(EvseStatusPeriod.objects.filter(evse=evse).count()))
    with transaction.atomic():
        results = writes.execute()
    opened = EvseStatusPeriod.objects.get(evse=evse, until__isnull=True)
    assert returned == {"closed": ["AVAILABLE"], "opened": [opened.pk]}
    assert results == [["AVAILABLE"], [opened.pk], []]
    assert ran_after == [2]  # after every statement, seeing their rows


def test_a_status_change_is_one_statement_on_postgresql_with_its_document_and_outbox_rows() -> None:
    receiver = Receiver()  # not started: nothing is delivered in this test, only queued
    for n in range(3):
        receiving_partner(receiver, "locations", name=f"P{n}", party_id=f"P{n:02d}")
    location = make_location(evses=[evse_data(), evse_data()])
    evse = EVSE.objects.select_related("location").filter(location=location).order_by("id").first()
    assert evse is not None
    OutboxItem.objects.all().delete()
    with CaptureQueriesContext(connection) as captured:
        assert evse_set_status(evse=evse, status="CHARGING")
    statements = [q["sql"] for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    # The document read, then the change: one statement on PostgreSQL; elsewhere its six statements one by one.
    assert len(statements) == (2 if connection.vendor == "postgresql" else 7), statements
    evse.refresh_from_db()
    assert evse.status == "CHARGING"
    fresh = Location.objects.get(pk=location.pk)
    assert fresh.last_updated == evse.last_updated
    assert list(EvseStatusPeriod.objects.filter(evse=evse).values_list("status", "until")) == [("CHARGING", None)]
    rows = OutboxItem.objects.filter(method="PATCH")
    assert rows.count() == 3
    assert {tuple(sorted(row.body or {})) for row in rows} == {("last_updated", "status")}
    # The stored document was patched in place, byte for byte what the serializer gives now.
    document = LocationDocument.objects.get(location=location)
    assert document.last_updated == fresh.last_updated
    assert bytes(document.body) == json_bytes(location_to_ocpi(fresh))
    assert location_document_bytes(location.pk) == bytes(document.body)


def test_a_document_out_of_date_is_rebuilt_in_the_changes_transaction() -> None:
    """Only a current document is patched; one whose stamp is not its location's is rebuilt once the change ran."""
    location = make_location()
    evse = EVSE.objects.select_related("location").get(location=location)
    LocationDocument.objects.filter(location=location).update(last_updated=location.last_updated.replace(year=2000))
    with transaction.atomic():
        evse_set_status(evse=evse, status="BLOCKED")
        document = LocationDocument.objects.get(location=location)
        fresh = Location.objects.get(pk=location.pk)
        assert document.last_updated == fresh.last_updated
        assert bytes(document.body) == json_bytes(location_to_ocpi(fresh))
