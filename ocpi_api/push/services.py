"""The push pipeline: every call we owe a partner is an outbox row written in the transaction of the change, and a
Celery task delivers it after commit (digest §11; the Saleor webhook-delivery pattern).

Public API for the OCPI modules
-------------------------------
``push_enqueue(*, partner, module, object_key, method, url=None, path="", body, coalesce=True) -> OutboxItem | None``
    Queue one call to ``partner``. Call it inside the transaction of the change it announces: the row commits or
    rolls back with the change, and nothing is sent before the commit.

    - ``module``: the OCPI module identifier ("locations", "tariffs", "sessions", "cdrs", "commands", …).
    - ``url``: an absolute target, such as a command's ``response_url``. Without it, ``path`` is appended with
      exactly one "/" to the partner's RECEIVER endpoint for ``module``, read when the call is made (a partner that
      re-registers with new URLs gets the pending rows at the new ones). A partner with no such endpoint gets
      nothing and the function returns None.
    - ``object_key``: the unit of ordering and history. Rows with the same (partner, object_key) go out strictly in
      order, one at a time. Use one key per OCPI object, e.g. "sessions/SE/CPO/<session id>" or "cdrs/<cdr id>".
      Locations use one key for a location, its EVSEs and its connectors, so a child never overtakes its parent.
    - ``method``: PUT, PATCH, POST or DELETE; ``body``: the JSON to send (None for DELETE; Decimals are written as
      JSON numbers). The body's ``last_updated`` is remembered: a row older than what the partner already got for
      the same path or a parent path is never sent (it is marked SUPERSEDED).
    - ``coalesce`` (default True) applies while a row still waits for its turn: a PATCH merges with a pending PUT or
      PATCH of the same path (the later fields win; ``charging_periods`` are appended, the Sessions PATCH rule); a
      PUT or DELETE replaces the pending rows of its path and of every path below it; the merged row moves to the
      end of the queue. A PATCH that repeats the object's latest row is dropped. POST rows are never coalesced.

``push_enqueue_many(*, partners, …same arguments…) -> list[OutboxItem]`` queues one change for several partners (a
    broadcast) in a few queries, whatever their number.

``push_delivered`` (``ocpi_api.push.signals``) is sent in the transaction that marks a row DELIVERED, with ``item``:
    ``item.response_header("Location")`` reads a header of the partner's answer (all are in
    ``item.response_headers``), ``item.response_data`` is the envelope's ``data``. Filter on ``item.module``.

Delivery is at least once: a call whose answer was lost (timeout, worker killed) is sent again, so receivers see
repeats of the same body, never an older one after a newer one.

Outcomes: HTTP 2xx/3xx with OCPI 1xxx is delivered. Network errors, timeouts, HTTP 5xx, 408 and 429, OCPI 3xxx,
hub codes 4002/4003 and answers that are not OCPI are retried with exponential backoff and jitter until the row is
``OCPI_PUSH_MAX_AGE`` old (``OCPI_PUSH_MAX_AGE_COMMAND_RESULTS`` for command results, which nobody waits for
any more after that), then it is dead-lettered (DEAD). A PATCH answered HTTP 404 or OCPI 2003 (the receiver does not
have the object) is followed by a PUT of the whole current object at the head of its queue (``_put_instead``).
Any other HTTP 4xx or OCPI 2xxx/4xxx is a permanent failure (FAILED) with the partner's message. Staff may retry or
replay any row.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Case, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from ocpi_api.core.client import OcpiClient, OcpiClientError, OcpiReply, join_url
from ocpi_api.core.egress import vetted_session
from ocpi_api.core.status import InterfaceRole
from ocpi_api.models import Partner
from ocpi_api.services import partner_routing

from .models import CatalogueResend, DeliveryAttempt, OutboxItem
from .signals import push_delivered

logger = logging.getLogger(__name__)

Status = OutboxItem.Status
Method = OutboxItem.Method
# PATCH fields whose lists the receiver appends rather than replaces (Sessions, digest §4.3).
APPEND_FIELDS = frozenset({"charging_periods"})
_FULL_STATE = (Method.PUT, Method.DELETE)


# --- Enqueue ------------------------------------------------------------------------------------------------------


def receiver_url(*, partner: Partner, module: str) -> str | None:
    """The partner's RECEIVER endpoint for ``module`` (2.1.1 endpoints carry no role and count as one)."""
    return partner.endpoint_url(module, InterfaceRole.RECEIVER.value)


def _last_updated(body: Any) -> datetime | None:
    raw = body.get("last_updated") if isinstance(body, Mapping) else None
    if not isinstance(raw, str):
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def _json_ready(body: dict[str, Any] | None) -> dict[str, Any] | None:
    """Plain JSON for the row: Decimals become JSON numbers, as DRF renders them in what we serve."""
    return None if body is None else json.loads(json.dumps(body, cls=JSONEncoder))


def _merge(old: Any, new: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(old) if isinstance(old, Mapping) else {}
    for key, value in new.items():
        if key in APPEND_FIELDS and isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = [*merged[key], *value]
        else:
            merged[key] = value
    return merged


def _below_or_at(path: str, other: str) -> bool:
    """``other`` is ``path`` or an object below it (an EVSE below its location, a connector below its EVSE)."""
    return other == path or other.startswith(path.rstrip("/") + "/")


def _leased(item: OutboxItem, now: datetime) -> bool:
    return item.claimed_until is not None and item.claimed_until > now


def _repeats(item: OutboxItem, path: str, body: Mapping[str, Any]) -> bool:
    """A PATCH that sets nothing the object's latest row did not already set (last_updated aside)."""
    if item.path != path or item.method not in (Method.PUT, Method.PATCH) or not isinstance(item.body, Mapping):
        return False
    if item.status not in (Status.PENDING, Status.DELIVERED):
        return False
    return all(item.body.get(key) == value for key, value in body.items() if key != "last_updated")


def push_enqueue(
    *,
    partner: Partner,
    module: str,
    object_key: str,
    method: str,
    url: str | None = None,
    path: str = "",
    body: dict[str, Any] | None,
    coalesce: bool = True,
) -> OutboxItem | None:
    """Queue one call to a partner in the current transaction; see the module docstring."""
    rows = push_enqueue_many(
        partners=[partner],
        module=module,
        object_key=object_key,
        method=method,
        url=url,
        path=path,
        body=body,
        coalesce=coalesce,
    )
    return rows[0] if rows else None


def push_enqueue_many(
    *,
    partners: Sequence[Partner],
    module: str,
    object_key: str,
    method: str,
    url: str | None = None,
    path: str = "",
    body: dict[str, Any] | None,
    coalesce: bool = True,
) -> list[OutboxItem]:
    """``push_enqueue`` of one change for several partners in a handful of queries, whatever their number. Returns
    the row that carries the change for each partner that gets it."""
    if method not in Method.values:
        raise ValueError(f"Unsupported method {method!r}.")
    targets = [p for p in partners if url is not None or receiver_url(partner=p, module=module) is not None]
    if not targets:
        return []
    path, url = path.strip("/"), url or ""
    body = _json_ready(body)
    coalesce = coalesce and method != Method.POST
    with transaction.atomic():
        now = timezone.now()
        waiting: dict[int, list[OutboxItem]] = defaultdict(list)
        if coalesce:
            rows = OutboxItem.objects.select_for_update().filter(
                partner__in=targets, object_key=object_key, status=Status.PENDING
            )
            for row in rows.order_by("id"):
                waiting[row.partner_id].append(row)
        plans = {
            p.pk: _plan(method, body, [r for r in waiting[p.pk] if r.url == url and r.module == module], path, now)
            if coalesce
            else (method, body, [])
            for p in targets
        }
        kept = _repeated(targets, object_key, url, path, method, body, plans, waiting) if coalesce else {}
        new = [
            OutboxItem(
                partner=p,
                module=module,
                object_key=object_key,
                method=plans[p.pk][0],
                path=path,
                url=url,
                body=plans[p.pk][1],
                last_updated=max(
                    filter(None, [_last_updated(plans[p.pk][1]), *(r.last_updated for r in plans[p.pk][2])]),
                    default=None,
                ),
                # A merged row keeps the age and the backoff of what it replaces: the partner is no more reachable.
                created=min([now, *(r.created for r in plans[p.pk][2])]),
                attempts=max([0, *(r.attempts for r in plans[p.pk][2])]),
                next_attempt_at=max([now, *(r.next_attempt_at for r in plans[p.pk][2])]),
                enqueued_at=now,
            )
            for p in targets
            if p.pk not in kept
        ]
        OutboxItem.objects.bulk_create(new)
        replaced = {r.pk: item.pk for item in new for r in plans[item.partner_id][2]}
        if replaced:
            OutboxItem.objects.filter(pk__in=replaced).update(
                status=Status.SUPERSEDED,
                finished_at=now,
                claimed_until=None,
                claim_token="",
                response_message=Case(
                    *[When(pk=old, then=Value(f"Merged into row {new_pk}.")) for old, new_pk in replaced.items()]
                ),
            )
        # A row behind others needs no task: the worker that delivers the queue moves on to it. (It waits on our
        # lock on those rows before it looks, so it sees this row once we commit.)
        heads = [item.pk for item in new if all(r.pk in replaced for r in waiting[item.partner_id])]
        _deliver_after_commit(heads)
    by_partner = {item.partner_id: item for item in [*new, *kept.values()]}
    return [by_partner[p.pk] for p in targets]


Plan = tuple[str, dict[str, Any] | None, list[OutboxItem]]


def _plan(method: str, body: dict[str, Any] | None, waiting: list[OutboxItem], path: str, now: datetime) -> Plan:
    """How the new call folds into the rows still waiting for this object: (method, body, rows it replaces).

    The merged row goes to the end of the queue rather than being updated in place, so the rows of one queue keep
    rising ``last_updated`` values: an EVSE merged in place could overtake a newer change of its sibling, and the
    receiver, which sets the location's last_updated from every EVSE push, would end up with an older one.
    """
    # The row a worker is sending right now goes out as it is; later changes need a row of their own.
    open_rows = [r for r in waiting if not _leased(r, now)]
    if method in _FULL_STATE:
        return (method, body, [r for r in open_rows if _below_or_at(path, r.path)])
    same = [r for r in open_rows if r.path == path and r.method in (Method.PUT, Method.PATCH)]
    if method != Method.PATCH or body is None or not same:
        return (method, body, [])
    merged: dict[str, Any] = {}
    for row in same:
        merged = _merge(merged, row.body or {})
    return (same[0].method, _merge(merged, body), same)


def _repeated(
    partners: Sequence[Partner],
    object_key: str,
    url: str,
    path: str,
    method: str,
    body: dict[str, Any] | None,
    plans: Mapping[int, Plan],
    waiting: Mapping[int, list[OutboxItem]],
) -> dict[int, OutboxItem]:
    """Per partner, the object's latest row when the new PATCH only repeats it (identical consecutive updates)."""
    if method != Method.PATCH or body is None:
        return {}
    alone = [p.pk for p in partners if not plans[p.pk][2]]
    tails = {pk: waiting[pk][-1] for pk in alone if waiting[pk]}
    unknown = [pk for pk in alone if pk not in tails]
    if unknown:
        latest = (
            OutboxItem.objects.filter(partner_id=OuterRef("partner_id"), object_key=object_key)
            .exclude(status=Status.SUPERSEDED)
            .order_by("-id")
            .values("pk")[:1]
        )
        queue = OutboxItem.objects.filter(partner_id__in=unknown, object_key=object_key)
        tails.update({row.partner_id: row for row in queue.filter(pk=Subquery(latest))})
    return {pk: tail for pk, tail in tails.items() if tail.url == url and _repeats(tail, path, body)}


def _release(item: OutboxItem) -> None:
    # A worker whose lease ran out must not mark the new content delivered: it sent the old one.
    item.claimed_until = None
    item.claim_token = ""


def _supersede(item: OutboxItem, reason: str) -> None:
    item.status = Status.SUPERSEDED
    item.response_message = reason
    item.finished_at = timezone.now()
    _release(item)
    item.save()


def _deliver_after_commit(item_ids: Iterable[int]) -> None:
    from .tasks import push_deliver_task

    for item_id in item_ids:
        push_deliver_task.delay_on_commit(item_id)


# --- Delivery -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    item_id: int
    token: str
    partner: Partner
    method: str
    url: str
    body: Any


@dataclass(frozen=True)
class Outcome:
    result: DeliveryAttempt.Outcome
    http_status: int | None
    ocpi_status: int | None
    message: str
    reply: OcpiReply | None = None


_RETRY_HTTP = frozenset({408, 429})
_RETRY_HUB = frozenset({4002, 4003})  # hub: timeout, or the receiving party is not connected (digest §1.6)


@functools.cache
def _http_session() -> requests.Session:
    """One pooled session per worker process: keep-alive connections to partners, each one vetted."""
    return vetted_session()


def _lease() -> timedelta:
    connect, read = settings.OCPI_PUSH_TIMEOUT
    return timedelta(seconds=float(connect) + float(read) + float(settings.OCPI_PUSH_LEASE_MARGIN))


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
        if item.next_attempt_at > now or _leased(item, now):
            return None
        if item.last_updated is not None and item.path:
            newer = (
                queue.filter(status=Status.DELIVERED, path__in=_ancestors_or_self(item.path))
                .filter(last_updated__gt=item.last_updated)
                .order_by("-last_updated")
                .values_list("pk", flat=True)
                .first()
            )
            if newer is not None:
                _supersede(item, f"Row {newer} already gave the partner a newer version.")
                return Claim(item.pk, "", item.partner, item.method, "", None)
        partner = item.partner
        url, problem = _target(item, partner)
        if url is None:
            _finish(item, Status.FAILED, Outcome(DeliveryAttempt.Outcome.FAILED, None, None, problem))
            return Claim(item.pk, "", partner, item.method, "", None)
        item.claim_token = uuid.uuid4().hex
        item.claimed_until = now + _lease()
        item.attempts += 1
        item.save(update_fields=["claim_token", "claimed_until", "attempts", "updated"])
        return Claim(item.pk, item.claim_token, partner, item.method, url, item.body)


def _send(claim: Claim) -> Outcome:
    partner = claim.partner
    client = OcpiClient(
        token=partner.outbound_token,
        base64_header=partner.auth_header_base64,
        timeout=tuple(settings.OCPI_PUSH_TIMEOUT),
        session=_http_session(),
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
    _release(item)
    item.save(update_fields=[*_FINISH_FIELDS, "claim_token", "response_headers", "response_data", "updated"])


def _max_age(item: OutboxItem) -> float:
    if item.module == "commands":
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
        DeliveryAttempt.objects.create(
            item=item,
            started_at=started,
            duration_ms=round(duration * 1000),
            outcome=outcome.result,
            http_status=outcome.http_status,
            ocpi_status=outcome.ocpi_status,
            message=outcome.message[:2000],
        )
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
            _release(item)
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
    replaced = [r.pk for r in waiting.exclude(pk=item.pk) if not _leased(r, now) and _below_or_at(path, r.path)]
    put = OutboxItem.objects.create(
        partner_id=item.partner_id,
        module=item.module,
        object_key=item.object_key,
        method=Method.PUT,
        path=path,
        url=item.url,
        body=_json_ready(body),
        last_updated=_last_updated(body),
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
            _deliver_after_commit([item_id])  # let other queues have the worker too
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
        _deliver_after_commit([item.pk for item in heads])
    if heads:
        logger.info("OCPI push sweeper re-queued %d deliveries", len(heads))
    return len(heads)


def _has_earlier_pending(item: OutboxItem) -> bool:
    return OutboxItem.objects.filter(
        partner_id=item.partner_id, object_key=item.object_key, status=Status.PENDING, id__lt=item.pk
    ).exists()


# --- Staff actions ------------------------------------------------------------------------------------------------


@transaction.atomic
def push_retry(*, item: OutboxItem) -> OutboxItem:
    """Send a row again. A failed or dead row is retried in place (its place in the queue is kept); a delivered or
    superseded row is replayed as a new row at the end of its queue. The age limit and the backoff start over."""
    now = timezone.now()
    if item.status == Status.PENDING:
        item.next_attempt_at = now
        target = item
    elif item.status in (Status.FAILED, Status.DEAD):
        item.status = Status.PENDING
        item.finished_at = None
        item.created = now
        item.attempts = 0  # the backoff starts over too; the attempt log keeps the history
        item.next_attempt_at = now
        target = item
    else:
        target = OutboxItem(
            partner_id=item.partner_id,
            module=item.module,
            object_key=item.object_key,
            method=item.method,
            path=item.path,
            url=item.url,
            body=item.body,
            last_updated=item.last_updated,
            created=now,
            next_attempt_at=now,
        )
    target.enqueued_at = now
    target.save()
    _deliver_after_commit([target.pk])
    return target


@transaction.atomic
def push_retry_partner(*, partner: Partner) -> int:
    """Retry every failed or dead row of the partner, and send its waiting rows now. Returns how many rows."""
    now = timezone.now()
    rows = OutboxItem.objects.filter(partner=partner, status__in=[Status.FAILED, Status.DEAD, Status.PENDING])
    ids = list(rows.values_list("pk", flat=True))
    rows.filter(status__in=[Status.FAILED, Status.DEAD]).update(
        status=Status.PENDING, finished_at=None, created=now, attempts=0
    )
    OutboxItem.objects.filter(pk__in=ids).update(next_attempt_at=now, enqueued_at=now)
    _deliver_after_commit(ids)
    return len(ids)


@transaction.atomic
def push_resend_catalogue_start(*, partner: Partner, requested_by: str = "") -> CatalogueResend:
    """Queue a task that PUTs every tariff and every roaming location to the partner, with progress on the job."""
    from .tasks import catalogue_resend_task

    job = CatalogueResend.objects.create(partner=partner, requested_by=requested_by)
    catalogue_resend_task.delay_on_commit(job.pk)
    return job
