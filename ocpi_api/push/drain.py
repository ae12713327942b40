"""Delivery in batches: each partner's due queue heads are claimed together, sent one after another over the
partner's kept-alive connections (urllib3 pools behind the outgoing-URL guard), and their successes recorded
together; partners are served side by side in threads.

A batch takes at most one row per queue (the head of each (partner, object_key) queue), so each object's calls still
go out strictly one at a time and in order, while different objects of a partner, and different partners, no longer
wait for each other's bookkeeping. Row by row, the rules are those of ``ocpi_api.push.delivery`` (leases, outcomes,
retries, the PUT after a refused PATCH); GUARANTEES.md says what they promise.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone

from .coalesce import fold_queues
from .delivery import (
    Claim,
    Outcome,
    _ancestors_or_self,
    _call_seconds,
    _finish,
    _lease,
    _record,
    _send,
    _target,
    attempt_of,
    catch_up,
)
from .models import DeliveryAttempt, OutboxItem
from .render import render_bodies
from .services import Status, supersede, update_each
from .signals import push_delivered
from .wake import drain_started, queue_drain, wake

logger = logging.getLogger(__name__)

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _forget_pool() -> None:
    global _pool
    _pool = None  # a forked worker starts its own threads


os.register_at_fork(after_in_child=_forget_pool)


def _threads() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=settings.OCPI_PUSH_THREADS, thread_name_prefix="ocpi-push")
        return _pool


def push_drain(*, partner_ids: Sequence[int] | None = None) -> int:
    """Deliver the due rows of these partners (of every partner with due rows when None) until none is left.
    Returns the number of calls made.

    Each partner is drained in a thread of its own, with a database connection of its own; a partner whose thread
    ran out of work gets a new one as soon as new rows of it are due, while the others go on, for up to
    ``OCPI_PUSH_DRAIN_SECONDS`` (then a new drain is queued). When Celery runs eagerly (tests, the zero-service
    setup) the partners are drained here, one after another: the caller's transaction is this thread's.
    """
    if current_app.conf.task_always_eager:
        return sum(drain_partner(partner_id) for partner_id in partner_ids or _due_partners())
    drain_started()
    deadline = time.monotonic() + float(settings.OCPI_PUSH_DRAIN_SECONDS)
    running: dict[Future[int], int] = {}
    calls = 0
    while True:
        busy = set(running.values())
        if time.monotonic() < deadline:
            for partner_id in _due_partners():
                if partner_id not in busy:
                    running[_threads().submit(_drain_in_thread, partner_id)] = partner_id
        if not running:
            return calls
        # Partners without a thread are looked at again every _IDLE_PAUSE: their new rows must not wait for the
        # busiest partner's thread to finish.
        finished, _ = wait(running, timeout=_IDLE_PAUSE, return_when=FIRST_COMPLETED)
        made = sum(future.result() for future in finished)
        for future in finished:
            del running[future]
        calls += made
        if finished and not made:
            time.sleep(_IDLE_PAUSE)  # their due rows are held by a change or another worker right now
        if time.monotonic() >= deadline and not running:
            if _due_partners():
                queue_drain()
            return calls


# How often a drain looks for partners with newly due rows, and how long it waits before it looks again at
# partners whose due rows it could not claim.
_IDLE_PAUSE = 0.05


def _due_partners() -> list[int]:
    """Partners with a queue whose head is due and not being sent: what a drain can claim now."""
    now = timezone.now()
    waiting = OutboxItem.objects.filter(status=Status.PENDING)
    heads = waiting.order_by().values("partner_id", "object_key").annotate(head=Min("id")).values("head")
    due = OutboxItem.objects.filter(pk__in=heads, next_attempt_at__lte=now).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    )
    return list(due.order_by().values_list("partner_id", flat=True).distinct())


def _drain_in_thread(partner_id: int) -> int:
    try:
        return drain_partner(partner_id)
    except Exception:
        logger.exception("OCPI push drain of partner %s failed; its rows stay queued for the sweeper", partner_id)
        return 0
    finally:
        if connection.errors_occurred:
            connection.close()  # the next drain in this thread connects afresh


def drain_partner(partner_id: int) -> int:
    """Claim, send and record batches of the partner's due queue heads until none can be claimed, or for at most
    ``OCPI_PUSH_DRAIN_SECONDS``. Returns the number of calls made."""
    calls = 0
    deadline = time.monotonic() + float(settings.OCPI_PUSH_DRAIN_SECONDS)
    size = int(settings.OCPI_PUSH_CLAIM_BATCH)
    while time.monotonic() < deadline and (claims := claim_batch(partner_id, size)):
        if len(claims) == size and not current_app.conf.task_always_eager:
            wake([partner_id])  # more is waiting: an idle worker process may take a share
        calls += send_batch(claims)
    return calls


def claim_batch(partner_id: int, limit: int) -> list[Claim]:
    """Lease up to ``limit`` due heads of the partner's queues, oldest first. Rows another transaction holds (a
    change coalescing into them, another worker) are skipped, and so is the rest of their queue. Rows that are
    finished without a call (stale, no endpoint) are finished here and not returned."""
    while True:
        claims, finished_without_call = _claim_batch_once(partner_id, limit)
        if claims or not finished_without_call:
            return claims  # else the rows behind those finished ones may be due: look again


def _claim_batch_once(partner_id: int, limit: int) -> tuple[list[Claim], bool]:
    with transaction.atomic():
        now = timezone.now()
        waiting = OutboxItem.objects.filter(partner_id=partner_id, status=Status.PENDING)
        heads = waiting.order_by().values("object_key").annotate(head=Min("id")).values("head")
        locked = list(
            OutboxItem.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("partner")
            .filter(pk__in=heads, next_attempt_at__lte=now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
            .only("object_key", "partner")
            .order_by("id")[:limit]
        )
        if not locked:
            return [], False
        partner, held = locked[0].partner, [head.object_key for head in locked]
        folded = fold_queues(partner_id, held, now)
        rows = [row for key in held if (row := folded.get(key)) is not None and row.next_attempt_at <= now]
        for row in rows:
            row.partner = partner
        fresh = _drop_stale(partner_id, rows)
        targets = [(item, _target(item, partner)) for item in fresh]
        for item, (url, problem) in targets:
            if url is None:
                _finish(item, Status.FAILED, Outcome(DeliveryAttempt.Outcome.FAILED, None, None, problem))
        sendable = [(item, url) for item, (url, _problem) in targets if url is not None]
        token = uuid.uuid4().hex
        OutboxItem.objects.filter(pk__in=[item.pk for item, _url in sendable]).update(
            claim_token=token, claimed_until=now + _lease(), attempts=F("attempts") + 1, updated=now
        )
    send_by = time.monotonic() + _lease().total_seconds() - _call_seconds()
    # One lookup of the Locations a 2.1.1 partner's Sessions and CDRs carry, for the whole batch.
    bodies = render_bodies([item for item, _url in sendable], partner)
    claims = [
        Claim(item.pk, token, partner, item.method, url, body, send_by)
        for (item, url), body in zip(sendable, bodies, strict=True)
    ]
    # Queues folded away whole, stale rows and rows without an endpoint are finished: the rows behind may be due.
    finished_without_call = any(folded.get(key, False) is None for key in held) or len(sendable) < len(rows)
    return claims, finished_without_call


def _drop_stale(partner_id: int, rows: list[OutboxItem]) -> list[OutboxItem]:
    """Supersede the rows older than what the partner already got for their path or a parent path; the others."""
    dated = [item for item in rows if item.last_updated is not None and item.path]
    if not dated:
        return rows
    delivered = (
        OutboxItem.objects.filter(
            partner_id=partner_id,
            status=Status.DELIVERED,
            object_key__in={item.object_key for item in dated},
            path__in={path for item in dated for path in _ancestors_or_self(item.path)},
        )
        .order_by()
        .values_list("object_key", "path")
        .annotate(newest=Max("last_updated"))
    )
    newest: dict[tuple[str, str], datetime] = {(key, path): value for key, path, value in delivered}
    fresh = []
    for item in rows:
        sent = item.last_updated
        paths = _ancestors_or_self(item.path) if sent is not None and item.path else []
        stale = [p for p in paths if sent is not None and newest.get((item.object_key, p), sent) > sent]
        if not stale:
            fresh.append(item)
            continue
        newer = (
            OutboxItem.objects.filter(
                partner_id=partner_id, object_key=item.object_key, status=Status.DELIVERED, path__in=stale
            )
            .filter(last_updated__gt=item.last_updated)
            .order_by("-last_updated")
            .values_list("pk", flat=True)
            .first()
        )
        supersede(item, f"Row {newer} already gave the partner a newer version.")
    return fresh


Sent = tuple[Claim, Outcome, datetime, float]


def send_batch(claims: Sequence[Claim]) -> int:
    """Send the claimed rows in order. A failure is recorded at once, row by row; the successes together at the
    end. A call that got no answer (timeout, refused connection) ends the batch: the partner is unreachable, and the
    rest goes back to the queue unsent rather than waiting for the same timeout. Returns the calls made."""
    delivered: list[Sent] = []
    calls = 0
    for index, claim in enumerate(claims):
        if time.monotonic() > claim.send_by:
            _unclaim(claims[index:])  # the lease could run out during the call
            break
        started, clock = timezone.now(), time.monotonic()
        outcome = _send(claim)
        calls += 1
        if outcome.result == DeliveryAttempt.Outcome.DELIVERED:
            delivered.append((claim, outcome, started, time.monotonic() - clock))
            continue
        _record(claim, outcome, started, time.monotonic() - clock)
        if outcome.http_status is None and outcome.result == DeliveryAttempt.Outcome.RETRY:
            _unclaim(claims[index + 1 :])
            break
    _record_delivered(delivered)
    return calls


def _unclaim(claims: Sequence[Claim]) -> None:
    """Give rows back unsent: no lease, and the attempt they were counted for did not happen."""
    if claims:
        OutboxItem.objects.filter(pk__in=[c.item_id for c in claims], claim_token=claims[0].token).update(
            claimed_until=None, claim_token="", attempts=F("attempts") - 1
        )


def _record_delivered(sent: Sequence[Sent]) -> None:
    """Mark delivered rows DELIVERED with their attempts, in one transaction, and announce each (``push_delivered``).
    A row whose lease ran out meanwhile is left to whoever holds it now, as in ``delivery._record``."""
    if not sent:
        return
    with transaction.atomic():
        items = OutboxItem.objects.select_for_update().in_bulk([claim.item_id for claim, *_ in sent])
        DeliveryAttempt.objects.bulk_create(
            attempt_of(claim.item_id, outcome, started, duration)
            for claim, outcome, started, duration in sent
            if claim.item_id in items
        )
        now = timezone.now()
        done = []
        for claim, outcome, _started, _duration in sent:
            item = items.get(claim.item_id)
            if item is None or item.claim_token != claim.token or item.status != Status.PENDING:
                continue
            item.status, item.finished_at, item.updated = Status.DELIVERED, now, now
            item.http_status, item.ocpi_status = outcome.http_status, outcome.ocpi_status
            item.response_message = outcome.message
            if outcome.reply is not None:
                item.response_headers = dict(outcome.reply.headers)
                item.response_data = outcome.reply.data
            item.claimed_until, item.claim_token = None, ""
            done.append(item)
        update_each(
            done,
            ["http_status", "ocpi_status", "response_message", "response_headers", "response_data"],
            status=Status.DELIVERED,
            finished_at=now,
            updated=now,
            claimed_until=None,
            claim_token="",
        )
        for item in done:
            push_delivered.send(sender=OutboxItem, item=item)
    catch_up(sent[0][0].partner.pk)
