"""OCPI Locations import: a fresh import of an operator feed with real-world faults, then a re-import unchanged.

Printed against a baseline measured in the same run: a raw ``COPY … FROM STDIN`` of exactly the rows the import
wrote (locations, EVSEs, connectors, hours, repairs), which is the cheapest way PostgreSQL can take them. The re-import
of the same file should find every record unchanged from its stored hash, without reading it again.
``BENCH_IMPORT_LOCATIONS`` sets the size (default 10,000; ``BENCH_SMOKE=1`` makes it 200). Needs PostgreSQL.
"""

from __future__ import annotations

import io
import os
import time

from django.db import connection

from chargepoints.importers import get_parser
from chargepoints.importers.runner import import_records
from tests.bench.support import on_postgresql_rolled_back, sized
from tests.chargepoints.feeds import operator_document

TABLES = [
    "chargepoints_location",
    "chargepoints_evse",
    "chargepoints_connector",
    "chargepoints_regularhours",
    "chargepoints_exceptionalperiod",
    "chargepoints_locationrepair",
]


def _size() -> int:
    return int(os.environ.get("BENCH_IMPORT_LOCATIONS", sized(10_000, 200)))


def run() -> list[str]:
    return on_postgresql_rolled_back("import", _bench)


def _copy_out() -> dict[str, str]:
    dumps = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            buffer = io.StringIO()
            cursor.cursor.copy_expert(f"COPY {table} TO STDOUT", buffer)
            dumps[table] = buffer.getvalue()
    return dumps


def _empty() -> None:
    with connection.cursor() as cursor:
        for table in reversed(TABLES):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608  (our own table names)


def _copy_in(dumps: dict[str, str]) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.cursor.copy_expert(f"COPY {table} FROM STDIN", io.StringIO(dumps[table]))
    return time.perf_counter() - started


def _bench() -> list[str]:
    count = _size()
    raw = operator_document("nl", count)  # data-only envelope, power in kW, no max_voltage, city null, …
    parser = get_parser("ocpi")

    started = time.perf_counter()
    fresh = import_records(parser=parser, records=parser.split(raw))
    fresh_s = time.perf_counter() - started
    assert fresh.created + fresh.rejected == count, fresh.summary()

    dumps = _copy_out()
    _empty()
    copy_s = _copy_in(dumps)  # the same rows back, so the re-import finds them

    started = time.perf_counter()
    again = import_records(parser=parser, records=parser.split(raw))
    again_s = time.perf_counter() - started
    assert again.unchanged == fresh.created, again.summary()
    assert again.created == again.updated == 0, again.summary()

    return [
        f"fresh import: {count} locations in {fresh_s:.2f} s ({count / fresh_s:,.0f}/s), {fresh.summary()}",
        f"raw COPY of the same rows: {copy_s:.3f} s ({count / copy_s:,.0f}/s)",
        f"re-import unchanged: {again_s:.2f} s ({count / again_s:,.0f}/s)",
        f"RESULT import locations={count} fresh_per_s={count / fresh_s:.0f} copy_per_s={count / copy_s:.0f}"
        f" fresh_vs_copy={fresh_s / copy_s:.1f} reimport_per_s={count / again_s:.0f}"
        f" unchanged_speedup={fresh_s / again_s:.1f}",
    ]
