"""The token pull's place in the beat schedule: hourly. Staff may edit or disable it; the job is declared on
OcpiApiConfig.periodic_jobs and created after migrate (chargepoints.periodic)."""

from __future__ import annotations

from chargepoints.periodic import Every, PeriodicJob

TOKENS_PULL_JOB = PeriodicJob(
    name="OCPI: pull eMSP token lists",
    task="ocpi_api.tasks.tokens_pull_all_task",
    schedule=Every(1, "hours"),
    description="Reads the tokens changed since the last pull from every registered eMSP with a Tokens Sender "
    "endpoint, and merges them into our copy.",
)
