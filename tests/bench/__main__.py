"""`make bench`: run every tests/bench/bench_*.py module's ``run()`` in a throw-away test database and print its lines.

Each benchmark reports a ratio against a baseline measured in the same process, so the numbers compare across machines.
Benchmarks that need PostgreSQL say so and skip themselves when DATABASE_URL points elsewhere.
"""

import importlib
import os
import pkgutil
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test.utils import get_runner, setup_test_environment  # noqa: E402

import tests.bench  # noqa: E402


def main(selected: list[str]) -> int:
    setup_test_environment()
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        for module_info in sorted(pkgutil.iter_modules(tests.bench.__path__), key=lambda m: m.name):
            if not module_info.name.startswith("bench_"):
                continue
            if selected and not any(name in module_info.name for name in selected):
                continue
            module = importlib.import_module(f"tests.bench.{module_info.name}")
            print(f"== {module_info.name.removeprefix('bench_')}", flush=True)
            started = time.perf_counter()
            for line in module.run():
                print(f"   {line}", flush=True)
            print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    finally:
        runner.teardown_databases(old_config)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
