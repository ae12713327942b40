"""Coalescing, done when a drain claims a queue: the rows still waiting in it fold into as few calls as carry the
same final state, so a partner that fell behind catches up with the latest state instead of every step in between.

A change only inserts its rows (``services.push_enqueue_many``). When a worker claims the head of a (partner,
object_key) queue, the queue's waiting rows are replayed in id order:

- a PATCH merges with the waiting PUT or PATCH rows of the same path (the later fields win; ``charging_periods`` are
  appended, the Sessions PATCH rule, OCPI 2.2.1 mod_sessions.asciidoc, Receiver Interface, PATCH), keeping the method
  of the first of them (a PATCH merged into a PUT is still a PUT);
- a PUT or DELETE replaces the waiting rows of its path and of every path below it;
- a PATCH that sets nothing the object's latest row (the last one waiting, else the last one finished) did not
  already set is dropped;
- rows that do not coalesce (POSTs, ``coalesce=False``) are sent as they are, and nothing after one folds into what
  came before it.

The row that absorbs others is always the later one, which keeps its place: the calls of one queue keep rising
``last_updated`` values (an EVSE merged at the head could overtake a newer change of its sibling, and the receiver,
which sets the location's last_updated from every EVSE push, would end up with an older one). It takes the oldest
``created`` (the age limit), the highest ``attempts`` and the latest ``next_attempt_at`` (the backoff) of what it
absorbs: the partner is no more reachable for the merge. The absorbed rows are SUPERSEDED ("Merged into row N") in
the claim's transaction, so a claim that rolls back folds nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from django.db.models import F, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber

from .models import OutboxItem
from .services import update_each

Status = OutboxItem.Status
Method = OutboxItem.Method
# PATCH fields whose lists the receiver appends rather than replaces (OCPI 2.2.1 mod_sessions.asciidoc, Receiver
# Interface, PATCH).
APPEND_FIELDS = frozenset({"charging_periods"})
_FULL_STATE = (Method.PUT, Method.DELETE)
# Waiting rows of one queue folded per claim: a queue longer than this (a partner down for hours) folds in steps,
# each claim taking the next rows, so a claim's transaction stays short.
FOLD_LIMIT = 1000
_FOLDED_FIELDS = ["method", "body", "last_updated", "created", "attempts", "next_attempt_at", "http_status"]


def below_or_at(path: str, other: str) -> bool:
    """``other`` is ``path`` or an object below it (an EVSE below its location, a connector below its EVSE)."""
    return other == path or other.startswith(path.rstrip("/") + "/")


def merge_bodies(old: Any, new: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(old) if isinstance(old, Mapping) else {}
    for key, value in new.items():
        if key in APPEND_FIELDS and isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = [*merged[key], *value]
        else:
            merged[key] = value
    return merged


def fold_queues(partner_id: int, object_keys: Collection[str], now: datetime) -> dict[str, OutboxItem | None]:
    """Fold the waiting rows of the partner's queues ``object_keys`` and return, per queue, the row to send first,
    or None when every waiting row was dropped as a repeat.

    Call it in the claim's transaction, holding the queues' heads (nobody else claims them meanwhile); the other
    waiting rows are locked here. A queue with a leased row (a worker sends it now) is left as it is and has no
    entry. The returned rows carry the folded state, already saved; the caller decides whether they are due.
    """
    ranked = (
        OutboxItem.objects.filter(partner_id=partner_id, object_key__in=object_keys, status=Status.PENDING)
        .annotate(rank=Window(RowNumber(), partition_by=[F("object_key")], order_by=F("id").asc()))
        .filter(rank__lte=FOLD_LIMIT)
        .values("pk")
    )
    rows = (
        OutboxItem.objects.select_for_update()
        .filter(pk__in=ranked)
        .defer("response_message", "response_headers", "response_data")
        .order_by("id")
    )
    queues: dict[str, list[OutboxItem]] = defaultdict(list)
    for row in rows:
        queues[row.object_key].append(row)
    open_queues = {
        key: waiting
        for key, waiting in queues.items()
        if not any(r.claimed_until is not None and r.claimed_until > now for r in waiting)
    }
    previous = _finished_before(partner_id, open_queues)
    heads: dict[str, OutboxItem | None] = {}
    merged_into: dict[int, int] = {}
    dropped: dict[int, int] = {}
    changed: list[OutboxItem] = []
    for key, waiting in open_queues.items():
        fold = _Fold(previous.get(key))
        for row in waiting:
            fold.add(row)
        merged_into.update(fold.merged_into)
        dropped.update(fold.dropped)
        changed += fold.changed
        heads[key] = fold.kept[0] if fold.kept else None
    _save(merged_into, dropped, changed, now)
    return heads


class _Fold:
    """The replay of one queue's waiting rows: what is kept, what merged into what, what was dropped."""

    def __init__(self, previous: OutboxItem | None):
        self.previous = previous  # the queue's last finished row, for the repeats rule
        self.kept: list[OutboxItem] = []
        self.open: list[OutboxItem] = []  # kept rows a later row may still fold
        self.absorbed: dict[int, list[int]] = defaultdict(list)  # kept row: the rows merged into it
        self.merged_into: dict[int, int] = {}
        self.dropped: dict[int, int] = {}  # dropped row: the row it repeats
        self.changed: list[OutboxItem] = []

    def add(self, row: OutboxItem) -> None:
        if not row.coalesce or row.method == Method.POST:
            self.kept.append(row)
            self.open = []  # nothing later folds into what was queued before it
            return
        candidates = [r for r in self.open if r.url == row.url and r.module == row.module]
        replaced: list[OutboxItem] = []
        if row.method in _FULL_STATE:
            replaced = [r for r in candidates if below_or_at(row.path, r.path)]
        elif row.method == Method.PATCH and row.body is not None:
            replaced = [r for r in candidates if r.path == row.path and r.method in (Method.PUT, Method.PATCH)]
            if not replaced:
                tail = self.kept[-1] if self.kept else self.previous
                if tail is not None and _repeats(tail, row):
                    self.dropped[row.pk] = tail.pk
                    return
        if replaced:
            self._absorb(row, replaced)
        self.kept.append(row)
        self.open.append(row)

    def _absorb(self, row: OutboxItem, replaced: list[OutboxItem]) -> None:
        if row.method == Method.PATCH:
            body: dict[str, Any] = {}
            for old in replaced:
                body = merge_bodies(body, old.body or {})
            row.method, row.body = replaced[0].method, merge_bodies(body, row.body or {})
        row.last_updated = max(filter(None, [row.last_updated, *(r.last_updated for r in replaced)]), default=None)
        row.created = min([row.created, *(r.created for r in replaced)])
        tried = max([row, *replaced], key=lambda r: r.attempts)
        row.attempts, row.http_status = tried.attempts, tried.http_status  # how the last attempt went (catch_up)
        row.next_attempt_at = max([row.next_attempt_at, *(r.next_attempt_at for r in replaced)])
        for old in replaced:
            self.kept.remove(old)
            self.open.remove(old)
            if old in self.changed:
                self.changed.remove(old)
            for pk in [old.pk, *self.absorbed.pop(old.pk, [])]:
                self.absorbed[row.pk].append(pk)
                self.merged_into[pk] = row.pk
        self.changed.append(row)


def _repeats(tail: OutboxItem, row: OutboxItem) -> bool:
    """A PATCH that sets nothing the object's latest row did not already set (last_updated aside)."""
    if tail.url != row.url or tail.path != row.path or not isinstance(tail.body, Mapping):
        return False
    if tail.method not in (Method.PUT, Method.PATCH) or tail.status not in (Status.PENDING, Status.DELIVERED):
        return False
    body = row.body if isinstance(row.body, Mapping) else {}
    return all(tail.body.get(key) == value for key, value in body.items() if key != "last_updated")


def _finished_before(partner_id: int, queues: Mapping[str, list[OutboxItem]]) -> dict[str, OutboxItem]:
    """Per queue whose first waiting row is a PATCH that may repeat it, the queue's last finished row that is not
    superseded (what the partner was last sent about the object), in one query."""
    first = {key: waiting[0] for key, waiting in queues.items() if waiting[0].coalesce}
    wanted = [row.pk for row in first.values() if row.method == Method.PATCH and row.body is not None]
    if not wanted:
        return {}
    latest = (
        OutboxItem.objects.filter(partner_id=partner_id, object_key=OuterRef("object_key"), id__lt=OuterRef("id"))
        .exclude(status__in=[Status.PENDING, Status.SUPERSEDED])
        .order_by("-id")
        .values("pk")[:1]
    )
    found = OutboxItem.objects.filter(
        pk__in=OutboxItem.objects.filter(pk__in=wanted).annotate(latest=Subquery(latest)).values("latest")
    ).only("id", "object_key", "method", "path", "url", "body", "status")
    return {row.object_key: row for row in found}


def _save(merged_into: Mapping[int, int], dropped: Mapping[int, int], changed: list[OutboxItem], now: datetime) -> None:
    gone = [OutboxItem(pk=pk, response_message=f"Merged into row {into}.") for pk, into in merged_into.items()]
    gone += [
        OutboxItem(pk=pk, response_message=f"Repeats row {row}: nothing new to send.") for pk, row in dropped.items()
    ]
    update_each(
        gone,
        ["response_message"],
        status=Status.SUPERSEDED,
        finished_at=now,
        claimed_until=None,
        claim_token="",
        updated=now,
    )
    update_each(changed, _FOLDED_FIELDS, updated=now)
