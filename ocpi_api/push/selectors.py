"""Reads of the push pipeline: who receives a module, and what the staff pages show per partner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ocpi_api.core.status import InterfaceRole
from ocpi_api.models import Partner

from .models import CatalogueResend, OutboxItem
from .render import render_bodies


def push_partners(*, module: str) -> list[Partner]:
    """Registered partners with a Receiver endpoint for ``module``: the only ones that get its changes."""
    # Only what queueing a row reads: this runs on every change, and the other fields are large JSON.
    registered = (
        Partner.objects.filter(status=Partner.Status.REGISTERED).order_by("id").only("id", "status", "endpoints")
    )
    return [p for p in registered if p.endpoint_url(module, InterfaceRole.RECEIVER.value)]


@dataclass(frozen=True)
class QueueSummary:
    pending: int
    due: int
    retrying: int
    failed: int
    dead: int
    delivered: int
    oldest_pending: datetime | None
    last_delivered: datetime | None


def queue_summary(*, partner: Partner, now: datetime) -> QueueSummary:
    """Queue depth, oldest waiting change and failure counts of one partner, in one query."""
    S = OutboxItem.Status
    numbers = OutboxItem.objects.filter(partner=partner).aggregate(
        pending=Count("pk", filter=Q(status=S.PENDING)),
        due=Count("pk", filter=Q(status=S.PENDING, next_attempt_at__lte=now)),
        retrying=Count("pk", filter=Q(status=S.PENDING, attempts__gt=0)),
        failed=Count("pk", filter=Q(status=S.FAILED)),
        dead=Count("pk", filter=Q(status=S.DEAD)),
        delivered=Count("pk", filter=Q(status=S.DELIVERED)),
        oldest_pending=Min("created", filter=Q(status=S.PENDING)),
        last_delivered=Max("finished_at", filter=Q(status=S.DELIVERED)),
    )
    return QueueSummary(**numbers)


@dataclass(frozen=True)
class DeliveryProblems:
    failed: int  # rejected or given up, over all partners: each needs a person (retry, replay or fix the data)
    waiting: int


def delivery_problems() -> DeliveryProblems:
    S = OutboxItem.Status
    numbers = OutboxItem.objects.aggregate(
        failed=Count("pk", filter=Q(status__in=[S.FAILED, S.DEAD])),
        waiting=Count("pk", filter=Q(status=S.PENDING)),
    )
    return DeliveryProblems(**numbers)


def partners_with_delivery_counts() -> QuerySet[Partner]:
    """Every partner with how many of its deliveries wait (``deliveries_waiting``) and need a person
    (``deliveries_failing``: rejected or given up), in one query."""
    S = OutboxItem.Status

    def count(*statuses: str) -> Coalesce:
        # A count per partner over the (partner, status, id) index: a JOIN and GROUP BY read every delivery ever made.
        rows = OutboxItem.objects.filter(partner=OuterRef("pk"), status__in=statuses).order_by()
        return Coalesce(Subquery(rows.values("partner").annotate(n=Count("pk")).values("n")), 0)

    return Partner.objects.annotate(
        deliveries_waiting=count(S.PENDING), deliveries_failing=count(S.FAILED, S.DEAD)
    ).order_by("name", "id")


def outbox_list(*, partner: Partner, status: str | None = None, object_key: str | None = None) -> QuerySet[OutboxItem]:
    items = OutboxItem.objects.filter(partner=partner)
    if status:
        items = items.filter(status=status)
    if object_key:
        items = items.filter(object_key=object_key)
    return items.order_by("-id")


@dataclass(frozen=True)
class HistoryRow:
    item: OutboxItem
    body: Any  # what the partner is (or was) sent: the stored 2.2.1 body in the partner's OCPI version


def object_history(*, partner: Partner, object_key: str, limit: int) -> list[HistoryRow]:
    """The newest ``limit`` rows of one object for one partner, newest first, with their attempts and bodies as the
    partner is sent them, in a fixed number of queries."""
    items = list(outbox_list(partner=partner, object_key=object_key).prefetch_related("attempt_log")[:limit])
    return [HistoryRow(item, body) for item, body in zip(items, render_bodies(items, partner), strict=True)]


def latest_resend(*, partner: Partner) -> CatalogueResend | None:
    return CatalogueResend.objects.filter(partner=partner).order_by("-id").first()
