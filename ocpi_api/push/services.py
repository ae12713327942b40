"""The push pipeline: every call we owe a partner is an outbox row written in the transaction of the change, and a
Celery task delivers it after commit (OCPI 2.2.1 transport_and_format.asciidoc, Pull and Push; the Saleor
webhook-delivery pattern).

Public API for the OCPI modules
-------------------------------
``push_enqueue(*, partner, module, object_key, method, url=None, path="", body, coalesce=True) -> OutboxItem | None``
    Queue one call to ``partner``. Call it inside the transaction of the change it announces: the row commits or
    rolls back with the change, and nothing is sent before the commit.

    - ``module``: the OCPI module identifier (``ocpi_api.core.status.ModuleID``).
    - ``url``: an absolute target, such as a command's ``response_url``. Without it, ``path`` is appended with
      exactly one "/" to the partner's RECEIVER endpoint for ``module``, read when the call is made (a partner that
      re-registers with new URLs gets the pending rows at the new ones). A partner with no such endpoint gets
      nothing and the function returns None.
    - ``object_key``: the unit of ordering and history. Rows with the same (partner, object_key) go out strictly in
      order, one at a time. One key per OCPI object, built in ``ocpi_api.push.keys`` (``session_key``, ``cdr_key``…).
      Locations use one key for a location, its EVSEs and its connectors, so a child never overtakes its parent.
    - ``method``: PUT, PATCH, POST or DELETE; ``body``: the JSON to send (None for DELETE; Decimals are written as
      JSON numbers). The body's ``last_updated`` is remembered: a row older than what the partner already got for
      the same path or a parent path is never sent (it is marked SUPERSEDED).
    - ``coalesce`` (default True): the row may be folded with the other rows still waiting in its queue when a
      worker claims the queue (``ocpi_api.push.coalesce``: PATCHes of a path merge, a PUT or DELETE replaces what it
      covers, repeats are dropped). POST rows are never coalesced.

``push_enqueue_many(*, partners, …same arguments…) -> list[OutboxItem]`` queues one change for several partners (a
    broadcast) in one INSERT, whatever their number. Enqueueing reads and locks nothing: a change costs one statement
    on top of its own.

``push_broadcast(*, module, object_key, method, path, body) -> int`` queues one change for every partner that
    receives ``module`` (``selectors.push_partners``), choosing them in the INSERT itself. ``push_broadcast_add(writes,
    …)`` adds that INSERT to a change's ``chargepoints.write_batch.WriteBatch`` instead: the EVSE status push, whose
    outbox rows go to the database in the status change's one statement.

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
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from chargepoints.write_batch import WriteBatch
from ocpi_api.core.status import InterfaceRole
from ocpi_api.models import Partner

from .models import CatalogueResend, OutboxItem

logger = logging.getLogger(__name__)

Status = OutboxItem.Status
Method = OutboxItem.Method


# --- Enqueue ------------------------------------------------------------------------------------------------------


def receiver_url(*, partner: Partner, module: str) -> str | None:
    """The partner's RECEIVER endpoint for ``module`` (2.1.1 endpoints carry no role and count as one)."""
    return partner.endpoint_url(module, InterfaceRole.RECEIVER.value)


def body_last_updated(body: Any) -> datetime | None:
    raw = body.get("last_updated") if isinstance(body, Mapping) else None
    if not isinstance(raw, str):
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def json_ready(body: dict[str, Any] | None) -> dict[str, Any] | None:
    """Plain JSON for the row: Decimals become JSON numbers, as DRF renders them in what we serve."""
    return None if body is None else json.loads(json.dumps(body, cls=JSONEncoder))


def leased(item: OutboxItem, now: datetime) -> bool:
    return item.claimed_until is not None and item.claimed_until > now


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
    """``push_enqueue`` of one change for several partners in one INSERT, whatever their number: nothing is read or
    locked, coalescing waits for the claim (``ocpi_api.push.coalesce``). Returns the new row of each partner that
    gets the change."""
    if method not in Method.values:
        raise ValueError(f"Unsupported method {method!r}.")
    targets = [p for p in partners if url is not None or receiver_url(partner=p, module=module) is not None]
    if not targets:
        return []
    encoded = None if body is None else json.dumps(body, cls=JSONEncoder)
    plain = None if encoded is None else json.loads(encoded)
    now = timezone.now()
    rows = [
        OutboxItem(
            partner=p,
            module=module,
            object_key=object_key,
            method=method,
            path=path.strip("/"),
            url=url or "",
            body=plain,
            last_updated=body_last_updated(plain),
            coalesce=coalesce and method != Method.POST,
            created=now,
            next_attempt_at=now,
            enqueued_at=now,
            updated=now,
        )
        for p in targets
    ]
    # No savepoint: the rows are part of the caller's change, and a failure here fails that change whole.
    with transaction.atomic(savepoint=False):
        _insert(rows, encoded)
        wake_after_commit({p.pk for p in targets})
    return rows


def push_broadcast(*, module: str, object_key: str, method: str, path: str, body: dict[str, Any] | None) -> int:
    """``push_enqueue_many`` to every partner that receives ``module`` (``selectors.push_partners``), choosing them in
    the INSERT itself (``push_broadcast_add``), run now. Returns the partners it was queued for."""
    writes = WriteBatch()
    push_broadcast_add(writes, module=module, object_key=object_key, method=method, path=path, body=body)
    with transaction.atomic(savepoint=False):
        (partner_ids,) = writes.execute()
    return len(partner_ids)


def push_broadcast_add(
    writes: WriteBatch, *, module: str, object_key: str, method: str, path: str, body: dict[str, Any] | None
) -> None:
    """Add to ``writes`` (the batch of the change it announces) the INSERT … SELECT that queues one change for every
    partner that receives ``module``: the change's outbox rows cost no statement of their own, for the busiest push
    of all (an EVSE's status). Partners are woken after the commit, as by ``push_enqueue_many``."""
    if method not in Method.values or method == Method.POST:
        raise ValueError(f"Unsupported method {method!r} for a broadcast.")
    encoded = None if body is None else json.dumps(body, cls=JSONEncoder)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    last_updated = body_last_updated(body)
    sql, template, place = _broadcast_sql()
    params = list(template)
    for column, value in (
        ("module", module),
        ("object_key", object_key),
        ("method", method),
        ("path", path.strip("/")),
        ("body", encoded),
        ("last_updated", connection.ops.adapt_datetimefield_value(last_updated)),
        *((name, now) for name in ("created", "next_attempt_at", "enqueued_at", "updated")),
    ):
        params[place[column]] = value
    params += [Partner.Status.REGISTERED, module, InterfaceRole.RECEIVER.value, InterfaceRole.RECEIVER.value]
    writes.add(sql, params, returning=connection.ops.quote_name("partner_id"), then=wake_after_commit)


@functools.cache
def _broadcast_sql() -> tuple[str, list[Any], dict[str, int]]:
    """The INSERT … SELECT of ``push_broadcast_add``, its parameters with a new row's defaults and the place of each
    column's parameter among them, built once."""
    fields = [f for f in OutboxItem._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    prototype = OutboxItem(created=timezone.now())
    values: list[str] = []
    template: list[Any] = []
    place: dict[str, int] = {}
    for f in fields:
        if f.attname == "partner_id":
            values.append(f"p.{quote('id')}")
            continue
        place[f.attname] = len(template)
        values.append(_typed(f, "%s"))
        template.append(_db_value(f, getattr(prototype, f.attname)))
    partners, receives = quote(Partner._meta.db_table), _RECEIVES[connection.vendor]
    columns = ", ".join(quote(str(f.column)) for f in fields)
    # Only quoted names of our own models, their types and placeholders go into the text; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(OutboxItem._meta.db_table)} ({columns}) SELECT {', '.join(values)} "  # noqa: S608
        f"FROM {partners} p WHERE p.{quote('status')} = %s AND {receives} "
        f"ORDER BY p.{quote('id')}"
    )
    return sql, template, place


# ``Partner.endpoint_url(module, RECEIVER)`` in SQL: an endpoint of the module whose role is RECEIVER or not given
# (2.1.1 endpoints carry none).
_RECEIVES = {
    "postgresql": (
        "EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p.endpoints) = 'array' "
        "THEN p.endpoints ELSE '[]'::jsonb END) AS e "
        "WHERE e->>'identifier' = %s AND COALESCE(e->>'role', %s) = %s)"
    ),
    "sqlite": (
        "EXISTS (SELECT 1 FROM json_each(p.endpoints) AS e "
        "WHERE json_extract(e.value, '$.identifier') = %s AND COALESCE(json_extract(e.value, '$.role'), %s) = %s)"
    ),
}


def _db_value(field: models.Field[Any, Any], value: Any) -> Any:
    if isinstance(field, models.JSONField):
        return None if value is None else json.dumps(value)
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _insert(items: list[OutboxItem], encoded_body: str | None) -> None:
    """``bulk_create`` written out (one INSERT … RETURNING id) for rows of one change, whose body is encoded once:
    the ORM's preparation of every value of every row was most of what an EVSE status change cost."""
    fields = [f for f in OutboxItem._meta.concrete_fields if not f.primary_key]
    params: list[Any] = []
    for item in items:
        params += [encoded_body if f.attname == "body" else _db_value(f, getattr(item, f.attname)) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Only quoted names of our own model and placeholders go into the text; every value is a parameter.
    sql = f"INSERT INTO {quote(OutboxItem._meta.db_table)} ({columns}) VALUES {', '.join([row] * len(items))}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {quote('id')}", params)
        ids = [pk for (pk,) in cursor.fetchall()]
    for item, pk in zip(items, ids, strict=True):
        item.pk = pk
        item._state.adding, item._state.db = False, connection.alias


def _typed(field: models.Field[Any, Any], sql: str) -> str:
    """``sql`` as a value of ``field``'s column. PostgreSQL types a VALUES column or a SELECT parameter by its literal
    (text, which it will not assign to jsonb or timestamptz); SQLite's columns take any value as it is, and a CAST
    there would turn a timestamp into a number."""
    return f"CAST({sql} AS {field.db_type(connection)})" if connection.vendor == "postgresql" else sql


def update_each(items: Sequence[OutboxItem], fields: Sequence[str], **common: Any) -> None:
    """Save ``fields`` of each row, each with its own values, and ``common`` values on all of them, in one UPDATE
    (``WITH v AS (VALUES …) UPDATE … FROM v``): ``bulk_update``'s CASE expressions cost the worker more CPU than the
    calls whose outcome they record."""
    if not items:
        return
    quote = connection.ops.quote_name
    by_name = {f.name: f for f in OutboxItem._meta.concrete_fields}
    own = [by_name[name] for name in fields]
    shared = [(by_name[name], value) for name, value in common.items()]
    params: list[Any] = []
    for item in items:
        params += [item.pk, *(f.get_db_prep_save(getattr(item, f.attname), connection) for f in own)]
    params += [f.get_db_prep_save(value, connection) for f, value in shared]
    table, pk = quote(OutboxItem._meta.db_table), quote("id")
    names = ", ".join([pk, *(quote(str(f.column)) for f in own)])
    row = "(" + ", ".join(["%s"] * (len(own) + 1)) + ")"
    sets = [f"{quote(str(f.column))} = {_typed(f, f'v.{quote(str(f.column))}')}" for f in own]
    sets += [f"{quote(str(f.column))} = %s" for f, _value in shared]
    # Only quoted names of our own model, their types and placeholders go into the text; every value is a parameter.
    sql = (
        f"WITH v ({names}) AS (VALUES {', '.join([row] * len(items))}) "  # noqa: S608
        f"UPDATE {table} SET {', '.join(sets)} FROM v WHERE {table}.{pk} = v.{pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def release(item: OutboxItem) -> None:
    # A worker whose lease ran out must not mark the new content delivered: it sent the old one.
    item.claimed_until = None
    item.claim_token = ""


def supersede(item: OutboxItem, reason: str) -> None:
    item.status = Status.SUPERSEDED
    item.response_message = reason
    item.finished_at = timezone.now()
    release(item)
    item.save()


def deliver_after_commit(item_ids: Iterable[int]) -> None:
    """A task per row, for the rows staff retry: each delivers its row's queue."""
    from .tasks import push_deliver_task

    for item_id in item_ids:
        push_deliver_task.delay_on_commit(item_id)


def wake_after_commit(partner_ids: Iterable[int]) -> None:
    """Have the partners' new rows delivered once the transaction commits (``ocpi_api.push.wake``)."""
    from .wake import wake

    ids = sorted(set(partner_ids))
    if ids:
        transaction.on_commit(lambda: wake(ids))


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
    deliver_after_commit([target.pk])
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
    deliver_after_commit(ids)
    return len(ids)


@transaction.atomic
def push_resend_catalogue_start(*, partner: Partner, requested_by: str = "") -> CatalogueResend:
    """Queue a task that PUTs every tariff and every roaming location to the partner, with progress on the job."""
    from .tasks import catalogue_resend_task

    job = CatalogueResend.objects.create(partner=partner, requested_by=requested_by)
    catalogue_resend_task.delay_on_commit(job.pk)
    return job
