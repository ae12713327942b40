"""Whole operator feeds with real-world faults: at least 9 in 10 Locations land, each fault reported; what we then
serve is strict OCPI 2.2.1 (the contract), and every field equals the input or is listed as repaired."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from chargepoints.importers import get_parser
from chargepoints.importers.runner import ImportReport, import_records
from chargepoints.models import LocationRepair
from ocpi_api.core.tokens import header_value, token_generate, token_hash
from ocpi_api.core.v211.locations import location_from_211, looks_like_211
from ocpi_api.models import Partner
from tests.chargepoints.feeds import FAULTS, PLACES, operator_document, operator_feed
from tests.ocpi_api.contract import LOCATION, validate

pytestmark = pytest.mark.django_db
COUNT = 100


def _import(feed: str) -> ImportReport:
    parser = get_parser("ocpi")
    return import_records(parser=parser, records=parser.split(operator_document(feed, COUNT)))


@pytest.mark.parametrize("feed", list(PLACES))
def test_nine_in_ten_land_with_each_fault_reported(feed):
    report = _import(feed)
    landed = report.created + report.updated + report.unchanged
    assert landed >= 0.9 * COUNT, report.skipped[:3]
    assert FAULTS[feed] <= set(report.repairs_by_rule), report.repairs_by_rule
    # Every record that had a fault is counted as repaired (the unrepairable ones are rejected or lose an EVSE).
    assert report.repaired >= landed - 1
    stored = LocationRepair.objects.count()
    assert stored == len([r for r in report.repairs if r.position - 1 not in _rejected_positions(report)])
    again = _import(feed)
    assert (again.created, again.updated, again.unchanged) == (0, 0, landed)


def _rejected_positions(report: ImportReport) -> set[int]:
    return {skipped.position - 1 for skipped in report.skipped}


def _pull(client: Client, headers: dict[str, Any]) -> list[dict[str, Any]]:  # WSGI environ keys
    url: str | None = "/ocpi/cpo/2.2.1/locations?limit=100"
    served = []
    while url:
        response = client.get(url, **headers)
        assert response.status_code == 200, response.content[:300]
        served += response.json()["data"]
        link = response.headers.get("Link")
        url = link[1 : link.index(">")] if link else None
    return served


def _flatten(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat |= _flatten(item, f"{path}.{key}" if path else key)
        return flat
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        flat = {}
        for index, item in enumerate(value):
            flat |= _flatten(item, f"{path}[{index}]")
        return flat
    return {path: value}


def _covered(path: str, repaired: set[str]) -> bool:
    """A field is accounted for when it, or the object or list it belongs to, was repaired."""
    return any(path == r or path.startswith(r + ".") or path.startswith(r + "[") for r in repaired)


@pytest.mark.parametrize("feed", list(PLACES))
def test_round_trip_serves_strict_2_2_1_and_every_difference_is_a_repair(feed):
    partner_token = token_generate()
    Partner.objects.create(
        name="eMSP", country_code="NL", party_id="EMS", status=Partner.Status.REGISTERED, version="2.2.1",
        token_hash=token_hash(partner_token), outbound_token=token_generate(),
    )  # fmt: skip
    report = _import(feed)
    served = {
        str(doc["id"]): doc
        for doc in _pull(Client(), {"HTTP_AUTHORIZATION": header_value(partner_token, base64_encoded=True)})
    }
    assert len(served) == report.created

    for errors in (validate(doc, LOCATION) for doc in served.values()):
        assert errors == []
    inputs = operator_feed(feed, COUNT)
    rejected = _rejected_positions(report)
    for position, source in enumerate(inputs):
        if position in rejected:
            continue
        repaired = {r.repair.field for r in report.repairs if r.position == position + 1}
        repaired |= {p.part for p in report.parts_left_out if p.position == position + 1}
        if looks_like_211(source):
            source, _ = location_from_211(source, country_code="", party_id="")
        served_doc = _flatten(served[str(source["id"])])
        for path, value in _flatten(source).items():
            if value is None or path.endswith("last_updated"):
                continue  # null is absent; last_updated is ours: when the location changed on our platform
            if _covered(path, repaired):
                continue
            assert served_doc.get(path) == value, (feed, position, path, value, served_doc.get(path))


def test_the_feeds_documents_are_in_their_shapes():
    assert operator_document("fr", 1).startswith(b"\xef\xbb\xbf")
    assert "status_code" not in json.loads(operator_document("nl", 1))
