"""Celery entry points of the OCPI modules. Each takes ids, calls a service and is safe to run again."""

from __future__ import annotations

from celery import shared_task

from . import command_services, token_pull


@shared_task(acks_late=True, ignore_result=True)
def command_execute_task(command_id: int) -> None:
    command_services.command_execute(command_id=command_id)


@shared_task(ignore_result=True)
def reservations_expire_task() -> int:
    return command_services.reservations_expire()


@shared_task(ignore_result=True)
def tokens_pull_task(partner_id: int) -> None:
    token_pull.partner_tokens_pull(partner_id)


@shared_task(ignore_result=True)
def tokens_pull_all_task() -> int:
    """The beat schedule's entry: one pull task per partner with a token list to pull."""
    partner_ids = token_pull.partners_to_pull()
    for partner_id in partner_ids:
        tokens_pull_task.delay(partner_id)
    return len(partner_ids)
