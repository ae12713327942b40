"""Celery entry points of the OCPI modules. Each takes ids, calls a service and is safe to run again."""

from __future__ import annotations

from celery import shared_task

from . import commands


@shared_task(acks_late=True, ignore_result=True)
def command_execute_task(command_id: int) -> None:
    commands.command_execute(command_id=command_id)


@shared_task(ignore_result=True)
def reservations_expire_task() -> int:
    return commands.reservations_expire()
