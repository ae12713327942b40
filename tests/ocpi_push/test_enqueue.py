"""Outbox rows: written with the change, for the right partners, and coalesced while they wait, when a worker claims
their queue (``ocpi_api.push.coalesce``). Nothing is sent here (pytest-django's transaction never commits), so every
row stays PENDING unless a test folds or claims it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chargepoints.models import EVSE, Location
from chargepoints.services import evse_set_status, location_set_roaming, location_upsert, station_announce_change
from ocpi_api.core.envelope import format_datetime
from ocpi_api.models import Partner
from ocpi_api.push.coalesce import fold_queues
from ocpi_api.push.delivery import _claim
from ocpi_api.push.drain import claim_batch
from ocpi_api.push.keys import location_key, location_path
from ocpi_api.push.models import OutboxItem
from ocpi_api.push.selectors import push_partners
from ocpi_api.push.services import push_broadcast, push_enqueue, push_enqueue_many
from tariffs.services import TariffInput, tariff_replace
from tests.admin_forms import admin_post as _admin_post
from tests.factories import location_data, make_location

from .conftest import receiving_partner
from .receiver import Receiver

pytestmark = pytest.mark.django_db
PENDING = OutboxItem.Status.PENDING

TARIFF: TariffInput = {
    "country_code": "SE",
    "party_id": "CPO",
    "id": "AC-1",
    "currency": "SEK",
    "elements": [{"price_components": [{"type": "ENERGY", "price": Decimal("3.25"), "step_size": 1}]}],
}


def pending() -> list[OutboxItem]:
    return list(OutboxItem.objects.filter(status=PENDING).order_by("id"))


def folded() -> list[OutboxItem]:
    """The waiting rows once folded as a worker claiming their queues folds them, without claiming any."""
    queues: dict[int, set[str]] = {}
    for row in pending():
        queues.setdefault(row.partner_id, set()).add(row.object_key)
    for partner_id, keys in queues.items():
        fold_queues(partner_id, keys, timezone.now())
    return pending()


def merged_into(target: OutboxItem) -> list[OutboxItem]:
    return list(OutboxItem.objects.filter(response_message=f"Merged into row {target.pk}.").order_by("id"))


def body_of(row: OutboxItem) -> dict[str, Any]:
    """The body of a queued PUT or PATCH (those always carry one)."""
    assert row.body is not None
    body: dict[str, Any] = row.body
    return body


def test_status_change_writes_one_patch_per_receiving_partner_in_the_same_transaction(receiver: Receiver) -> None:
    location = make_location()
    evse = location.evses.get()
    receiving = receiving_partner(receiver, "locations", name="A")
    receiving_partner(receiver, "tariffs", name="only tariffs", party_id="TAR")
    receiving_partner(receiver, "locations", name="pending", party_id="PEN", status=Partner.Status.PENDING)
    receiving_partner(None, name="no endpoints", party_id="NOE")
    with transaction.atomic():
        evse_set_status(evse=evse, status="CHARGING")
        # Visible inside the change's own transaction, before any commit.
        rows = pending()
    assert [(r.partner, r.module, r.method) for r in rows] == [(receiving, "locations", "PATCH")]
    evse.refresh_from_db()
    assert rows[0].object_key == f"locations/SE/CPO/{location.ocpi_id}"
    assert rows[0].path == f"SE/CPO/{location.ocpi_id}/{evse.uid}"
    assert rows[0].body == {"status": "CHARGING", "last_updated": format_datetime(evse.last_updated)}


def test_an_evse_change_costs_the_same_queries_however_many_evses_its_location_has(receiver: Receiver) -> None:
    receiving_partner(receiver, "locations", name="A")
    evse_data_list = location_data()["evses"]
    small = make_location().evses.get()
    large = make_location(evses=[{**evse_data_list[0], "uid": f"MANY-{n}", "evse_id": ""} for n in range(6)])

    def queries(evse: EVSE, status: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            evse_set_status(evse=evse, status=status)
        return len(captured)

    first_of_many = large.evses.order_by("id").first()
    assert first_of_many is not None
    assert queries(first_of_many, "CHARGING") == queries(small, "CHARGING")


def test_a_change_that_rolls_back_leaves_no_row(receiver: Receiver) -> None:
    evse = make_location().evses.get()
    receiving_partner(receiver)
    seen_inside: list[int] = []

    def failing_change() -> None:
        with transaction.atomic():
            evse_set_status(evse=evse, status="CHARGING")
            seen_inside.append(len(pending()))
            raise RuntimeError("the change fails after the status was saved")

    with pytest.raises(RuntimeError):
        failing_change()
    assert seen_inside == [1]
    assert pending() == []


def test_locations_outside_roaming_never_go_out(receiver: Receiver) -> None:
    receiving_partner(receiver)
    data = location_data(roaming_enabled=False)
    location = location_upsert(data=data).location
    evse_set_status(evse=location.evses.get(), status="CHARGING")
    location_upsert(data={**data, "name": "Renamed"})
    assert pending() == []
    location_set_roaming(location=location, enabled=True)
    [row] = pending()
    assert (row.method, row.path) == ("PUT", location_path(location))
    assert (body_of(row)["name"], len(body_of(row)["evses"])) == ("Renamed", 1)


def test_flapping_status_coalesces_into_one_patch_with_the_latest_state(receiver: Receiver) -> None:
    evse = make_location().evses.get()
    receiving_partner(receiver)
    for status in ["CHARGING", "AVAILABLE", "BLOCKED", "CHARGING"] * 5:
        evse_set_status(evse=evse, status=status)
    assert len(pending()) == 16  # a change only inserts (4 repeats of CHARGING were no change): the claim folds
    [row] = folded()
    evse.refresh_from_db()
    assert body_of(row)["status"] == "CHARGING"
    assert row.last_updated == evse.last_updated.replace(microsecond=evse.last_updated.microsecond // 1000 * 1000)
    assert len(merged_into(row)) == 15
    assert OutboxItem.objects.filter(status=OutboxItem.Status.SUPERSEDED).count() == 15


def test_a_change_inserts_its_rows_for_every_partner_in_one_statement(receiver: Receiver) -> None:
    evse = make_location().evses.get()
    partners = [receiving_partner(receiver, name=f"P{n}", party_id=f"P{n:02d}") for n in range(4)]
    evse_set_status(evse=evse, status="CHARGING")
    waiting = pending()[0]
    with CaptureQueriesContext(connection) as captured:
        rows = push_enqueue_many(
            partners=partners,
            module="locations",
            object_key=waiting.object_key,
            method="PATCH",
            path=waiting.path,
            body={"status": "AVAILABLE", "last_updated": "2030-01-01T00:00:00Z"},
        )
    assert [q["sql"].split()[0] for q in captured] == ["INSERT"]
    assert [r.partner for r in rows] == partners
    assert len(pending()) == 8  # nothing waiting was read, merged or locked


def test_the_claim_sends_the_folded_state_and_the_sweepers_claim_folds_too(receiver: Receiver) -> None:
    location = make_location(evses=[{**location_data()["evses"][0], "uid": f"E{n}", "evse_id": ""} for n in range(2)])
    first, second = location.evses.order_by("id")
    partner = receiving_partner(receiver)
    evse_set_status(evse=first, status="CHARGING")
    evse_set_status(evse=second, status="CHARGING")
    evse_set_status(evse=first, status="BLOCKED")
    evse_set_status(evse=first, status="OUTOFORDER")
    [claim] = claim_batch(partner.pk, 10)
    # The second EVSE's change goes first: the first EVSE's rows fold into its latest, which keeps its place, so
    # the calls keep rising last_updated values.
    assert (claim.url.rsplit("/", 1)[1], claim.body["status"]) == (second.uid, "CHARGING")
    assert [(r.path.rsplit("/", 1)[1], body_of(r)["status"]) for r in pending()] == [
        (second.uid, "CHARGING"),
        (first.uid, "OUTOFORDER"),
    ]
    # The single-row claim (the sweeper's, a staff retry's) folds the same way.
    OutboxItem.objects.filter(pk=claim.item_id).update(status=OutboxItem.Status.DELIVERED)
    evse_set_status(evse=first, status="AVAILABLE")
    evse_set_status(evse=first, status="CHARGING")
    single = _claim((partner.pk, location_key(location)))
    assert single is not None
    assert single.body == {"status": "CHARGING", "last_updated": format_datetime(first.last_updated)}
    assert len(pending()) == 1
    # BLOCKED and CHARGING merged into OUTOFORDER at the first claim, OUTOFORDER and AVAILABLE into CHARGING now.
    assert OutboxItem.objects.filter(status=OutboxItem.Status.SUPERSEDED).count() == 4


def test_a_location_put_replaces_waiting_rows_of_its_evses(receiver: Receiver) -> None:
    location = make_location(evses=[])
    data = location_data(ocpi_id=location.ocpi_id)
    location_upsert(data=data)
    receiving_partner(receiver)
    evse = Location.objects.get(pk=location.pk).evses.get()
    evse_set_status(evse=evse, status="CHARGING")
    assert [r.method for r in folded()] == ["PATCH"]
    location_upsert(data={**data, "name": "New name"})
    [row] = folded()
    assert (row.method, row.path, body_of(row)["name"]) == ("PUT", location_path(location), "New name")
    # A later status change queues behind the PUT, and the next PUT takes both.
    evse_set_status(evse=evse, status="AVAILABLE")
    assert [r.method for r in folded()] == ["PUT", "PATCH"]
    location_upsert(data={**data, "name": "Newer name"})
    assert [(r.method, body_of(r)["name"]) for r in folded()] == [("PUT", "Newer name")]
    replaced = OutboxItem.objects.filter(status=OutboxItem.Status.SUPERSEDED).order_by("id")
    # The first upsert set the EVSE back to its AVAILABLE through evse_set_status: a PATCH merged with the waiting
    # one, both then replaced by the PUT.
    assert [r.method for r in replaced] == ["PATCH", "PATCH", "PUT", "PATCH"]
    last_replaced = replaced.last()
    assert last_replaced is not None
    assert last_replaced.response_message == f"Merged into row {pending()[0].pk}."


def test_an_unchanged_import_sends_nothing_and_a_new_location_is_put(receiver: Receiver) -> None:
    receiving_partner(receiver)
    data = location_data()
    location = location_upsert(data=data).location
    [row] = pending()
    assert (row.method, row.object_key) == ("PUT", location_key(location))
    assert location_upsert(data=data).changed is False
    assert len(pending()) == 1


def test_a_repeated_status_is_not_sent_again(receiver: Receiver) -> None:
    evse = make_location().evses.get()
    partner = receiving_partner(receiver)
    evse_set_status(evse=evse, status="CHARGING")
    [row] = pending()
    OutboxItem.objects.filter(pk=row.pk).update(status=OutboxItem.Status.DELIVERED)
    # The same status again (a charger repeating itself through another path): nothing new to tell.
    again = push_enqueue(
        partner=partner,
        module="locations",
        object_key=row.object_key,
        method="PATCH",
        path=row.path,
        body={"status": "CHARGING", "last_updated": "2030-01-01T00:00:00Z"},
    )
    assert again is not None
    assert claim_batch(partner.pk, 10) == []
    again.refresh_from_db()
    assert (again.status, again.response_message) == (
        OutboxItem.Status.SUPERSEDED,
        f"Repeats row {row.pk}: nothing new to send.",
    )
    evse_set_status(evse=evse, status="AVAILABLE")
    assert [body_of(r)["status"] for r in folded()] == ["AVAILABLE"]


def test_session_patches_merge_and_append_charging_periods(receiver: Receiver) -> None:
    partner = receiving_partner(receiver, "sessions")
    common: dict[str, Any] = {
        "partner": partner,
        "module": "sessions",
        "object_key": "sessions/S1",
        "path": "SE/CPO/S1",
    }
    put = push_enqueue(
        **common,
        method="PUT",
        body={"id": "S1", "kwh": 0, "charging_periods": [], "last_updated": "2026-01-01T10:00:00Z"},
    )
    assert put is not None
    push_enqueue(
        **common,
        method="PATCH",
        body={"kwh": Decimal("1.5"), "charging_periods": [{"n": 1}], "last_updated": "2026-01-01T10:05:00Z"},
    )
    push_enqueue(
        **common,
        method="PATCH",
        body={"kwh": Decimal("2.25"), "charging_periods": [{"n": 2}], "last_updated": "2026-01-01T10:10:00Z"},
    )
    [row] = folded()
    assert row.pk > put.pk
    assert row.method == "PUT"
    assert row.body == {
        "id": "S1",
        "kwh": 2.25,
        "charging_periods": [{"n": 1}, {"n": 2}],
        "last_updated": "2026-01-01T10:10:00Z",
    }


def test_posts_are_never_coalesced_and_absolute_urls_need_no_endpoint(receiver: Receiver) -> None:
    partner = receiving_partner(receiver, "locations")
    assert push_enqueue(partner=partner, module="cdrs", object_key="cdrs/1", method="POST", body={"id": "1"}) is None
    url = "https://emsp.example/commands/START_SESSION/42"
    for _ in range(2):
        push_enqueue(
            partner=partner,
            module="commands",
            object_key="commands/42",
            method="POST",
            url=url,
            body={"result": "ACCEPTED"},
        )
    assert [(r.method, r.url) for r in folded()] == [("POST", url), ("POST", url)]


def test_tariffs_are_put_and_deleted(receiver: Receiver) -> None:
    receiving_partner(receiver, "tariffs")
    tariff = tariff_replace(data=TARIFF)
    [row] = pending()
    assert (row.method, row.path, row.object_key) == ("PUT", "SE/CPO/AC-1", "tariffs/SE/CPO/AC-1")
    assert body_of(row)["elements"][0]["price_components"][0]["price"] == 3.25
    tariff.delete()
    [row] = folded()
    assert (row.method, row.body) == ("DELETE", None)


def test_admin_saves_announce_the_change(receiver: Receiver, admin_client: Client) -> None:
    location = make_location()
    evse = location.evses.get()
    receiving_partner(receiver)
    _admin_post(admin_client, evse, {"status": "OUTOFORDER", "physical_reference": "7"})
    [row] = folded()
    assert (row.method, row.path, sorted(body_of(row))) == (
        "PATCH",
        location_path(location, evse),
        ["last_updated", "physical_reference", "status"],
    )
    _admin_post(admin_client, location, {"name": "Admin name"})
    assert body_of(folded()[-1]).keys() == {"name", "last_updated"}
    _admin_post(admin_client, location, {})  # saved without a change: nothing to tell
    _admin_post(admin_client, evse, {})
    assert len(folded()) == 2
    # A change in an inline (here a connector's amperage) puts the whole EVSE instead of its waiting PATCH, at the
    # end of the queue: its last_updated is the newest.
    _admin_post(admin_client, evse, {"connectors-0-max_amperage": "16"})
    patch, put = folded()
    assert (patch.method, patch.path) == ("PATCH", location_path(location))
    assert (put.method, put.path, body_of(put)["connectors"][0]["max_amperage"]) == ("PUT", row.path, 16)


def test_a_connector_change_is_patched_at_the_connector_url(receiver: Receiver) -> None:
    location = make_location()
    evse = location.evses.get()
    connector = evse.connectors.get()
    receiving_partner(receiver)
    connector.tariff_ids = ["AC-1"]
    connector.save()
    station_announce_change(location=location, evse=evse, connector=connector, changed_fields=["tariff_ids"])
    [row] = folded()
    connector.refresh_from_db()
    assert (row.method, row.path) == ("PATCH", f"SE/CPO/{location.ocpi_id}/{evse.uid}/{connector.connector_id}")
    assert row.body == {"tariff_ids": ["AC-1"], "last_updated": format_datetime(connector.last_updated)}
    # Clearing a field cannot be a PATCH (it would leave the old value): the whole connector is PUT.
    connector.tariff_ids = []
    connector.save()
    station_announce_change(location=location, evse=evse, connector=connector, changed_fields=["tariff_ids"])
    [row] = folded()
    assert row.method == "PUT"
    assert "tariff_ids" not in body_of(row)
    assert body_of(row)["id"] == connector.connector_id


def test_a_broadcast_reaches_exactly_the_partners_push_partners_names(receiver: Receiver) -> None:
    """``push_broadcast`` chooses its partners in SQL: the same ones as ``Partner.endpoint_url`` in Python."""
    url = f"{receiver.base_url}/locations"
    endpoints: list[list[dict[str, Any]]] = [
        [{"identifier": "locations", "role": "RECEIVER", "url": url}],
        [{"identifier": "locations", "url": url}],  # 2.1.1: no role
        [{"identifier": "locations", "role": None, "url": url}],
        [{"identifier": "locations", "role": "SENDER", "url": url}],
        [{"identifier": "tariffs", "role": "RECEIVER", "url": url}],
        [{"identifier": "tariffs", "role": "SENDER", "url": url}, {"identifier": "locations", "url": url}],
        [],
    ]
    partners = [receiving_partner(None, name=f"P{n}", party_id=f"P{n:02d}") for n in range(len(endpoints) + 1)]
    for partner, listed in zip(partners, [*endpoints, endpoints[0]], strict=True):
        partner.endpoints = listed
        partner.save()
    partners[-1].status = Partner.Status.PENDING
    partners[-1].save()
    location = make_location()
    key, path = location_key(location), location_path(location, location.evses.get())
    with CaptureQueriesContext(connection) as captured:
        queued = push_broadcast(module="locations", object_key=key, method="PATCH", path=path, body={"status": "X"})
    assert len(captured) == 1
    expected = [p.pk for p in push_partners(module="locations")]
    assert expected == [partners[n].pk for n in (0, 1, 2, 5)]
    assert queued == len(expected)
    assert [r.partner_id for r in pending() if r.method == "PATCH"] == expected
