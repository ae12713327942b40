"""The writes of one change in one round trip: a ``WriteBatch`` collects INSERT and UPDATE statements (a service's
own and those its signal's receivers add) and runs them in the order added.

On PostgreSQL they go as one statement of data-modifying CTEs, ``WITH w0 AS (… RETURNING …), w1 AS (…) SELECT
ARRAY(SELECT v FROM w0), ARRAY(SELECT v FROM w1), …``: the main query reads each CTE to its end, left to right, so
they run one after another in the order added (the EVSE status history relies on it: the open period is closed
before the new one opens, under the ``status_one_open`` constraint). They share one snapshot, so no statement may
depend on reading what an earlier one of the batch wrote. Elsewhere (SQLite, the newcomer's database) they run one
after another as separate statements, with the same result.

Each statement's RETURNING values come back to the callback given with it; callbacks given to ``after`` run once
every statement ran. All of it happens in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections


@dataclass(frozen=True)
class _Write:
    sql: str
    params: Sequence[Any]
    returning: str
    then: Callable[[list[Any]], object] | None


class WriteBatch:
    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using
        self._writes: list[_Write] = []
        self._after: list[Callable[[], object]] = []

    def add(
        self,
        sql: str,
        params: Sequence[Any],
        *,
        returning: str = "1",
        then: Callable[[list[Any]], object] | None = None,
    ) -> None:
        """Queue one INSERT or UPDATE (without RETURNING: ``returning`` is the one expression it returns per row,
        handed to ``then`` as a list once it ran). Values are parameters, as in ``cursor.execute``."""
        self._writes.append(_Write(sql, params, returning, then))

    def after(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once every statement ran (it sees their rows)."""
        self._after.append(callback)

    def execute(self) -> list[list[Any]]:
        """Run the statements, then the callbacks. Returns each statement's RETURNING values, in order."""
        connection = connections[self.using]
        results: list[list[Any]] = []
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and len(self._writes) > 1:
                # The statements' own text, which their authors vouch for, and names made here; values are parameters.
                ctes = ", ".join(f"w{n} AS ({w.sql} RETURNING {w.returning} AS v)" for n, w in enumerate(self._writes))
                arrays = ", ".join(f"ARRAY(SELECT v FROM w{n})" for n in range(len(self._writes)))  # noqa: S608
                cursor.execute(f"WITH {ctes} SELECT {arrays}", [p for w in self._writes for p in w.params])
                results = [list(values) for values in cursor.fetchone()]
            else:
                for write in self._writes:
                    cursor.execute(f"{write.sql} RETURNING {write.returning}", write.params)
                    results.append([value for (value,) in cursor.fetchall()])
        for write, values in zip(self._writes, results, strict=True):
            if write.then is not None:
                write.then(values)
        for callback in self._after:
            callback()
        return results
