"""What the benchmarks share: their sizes (full or smoke), their RESULT line, PostgreSQL with a rollback, and the
scale data set (``seed_scale``), seeded once per run for the benchmarks that read it."""

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.db import connection, transaction

from chargepoints.models import ChargingSession, Location
from chargepoints.scale import SCALE_SOURCE, ScalePlan, scale_seed

# `make bench-smoke` (python -m tests.bench --smoke): tiny sizes, so that CI sees a broken benchmark in seconds.
# The figures of a smoke run mean nothing.
SMOKE = os.environ.get("BENCH_SMOKE") == "1"


def sized(full: int, smoke: int) -> int:
    return smoke if SMOKE else full


def result(name: str, **values: float | int | str) -> str:
    """The benchmark's last line, for machines: ``RESULT <name> key=value …`` (ratios, counts, milliseconds)."""
    fields = " ".join(
        f"{key}={value:.3g}" if isinstance(value, float) else f"{key}={value}" for key, value in values.items()
    )
    return f"RESULT {name} {fields}"


def skipped(name: str, reason: str) -> list[str]:
    return [f"skipped: {reason}", result(name, skipped=reason.split(" (")[0].replace(" ", "-"))]


class _Rollback(Exception):
    pass


def on_postgresql_rolled_back(name: str, bench: Callable[[], list[str]]) -> list[str]:
    """Run ``bench`` inside a transaction that is rolled back afterwards; skip with a line when not on PostgreSQL."""
    if connection.vendor != "postgresql":
        return skipped(name, f"needs PostgreSQL (DATABASE_URL points at {connection.vendor})")
    lines: list[str] = []
    try:
        with transaction.atomic():
            lines += bench()
            raise _Rollback
    except _Rollback:
        pass
    return lines


# The scale data set of issue #20: 10,000 locations (about 30,000 EVSEs), 200,000 sessions with their CDRs, 2,000
# invoices, 100 chargers with their message logs. Read at call time, so a test can make it smaller.
SCALE_LOCATIONS = sized(10_000, 40)
SCALE_SESSIONS = sized(200_000, 400)
SCALE_INVOICES = sized(2_000, 20)
# The benchmarks that read it. The runner runs them after all the others: the data set stays committed in the run's
# throw-away database once seeded, and the others' figures (the demo's map, the OCPI crawl) must not see it.
SCALE_BENCHMARKS = ("chart_pages", "pages_at_scale")


def on_postgresql_at_scale(name: str, bench: Callable[[], list[str]]) -> list[str]:
    """:func:`on_postgresql_rolled_back` on the scale data set: seeded (committed) by the first of
    ``SCALE_BENCHMARKS`` to run, reused by the next when it is there at the planned size."""
    assert name in SCALE_BENCHMARKS, f"{name} reads the scale data set: list it in SCALE_BENCHMARKS"
    if connection.vendor != "postgresql":
        return skipped(name, f"needs PostgreSQL (DATABASE_URL points at {connection.vendor})")
    data = _scale_data()
    return on_postgresql_rolled_back(name, lambda: [*data, *bench()])


def _scale_data() -> list[str]:
    locations = Location.objects.filter(source=SCALE_SOURCE).count()
    if locations:
        sessions = ChargingSession.objects.filter(location__source=SCALE_SOURCE).count()
        if (locations, sessions) != (SCALE_LOCATIONS, SCALE_SESSIONS):
            raise RuntimeError(
                f"the database holds a scale data set of {locations} locations and {sessions} sessions, not the "
                f"{SCALE_LOCATIONS} and {SCALE_SESSIONS} planned: run on a fresh test database"
            )
        return [f"data: the scale data set seeded earlier in this run ({locations} locations, {sessions} sessions)"]
    started = time.perf_counter()
    plan = ScalePlan(
        locations=SCALE_LOCATIONS,
        sessions=SCALE_SESSIONS,
        invoices=SCALE_INVOICES,
        seed=20,
        now=datetime.now(UTC).replace(microsecond=0),
    )
    # Outside a transaction (as the runner calls it), the rows are committed and scale_seed ends with VACUUM ANALYZE.
    lines = [f"data: {line}" for line in scale_seed(plan=plan)]
    return [*lines, f"seeded in {time.perf_counter() - started:.0f} s"]
