"""Celery tasks of chargepoints: thin wrappers over its services and selectors."""

from __future__ import annotations

from celery import shared_task

from .dashboard_summary import catalogue_summary_refresh, dashboard_charts_refresh_all


@shared_task(name="chargepoints.tasks.catalogue_summary_refresh_task", ignore_result=True)
def catalogue_summary_refresh_task() -> None:
    catalogue_summary_refresh()


@shared_task(name="chargepoints.tasks.dashboard_charts_refresh_task", ignore_result=True)
def dashboard_charts_refresh_task() -> None:
    dashboard_charts_refresh_all()
