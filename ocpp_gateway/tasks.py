"""Celery entry points of the charger edge. Each calls a service and is safe to run again."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def chargers_mark_silent_task() -> int:
    return services.chargers_mark_silent()
