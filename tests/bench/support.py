"""What the benchmarks share: they need PostgreSQL, and each leaves the throw-away database as it found it."""

from collections.abc import Callable

from django.db import connection, transaction


class _Rollback(Exception):
    pass


def on_postgresql_rolled_back(bench: Callable[[], list[str]]) -> list[str]:
    """Run ``bench`` inside a transaction that is rolled back afterwards; skip with a line when not on PostgreSQL."""
    if connection.vendor != "postgresql":
        return [f"skipped: needs PostgreSQL (DATABASE_URL points at {connection.vendor})"]
    lines: list[str] = []
    try:
        with transaction.atomic():
            lines += bench()
            raise _Rollback
    except _Rollback:
        pass
    return lines
