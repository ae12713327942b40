"""The benchmarks themselves must keep working: CI runs them at tiny sizes (`make bench-smoke`), and these tests
guard the parts that broke before, the runner's exit status and RESULT lines and the push benchmark's worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.bench import bench_pages_at_scale, bench_push, support
from tests.ocpi_push.worker import database_url, redis_problem

ROOT = Path(__file__).resolve().parents[2]


def test_the_smoke_run_ends_each_benchmark_with_its_result_line_and_exits_0() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env.pop("DATABASE_URL", None)  # SQLite: pricing runs, the PostgreSQL benchmarks skip with their RESULT line
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench", "--smoke", "pricing", "push"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert results[0].startswith("RESULT pricing engine_vs_json=")
    assert results[1] == "RESULT push skipped=needs-PostgreSQL"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_push_benchmark_starts_its_worker_and_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    # It used to start the worker at log level warning and then wait in vain for the worker's INFO line "ready.".
    if database_url(connection.settings_dict) is None:
        pytest.skip("the benchmark's worker shares the test database, which needs PostgreSQL (set DATABASE_URL)")
    if problem := redis_problem(bench_push.REDIS_URL):
        pytest.skip(problem)
    sizes = {"CHANGES": 10, "PARTNERS": 2, "LOCATIONS": 2, "SCALING_LOCATIONS": 1, "COST_CHANGES": 8}
    for name, size in {**sizes, "RECOVERY_CHANGES": 10}.items():
        monkeypatch.setattr(bench_push, name, size)
    lines = bench_push.run()
    assert lines[-1].startswith("RESULT push throughput_x="), lines
    for key in ("p95_ms", "workers2_x", "change_ms", "recovery_s"):
        assert f" {key}=" in lines[-1]
    assert lines[-1].endswith(" lost=0")


@pytest.mark.django_db
def test_the_pages_at_scale_benchmark_times_every_list_and_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark needs PostgreSQL (set DATABASE_URL)")
    for name, size in {"SCALE_LOCATIONS": 30, "SCALE_SESSIONS": 300, "SCALE_INVOICES": 10}.items():
        monkeypatch.setattr(support, name, size)
    for name, size in {"REPEATS": 1, "BROWSER_REPEATS": 1}.items():
        monkeypatch.setattr(bench_pages_at_scale, name, size)
    lines = bench_pages_at_scale.run()
    assert lines[-1].startswith("RESULT pages_at_scale worst_ms="), lines
    assert " map_ms=" in lines[-1]  # the map and the dashboard in Chromium, as the static page's multiple
    assert " dashboard_vs_static=" in lines[-1]
    assert lines[-1].endswith(" queries_constant=yes"), lines
    assert len([line for line in lines if "page 1:" in line]) == 2 * len(bench_pages_at_scale.LISTS)
