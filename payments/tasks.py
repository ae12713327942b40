"""Celery entry points of the payments. Each calls a service and is safe to run again."""

from __future__ import annotations

from celery import shared_task

from .stranded import payments_release_stranded


@shared_task(ignore_result=True)
def payments_release_stranded_task() -> int:
    return payments_release_stranded()
