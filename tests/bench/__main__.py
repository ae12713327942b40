"""`make bench`: run every tests/bench/bench_*.py module's ``run()`` in a throw-away test database and print its lines.

Each benchmark reports a ratio against a baseline measured in the same process, so the numbers compare across machines,
and ends with one line ``RESULT <name> key=value …``. ``--smoke`` (`make bench-smoke`) runs them at tiny sizes, for CI:
the exit status is 1 when a benchmark raises or does not end with its RESULT line. Benchmarks that need PostgreSQL
say so and skip themselves when DATABASE_URL points elsewhere. Further arguments select benchmarks by name. The
benchmarks of the scale data set (``support.SCALE_BENCHMARKS``) run last and seed it once for all of them;
``--keepdb`` keeps the test database afterwards, so that the next run with it reuses that data set (and whatever the
other benchmarks committed: use it to re-run the scale benchmarks, not for figures of the others).
"""

import importlib
import os
import pkgutil
import sys
import time
import traceback

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
if "--smoke" in sys.argv[1:]:
    os.environ["BENCH_SMOKE"] = "1"  # read by tests.bench.support, imported below by the benchmarks

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test.utils import get_runner, setup_test_environment  # noqa: E402

import tests.bench  # noqa: E402
from tests.bench.support import SCALE_BENCHMARKS  # noqa: E402


def main(selected: list[str], *, keepdb: bool = False) -> int:
    setup_test_environment()
    runner = get_runner(settings)(verbosity=0, interactive=False, keepdb=keepdb)
    # Not serialized: no benchmark needs the rows back between tests, and a kept database holds the scale data set.
    old_config = runner.setup_databases(serialized_aliases=set())
    failed: list[str] = []
    try:
        # The benchmarks of the scale data set last: it stays in the database once the first of them has seeded it.
        modules = pkgutil.iter_modules(tests.bench.__path__)
        for module_info in sorted(modules, key=lambda m: (m.name.removeprefix("bench_") in SCALE_BENCHMARKS, m.name)):
            if not module_info.name.startswith("bench_"):
                continue
            if selected and not any(name in module_info.name for name in selected):
                continue
            name = module_info.name.removeprefix("bench_")
            print(f"== {name}", flush=True)
            started = time.perf_counter()
            try:
                lines = importlib.import_module(f"tests.bench.{module_info.name}").run()
            except Exception:
                traceback.print_exc()
                lines = []
            for line in lines:
                print(line if line.startswith("RESULT ") else f"   {line}", flush=True)
            if not (lines and lines[-1].startswith(f"RESULT {name} ")):
                print(f"   FAILED: {name} did not end with its RESULT line", flush=True)
                failed.append(name)
            print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    finally:
        runner.teardown_databases(old_config)
    if failed:
        print(f"benchmarks failed: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    sys.exit(main([a for a in arguments if a not in ("--smoke", "--keepdb")], keepdb="--keepdb" in arguments))
