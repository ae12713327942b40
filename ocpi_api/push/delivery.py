"""Delivery of outbox rows: claim the head of a queue, send it, record the outcome, retry with backoff, sweep.

The contract (ordering, outcomes, retries) is in ``ocpi_api.push.services``; GUARANTEES.md says what it promises.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ocpi_api.core.client import OcpiClient, OcpiClientError, OcpiReply, join_url
from ocpi_api.core.egress import VettedPools
from ocpi_api.core.status import ModuleID
from ocpi_api.models import Partner
from ocpi_api.services import partner_routing

from .coalesce import below_or_at, fold_queues
from .models import DeliveryAttempt, OutboxItem
from .render import render_body
from .services import (
    Method,
    Status,
    body_last_updated,
    deliver_after_commit,
    json_ready,
    leased,
    receiver_url,
    release,
    supersede,
)
from .signals import push_delivered

logger = logging.getLogger(__name__)

# --- Delivery -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    item_id: int
    token: str
    partner: Partner
    method: str
    url: str
    body: Any
    # Past this moment (time.monotonic) the call could outlast the lease: it is not started any more.
    send_by: float = float("inf")


@dataclass(frozen=True)
class Outcome:
    result: DeliveryAttempt.Outcome
    http_status: int | None
    ocpi_status: int | None
    message: str
    reply: OcpiReply | None = None


_RETRY_HTTP = frozenset({408, 429})
# hub: timeout, or the receiving party is not connected (OCPI 2.2.1 status_codes.asciidoc)
_RETRY_HUB = frozenset({4002, 4003})


_pools: dict[int, VettedPools] = {}
_pools_lock = threading.Lock()
# A forked worker must not share the parent's sockets.
os.register_at_fork(after_in_child=_pools.clear)


def _http_pools(partner_id: int) -> VettedPools:
    """Kept-alive connections per partner and worker process (urllib3 pools, without the requests machinery): they
    are reused call after call, and each call is still vetted (``egress``)."""
    with _pools_lock:
        pools = _pools.get(partner_id)
        if pools is None:
            pools = _pools[partner_id] = VettedPools()
        return pools


def _call_seconds() -> float:
    connect, read = settings.OCPI_PUSH_TIMEOUT
    return float(connect) + float(read)


def _lease() -> timedelta:
    return timedelta(seconds=_call_seconds() + float(settings.OCPI_PUSH_LEASE_MARGIN))


def _ancestors_or_self(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[: n + 1]) for n in range(len(parts))]


def _target(item: OutboxItem, partner: Partner) -> tuple[str | None, str]:
    if item.url:
        return item.url, ""
    if not partner.is_registered:
        return None, f"{partner} is not registered (status {partner.status})."
    endpoint = receiver_url(partner=partner, module=item.module)
    if endpoint is None:
        return None, f"{partner} has no {item.module} Receiver endpoint any more."
    return (join_url(endpoint, item.path) if item.path else endpoint), ""


def _queue_of(item_id: int) -> tuple[int, str] | None:
    return OutboxItem.objects.filter(pk=item_id).values_list("partner_id", "object_key").first()


def _claim(queue_ref: tuple[int, str]) -> Claim | None:
    """Take the head of a (partner, object_key) queue if it is due and nobody holds it. SKIP LOCKED keeps two workers
    apart, and the lease (``claimed_until``) outlives their transactions."""
    with transaction.atomic():
        now = timezone.now()
        queue = OutboxItem.objects.filter(partner_id=queue_ref[0], object_key=queue_ref[1])
        item = (
            queue.select_for_update(skip_locked=True, of=("self",))
            .select_related("partner")
            .filter(status=Status.PENDING)
            .order_by("id")
            .first()
        )
        if item is None or queue.filter(status=Status.PENDING, id__lt=item.pk).exists():
            return None  # empty, or another transaction holds the head
        if item.next_attempt_at > now or leased(item, now):
            return None
        partner = item.partner
        folded = fold_queues(partner.pk, [item.object_key], now)
        if item.object_key not in folded:
            return None  # a row of the queue is being sent
        head = folded[item.object_key]
        if head is None:  # every waiting row repeated what the partner has
            return Claim(item.pk, "", partner, item.method, "", None)
        if head.next_attempt_at > now:
            return None
        item, item.partner = head, partner
        if item.last_updated is not None and item.path:
            newer = (
                queue.filter(status=Status.DELIVERED, path__in=_ancestors_or_self(item.path))
                .filter(last_updated__gt=item.last_updated)
                .order_by("-last_updated")
                .values_list("pk", flat=True)
                .first()
            )
            if newer is not None:
                supersede(item, f"Row {newer} already gave the partner a newer version.")
                return Claim(item.pk, "", partner, item.method, "", None)
        url, problem = _target(item, partner)
        if url is None:
            _finish(item, Status.FAILED, Outcome(DeliveryAttempt.Outcome.FAILED, None, None, problem))
            return Claim(item.pk, "", partner, item.method, "", None)
        item.claim_token = uuid.uuid4().hex
        item.claimed_until = now + _lease()
        item.attempts += 1
        item.save(update_fields=["claim_token", "claimed_until", "attempts", "updated"])
        return Claim(item.pk, item.claim_token, partner, item.method, url, render_body(item, partner))


def _send(claim: Claim) -> Outcome:
    partner = claim.partner
    client = OcpiClient(
        token=partner.outbound_token,
        base64_header=partner.auth_header_base64,
        timeout=tuple(settings.OCPI_PUSH_TIMEOUT),
        pools=_http_pools(partner.pk),
    )
    # One correlation id per row, the same on every retry, so both sides can follow a delivery in their logs.
    correlation_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"ocpi-push:{claim.item_id}"))
    try:
        reply = client.request(
            claim.method,
            claim.url,
            body=claim.body,
            routing=partner_routing(partner=partner) if partner.country_code else None,
            correlation_id=correlation_id,
        )
    except OcpiClientError as error:
        return Outcome(_classify(error), error.http_status, error.status_code, str(error))
    return Outcome(DeliveryAttempt.Outcome.DELIVERED, reply.http_status, reply.status_code, reply.status_message, reply)


def _classify(error: OcpiClientError) -> DeliveryAttempt.Outcome:
    http, code = error.http_status, error.status_code
    if error.refused:
        return DeliveryAttempt.Outcome.FAILED  # our outgoing-URL rules: trying again changes nothing
    if not error.answered or http is None:
        return DeliveryAttempt.Outcome.RETRY
    if http >= 500 or http in _RETRY_HTTP:
        return DeliveryAttempt.Outcome.RETRY
    if 400 <= http < 500:
        return DeliveryAttempt.Outcome.FAILED
    if code is None or 3000 <= code < 4000 or code in _RETRY_HUB:
        return DeliveryAttempt.Outcome.RETRY
    return DeliveryAttempt.Outcome.FAILED


def _backoff(attempts: int) -> float:
    """Exponential backoff with jitter: between half and all of base·2^(n−1), capped."""
    ceiling = min(float(settings.OCPI_PUSH_RETRY_CAP), float(settings.OCPI_PUSH_RETRY_BASE) * 2 ** (attempts - 1))
    return random.uniform(ceiling / 2, ceiling)


_FINISH_FIELDS = ["status", "finished_at", "http_status", "ocpi_status", "response_message", "claimed_until"]


def _finish(item: OutboxItem, status: str, outcome: Outcome) -> None:
    item.status = status
    item.finished_at = timezone.now()
    item.http_status, item.ocpi_status = outcome.http_status, outcome.ocpi_status
    item.response_message = outcome.message
    if outcome.reply is not None:
        item.response_headers = dict(outcome.reply.headers)
        item.response_data = outcome.reply.data
    release(item)
    item.save(update_fields=[*_FINISH_FIELDS, "claim_token", "response_headers", "response_data", "updated"])


def _max_age(item: OutboxItem) -> float:
    if item.module == ModuleID.COMMANDS:
        return float(settings.OCPI_PUSH_MAX_AGE_COMMAND_RESULTS)
    return float(settings.OCPI_PUSH_MAX_AGE)


def _record(claim: Claim, outcome: Outcome, started: datetime, duration: float) -> bool:
    """Store the attempt and the row's new state. True when the row is finished and the queue can move on."""
    retry_in: float | None = None
    with transaction.atomic():
        item = OutboxItem.objects.select_for_update().get(pk=claim.item_id)
        too_old = timezone.now() - item.created > timedelta(seconds=_max_age(item))
        if outcome.result == DeliveryAttempt.Outcome.RETRY and too_old:
            outcome = replace(outcome, result=DeliveryAttempt.Outcome.DEAD)
        attempt_of(item.pk, outcome, started, duration).save()
        if item.claim_token != claim.token or item.status != Status.PENDING:
            return False  # the lease ran out meanwhile; whoever holds the row now decides
        if outcome.result == DeliveryAttempt.Outcome.DELIVERED:
            _finish(item, Status.DELIVERED, outcome)
            push_delivered.send(sender=OutboxItem, item=item)
        elif outcome.result == DeliveryAttempt.Outcome.FAILED:
            if not (_unknown_to_partner(item, outcome) and _put_instead(item, outcome)):
                _finish(item, Status.FAILED, outcome)
        elif outcome.result == DeliveryAttempt.Outcome.DEAD:
            _finish(item, Status.DEAD, outcome)
        else:
            retry_in = _backoff(item.attempts)
            item.next_attempt_at = timezone.now() + timedelta(seconds=retry_in)
            item.enqueued_at = timezone.now()
            item.http_status, item.ocpi_status = outcome.http_status, outcome.ocpi_status
            item.response_message = outcome.message
            release(item)
            item.save(
                update_fields=[
                    "next_attempt_at",
                    "enqueued_at",
                    "http_status",
                    "ocpi_status",
                    "response_message",
                    "claimed_until",
                    "claim_token",
                    "updated",
                ]
            )
    if retry_in is not None:
        _schedule_retry(claim.item_id, retry_in)
        return False
    if outcome.result == DeliveryAttempt.Outcome.DELIVERED:
        catch_up(claim.partner.pk)
    return True


_UNKNOWN_OBJECT = 2003  # OCPI "Unknown Location"; HTTP 404 says the same for any object


def _unknown_to_partner(item: OutboxItem, outcome: Outcome) -> bool:
    """A PATCH refused because the receiver does not have the object it updates."""
    return item.method == Method.PATCH and (outcome.http_status == 404 or outcome.ocpi_status == _UNKNOWN_OBJECT)


def _put_instead(item: OutboxItem, outcome: Outcome) -> OutboxItem | None:
    """Follow a PATCH the partner cannot apply with a PUT of the whole current object, at the head of its queue.

    The PUT takes the place of the PATCH and of every row still waiting below the object (it carries their changes
    too), so the queue stays in order and goes on with it. None when there is no object to PUT (withdrawn, gone).
    Called in ``_record``'s transaction, which holds the PATCH row.
    """
    from .full_state import full_object

    whole = full_object(module=item.module, object_key=item.object_key)
    if whole is None:
        return None
    path, body = whole
    now = timezone.now()
    waiting = OutboxItem.objects.select_for_update().filter(
        partner_id=item.partner_id, object_key=item.object_key, status=Status.PENDING, url=item.url
    )
    replaced = [r.pk for r in waiting.exclude(pk=item.pk) if not leased(r, now) and below_or_at(path, r.path)]
    put = OutboxItem.objects.create(
        partner_id=item.partner_id,
        module=item.module,
        object_key=item.object_key,
        method=Method.PUT,
        path=path,
        url=item.url,
        body=json_ready(body),
        last_updated=body_last_updated(body),
        created=now,
        next_attempt_at=now,
        enqueued_at=now,
    )
    OutboxItem.objects.filter(pk__in=replaced).update(
        status=Status.SUPERSEDED,
        finished_at=now,
        claimed_until=None,
        claim_token="",
        response_message=f"Merged into row {put.pk}, the PUT of the whole object.",
    )
    note = f"{outcome.message} The partner does not have the object: row {put.pk} PUTs it whole instead."
    _finish(item, Status.SUPERSEDED, replace(outcome, message=note))
    return put


# How many of a partner's rows one success makes due at once; the drain takes them batch by batch.
CATCH_UP_LIMIT = 1000
# Answers that mean the partner's service, not one object, was unreachable: a gateway in front of it that is down.
_UNREACHABLE_HTTP = (502, 503, 504)


def catch_up(partner_id: int) -> int:
    """The partner answers again: its rows waiting on backoff because it was unreachable become due now, so a partner
    that comes back catches up at once instead of when each backoff ends (up to ``OCPI_PUSH_RETRY_CAP``). Rows
    backing off after an answer about their own object (an HTTP 500, OCPI 3xxx) keep their backoff, so one object
    the partner cannot take is not retried on every success. One bounded UPDATE; returns how many rows."""
    now = timezone.now()
    unreachable = Q(http_status__isnull=True) | Q(http_status__in=_UNREACHABLE_HTTP)
    waiting = OutboxItem.objects.filter(
        unreachable, partner_id=partner_id, status=Status.PENDING, attempts__gt=0, next_attempt_at__gt=now
    )
    due = waiting.order_by("id").values("pk")[:CATCH_UP_LIMIT]
    return OutboxItem.objects.filter(pk__in=due).update(next_attempt_at=now, updated=now)


def _schedule_retry(item_id: int, countdown: float) -> None:
    from .tasks import push_deliver_task

    # Eager mode would run the retry at once, in a loop; there the sweeper (or the next change) takes it.
    if not current_app.conf.task_always_eager:
        push_deliver_task.apply_async((item_id,), countdown=countdown)


def push_deliver(*, item_id: int) -> int:
    """Deliver the rows of row ``item_id``'s queue, oldest first, while they are due. Safe to run twice, or on two
    workers at once: only the worker that claims a row sends it. Returns the number of calls made."""
    calls = 0
    # The row itself may be gone by now (merged into a later row) or delivered: the task's job is its queue.
    queue_ref = _queue_of(item_id)
    while queue_ref is not None:
        if calls >= settings.OCPI_PUSH_BATCH:
            deliver_after_commit([item_id])  # let other queues have the worker too
            break
        claim = _claim(queue_ref)
        if claim is None:
            break
        if not claim.token:  # finished without a call (stale, or no endpoint)
            continue
        started, clock = timezone.now(), time.monotonic()
        outcome = _send(claim)
        calls += 1
        if not _record(claim, outcome, started, time.monotonic() - clock):
            break
    return calls


def push_sweep(*, limit: int = 1000) -> int:
    """Queue a task again for each due row whose task vanished (worker killed, broker restarted). Returns how many.

    A row qualifies when it is due, not leased, first in its queue, and its last task went out more than
    ``OCPI_PUSH_SWEEP_GRACE`` seconds ago. A task that was only slow to start finds the row claimed and does nothing.
    """
    now = timezone.now()
    grace = now - timedelta(seconds=float(settings.OCPI_PUSH_SWEEP_GRACE))
    with transaction.atomic():
        candidates = list(
            OutboxItem.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, next_attempt_at__lte=now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=grace))
            .order_by("id")[:limit]
        )
        heads = [item for item in candidates if not _has_earlier_pending(item)]
        OutboxItem.objects.filter(pk__in=[item.pk for item in heads]).update(enqueued_at=now)
        deliver_after_commit([item.pk for item in heads])
    if heads:
        logger.info("OCPI push sweeper re-queued %d deliveries", len(heads))
    return len(heads)


def _has_earlier_pending(item: OutboxItem) -> bool:
    return OutboxItem.objects.filter(
        partner_id=item.partner_id, object_key=item.object_key, status=Status.PENDING, id__lt=item.pk
    ).exists()


def attempt_of(item_id: int, outcome: Outcome, started: datetime, duration: float) -> DeliveryAttempt:
    """The record of one call (unsaved), as staff see it on the deliveries page."""
    return DeliveryAttempt(
        item_id=item_id,
        started_at=started,
        duration_ms=round(duration * 1000),
        outcome=outcome.result,
        http_status=outcome.http_status,
        ocpi_status=outcome.ocpi_status,
        message=outcome.message[:2000],
    )
