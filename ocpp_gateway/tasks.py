"""Celery entry points of the charger edge. Each calls a service and is safe to run again."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def chargers_mark_silent_task() -> int:
    """Chargers we have lost: silent ones still connected, and released ones that did not come back."""
    return services.chargers_mark_silent() + services.chargers_released_expire()
