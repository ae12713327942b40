"""Periodic jobs staff may edit in the admin (django_celery_beat): each declared once, by the app that owns it.

An app lists its jobs on its AppConfig (``periodic_jobs``); after every migrate, ``periodic_jobs_ensure`` creates the
PeriodicTask rows that are missing and leaves existing ones alone, so a schedule staff changed or disabled stays so.
Fixed infrastructure jobs, which follow the settings, are in CELERY_BEAT_SCHEDULE (config/settings/base.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings


@dataclass(frozen=True)
class Crontab:
    minute: str = "0"
    hour: str = "*"
    day_of_week: str = "*"
    day_of_month: str = "*"
    month_of_year: str = "*"
    time_zone_setting: str = "TIME_ZONE"  # the setting that names the zone the hours are in


@dataclass(frozen=True)
class Every:
    every: int
    period: str  # "days", "hours", "minutes", "seconds"


@dataclass(frozen=True)
class PeriodicJob:
    name: str  # the PeriodicTask's name: how staff and the code find it
    task: str  # the Celery task name
    schedule: Crontab | Every
    description: str


def periodic_jobs() -> list[PeriodicJob]:
    return [job for config in apps.get_app_configs() for job in getattr(config, "periodic_jobs", ())]


def periodic_job_ensure(job: PeriodicJob) -> Any:
    """The job's PeriodicTask, created with its declared schedule when it is missing."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    task = PeriodicTask.objects.filter(name=job.name).first()
    if task is not None:
        return task
    defaults: dict[str, Any] = {"task": job.task, "description": job.description}
    if isinstance(job.schedule, Crontab):
        c = job.schedule
        defaults["crontab"], _created = CrontabSchedule.objects.get_or_create(
            minute=c.minute,
            hour=c.hour,
            day_of_week=c.day_of_week,
            day_of_month=c.day_of_month,
            month_of_year=c.month_of_year,
            timezone=getattr(settings, c.time_zone_setting),
        )
    else:
        defaults["interval"], _created = IntervalSchedule.objects.get_or_create(
            every=job.schedule.every, period=job.schedule.period
        )
    task, _created = PeriodicTask.objects.get_or_create(name=job.name, defaults=defaults)
    return task


def periodic_jobs_ensure(**_: Any) -> None:
    """post_migrate receiver: every declared job exists (safe to run at any time)."""
    for job in periodic_jobs():
        periodic_job_ensure(job)
