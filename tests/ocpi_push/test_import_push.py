"""Imported locations reach partners as a whole: no per-location signal, a few PUTs or one catalogue resend."""

from __future__ import annotations

import json

import pytest

from chargepoints.importers import get_parser
from chargepoints.importers.runner import import_records
from chargepoints.signals import location_changed
from ocpi_api.push.models import CatalogueResend, OutboxItem
from tests.chargepoints.test_import_repairs import clean_location

from .conftest import receiving_partner

pytestmark = pytest.mark.django_db(transaction=True)


def _import(count: int) -> None:
    parser = get_parser("ocpi")
    feed = json.dumps([clean_location(f"LOC-{n}", f"EVSE-{n}") for n in range(count)]).encode()
    report = import_records(parser=parser, records=parser.split(feed))
    assert report.created == count


def test_a_small_import_is_put_location_by_location_without_per_row_signals(receiver, fast_push, settle):
    partner = receiving_partner(receiver, "locations")
    per_row: list[object] = []
    location_changed.connect(per_row.append, dispatch_uid="test.per_row")
    try:
        _import(3)
    finally:
        location_changed.disconnect(dispatch_uid="test.per_row")
    settle()
    assert per_row == []
    rows = OutboxItem.objects.filter(partner=partner)
    assert sorted(rows.values_list("method", "path")) == [("PUT", f"DE/ABC/LOC-{n}") for n in range(3)]
    assert set(receiver.locations) == {f"DE/ABC/LOC-{n}" for n in range(3)}
    assert not CatalogueResend.objects.exists()


def test_a_large_import_is_one_catalogue_resend_per_partner(receiver, fast_push, settle, monkeypatch):
    monkeypatch.setattr("ocpi_api.push.catalogue.IMPORT_PUSH_LIMIT", 4)
    monkeypatch.setattr("chargepoints.importers.runner.BATCH_SIZE", 3)  # four batches, still one announcement
    first = receiving_partner(receiver, "locations", name="One", party_id="ONE")
    second = receiving_partner(receiver, "locations", name="Two", party_id="TWO")
    _import(10)
    settle()
    for partner in (first, second):
        jobs = CatalogueResend.objects.filter(partner=partner)
        assert list(jobs.values_list("requested_by", "status", "total")) == [("import_locations", "DONE", 10)]
        # The resend's one PUT per location, and nothing else queued by the import itself.
        assert OutboxItem.objects.filter(partner=partner).count() == 10
    assert len(receiver.locations) == 10
