"""What the benchmarks share: their sizes (full or smoke), their RESULT line, and PostgreSQL with a rollback."""

import os
from collections.abc import Callable

from django.db import connection, transaction

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
