"""The invoice run's default place in the beat schedule."""

from __future__ import annotations

from typing import Any

from django.conf import settings

RUN_TASK_NAME = "billing.invoice_run"
SCHEDULE_NAME = "Billing: invoice run"


def invoice_schedule_ensure() -> Any:
    """The beat schedule's invoice run (daily 03:00 local; staff may edit it). Creates it when missing."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    task = PeriodicTask.objects.filter(name=SCHEDULE_NAME).first()
    if task is not None:
        return task
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.BILLING_TIME_ZONE
    )
    task, _created = PeriodicTask.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "task": RUN_TASK_NAME,
            "crontab": crontab,
            "description": "Bills every complete period of every active billing profile in draft invoices.",
        },
    )
    return task
