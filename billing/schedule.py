"""The invoice run's place in the beat schedule: daily at 03:00 in the billing time zone. Staff may edit or disable
it; the job is declared on BillingConfig.periodic_jobs and created after migrate (chargepoints.periodic)."""

from __future__ import annotations

from typing import Any

from chargepoints.periodic import Crontab, PeriodicJob, periodic_job_ensure

RUN_TASK_NAME = "billing.invoice_run"
SCHEDULE_NAME = "Billing: invoice run"
INVOICE_RUN_JOB = PeriodicJob(
    name=SCHEDULE_NAME,
    task=RUN_TASK_NAME,
    schedule=Crontab(minute="0", hour="3", time_zone_setting="BILLING_TIME_ZONE"),
    description="Bills every complete period of every active billing profile in draft invoices.",
)


def invoice_schedule_ensure() -> Any:
    """The invoice run's PeriodicTask; created when missing."""
    return periodic_job_ensure(INVOICE_RUN_JOB)
