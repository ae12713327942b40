"""Celery entry points of the push pipeline. Each takes ids, calls a service and is safe to run again."""

from __future__ import annotations

from celery import shared_task

from . import catalogue, delivery, drain


@shared_task(acks_late=True, ignore_result=True)
def push_deliver_task(item_id: int) -> int:
    return delivery.push_deliver(item_id=item_id)


@shared_task(acks_late=True, ignore_result=True)
def push_drain_task() -> int:
    return drain.push_drain()


@shared_task(ignore_result=True)
def push_sweep() -> int:
    return delivery.push_sweep()


@shared_task(acks_late=True, ignore_result=True)
def catalogue_resend_task(job_id: int) -> None:
    catalogue.catalogue_resend_run(job_id=job_id)
