"""Delivery in batches (ocpi_api.push.drain): one row per object per batch, each object's rows in order, rendering at
delivery, kept-alive connections per partner, and an unreachable partner's batch given back unsent."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from ocpi_api.models import Partner
from ocpi_api.push import delivery, drain
from ocpi_api.push.drain import claim_batch, drain_partner, send_batch
from ocpi_api.push.models import OutboxItem
from ocpi_api.push.services import push_enqueue

from .conftest import receiving_partner
from .receiver import Receiver

Status = OutboxItem.Status


def tariff_put(partner: Partner, tariff: str, minute: int) -> OutboxItem:
    row = push_enqueue(
        partner=partner,
        module="tariffs",
        object_key=f"tariffs/SE/CPO/{tariff}",
        method="PUT",
        path=f"SE/CPO/{tariff}",
        body={"id": tariff, "last_updated": f"2026-01-01T10:{minute:02d}:00Z"},
        coalesce=False,  # keep every row, so that the queue has several
    )
    assert row is not None
    return row


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_push")
def test_a_batch_takes_each_objects_oldest_row_and_the_next_batch_its_next(receiver: Receiver) -> None:
    # pytest-django's transaction never commits here, so nothing is sent until the test claims it.
    partner = receiving_partner(receiver, "tariffs")
    first = [tariff_put(partner, "T1", 1), tariff_put(partner, "T2", 2), tariff_put(partner, "T1", 3)]
    claims = claim_batch(partner.pk, 10)
    assert [c.item_id for c in claims] == [first[0].pk, first[1].pk]
    assert claim_batch(partner.pk, 10) == []  # T1's second row waits for its first, which is leased
    assert send_batch(claims) == 2
    [last] = claim_batch(partner.pk, 10)
    assert last.item_id == first[2].pk
    send_batch([last])
    assert [(c.path, c.body["last_updated"]) for c in receiver.calls] == [
        ("tariffs/SE/CPO/T1", "2026-01-01T10:01:00Z"),
        ("tariffs/SE/CPO/T2", "2026-01-01T10:02:00Z"),
        ("tariffs/SE/CPO/T1", "2026-01-01T10:03:00Z"),
    ]
    rows = OutboxItem.objects.order_by("id")
    assert [(r.status, r.attempts, r.attempt_log.count()) for r in rows] == [(Status.DELIVERED, 1, 1)] * 3


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_push")
def test_the_body_is_rendered_for_its_partner_when_it_is_sent(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = receiving_partner(receiver, "tariffs")
    row = tariff_put(partner, "T1", 1)
    rendered: list[tuple[int, int]] = []

    def render(items: Sequence[OutboxItem], to: Partner) -> list[Any]:
        rendered.extend((item.pk, to.pk) for item in items)
        return [{**(item.body or {}), "rendered_for": to.name} for item in items]

    monkeypatch.setattr(drain, "render_bodies", render)
    assert rendered == []  # not at enqueue
    assert drain_partner(partner.pk) == 1
    assert rendered == [(row.pk, partner.pk)]
    assert receiver.calls[0].body["rendered_for"] == partner.name
    row.refresh_from_db()
    assert "rendered_for" not in (row.body or {})  # the change is stored once, as it was queued


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_push")
def test_each_partner_has_its_own_kept_alive_connections(receiver: Receiver) -> None:
    one = receiving_partner(receiver, "tariffs", name="one", party_id="ONE")
    two = receiving_partner(receiver, "tariffs", name="two", party_id="TWO")
    assert delivery._http_pools(one.pk) is delivery._http_pools(one.pk)
    assert delivery._http_pools(one.pk) is not delivery._http_pools(two.pk)


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_push")
def test_an_unreachable_partner_ends_the_batch_and_gets_the_rest_back_unsent(receiver: Receiver) -> None:
    partner = receiving_partner(receiver, "tariffs")
    rows = [tariff_put(partner, f"T{n}", n) for n in range(3)]
    receiver.mode = "down"
    assert send_batch(claim_batch(partner.pk, 10)) == 1
    first, *rest = (OutboxItem.objects.get(pk=r.pk) for r in rows)
    assert (first.attempts, first.status, first.next_attempt_at > first.created) == (1, Status.PENDING, True)
    assert [(r.attempts, r.claimed_until, r.claim_token) for r in rest] == [(0, None, "")] * 2
    assert len(receiver.calls) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite has no SKIP LOCKED)")
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fast_push")
def test_drains_side_by_side_never_send_a_row_twice_nor_out_of_order(receiver: Receiver) -> None:
    partner = receiving_partner(receiver, "tariffs")
    with transaction.atomic():
        rows = [tariff_put(partner, f"T{n % 4}", n) for n in range(20)]
        # Not due yet, so that the delivery after commit leaves them to the drains below.
        OutboxItem.objects.update(next_attempt_at=rows[0].created.replace(year=2100))
    OutboxItem.objects.update(next_attempt_at=rows[0].created)
    receiver.mode, receiver.delay = "slow", 0.01
    start = threading.Barrier(4)
    calls: list[int] = []

    def worker() -> None:
        start.wait()
        try:
            calls.append(drain_partner(partner.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(calls) == 20
    assert len(receiver.calls) == 20
    for tariff in range(4):
        sent = [c.body["last_updated"] for c in receiver.calls if c.path == f"tariffs/SE/CPO/T{tariff}"]
        assert sent == sorted(sent)
        assert len(sent) == 5


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_push")
def test_a_partner_that_answers_again_gets_the_rows_it_missed_at_once(receiver: Receiver, settings) -> None:
    settings.OCPI_PUSH_RETRY_BASE, settings.OCPI_PUSH_RETRY_CAP = 300.0, 600.0  # production backoff: minutes
    partner = receiving_partner(receiver, "tariffs")
    receiver.mode = "500"  # the partner cannot take this one object
    refused = tariff_put(partner, "T0", 0)
    drain_partner(partner.pk)
    receiver.mode = "down"
    missed = [tariff_put(partner, f"T{n}", n) for n in (1, 2)]
    drain_partner(partner.pk)
    later = timezone.now() + timedelta(seconds=100)
    rows = OutboxItem.objects.filter(pk__in=[refused.pk, *(r.pk for r in missed)])
    assert [(r.status, r.attempts, r.next_attempt_at > later) for r in rows] == [(Status.PENDING, 1, True)] * 3
    receiver.mode = "up"
    tariff_put(partner, "T3", 3)
    # Its first success makes the rows that found it unreachable due: they go out in the same drain, not minutes later.
    assert drain_partner(partner.pk) == 3
    assert sorted(receiver.tariffs) == ["SE/CPO/T1", "SE/CPO/T2", "SE/CPO/T3"]
    refused.refresh_from_db()
    assert (refused.status, refused.attempts, refused.http_status) == (Status.PENDING, 1, 500)
    assert refused.next_attempt_at > later  # an object the partner answered about keeps its backoff
