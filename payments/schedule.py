"""The stranded-hold sweep's place in the beat schedule: every 5 minutes. Staff may edit or disable it; the job is
declared on PaymentsConfig.periodic_jobs and created after migrate (chargepoints.periodic)."""

from __future__ import annotations

from chargepoints.periodic import Every, PeriodicJob

STRANDED_HOLDS_JOB = PeriodicJob(
    name="Payments: release stranded holds",
    task="payments.tasks.payments_release_stranded_task",
    schedule=Every(5, "minutes"),
    description="Ad hoc card holds with no session to pay for and nothing heard for PAYMENTS_STRANDED_HOLD_MINUTES "
    "are given back to the card (payments.stranded).",
)
