"""The silent-charger check's place in the beat schedule: every minute. Staff may edit or disable it; the job is
declared on OcppGatewayConfig.periodic_jobs and created after migrate (chargepoints.periodic)."""

from __future__ import annotations

from chargepoints.periodic import Every, PeriodicJob

SILENT_CHARGERS_JOB = PeriodicJob(
    name="OCPP: mark silent chargers",
    task="ocpp_gateway.tasks.chargers_mark_silent_task",
    schedule=Every(1, "minutes"),
    description="Chargers still connected but not heard for OCPP_SILENT_AFTER_HEARTBEATS heartbeat intervals, and "
    "chargers a stopping gateway told to reconnect that did not within OCPP_RELEASE_GRACE_SECONDS: their EVSEs are "
    "shown UNKNOWN to partners until the charger speaks again.",
)
