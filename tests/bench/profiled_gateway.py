"""The OCPP benchmark's gateway under cProfile (``OCPP_BENCH_PROFILE=FILE``): uvicorn as the benchmark starts it,
profiled only while driven (SIGUSR1 starts, SIGUSR2 stops and writes), in CPU time of each thread: the event loop to
FILE and the database threads (every ``ocpp_gateway.db`` call) to FILE.db. Read them with ``python -m pstats``.

    python -m tests.bench.profiled_gateway FILE UVICORN-ARGUMENTS…
"""

from __future__ import annotations

import cProfile
import os
import pstats
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import django
import uvicorn

T = TypeVar("T")


def main(target: str, arguments: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from ocpp_gateway import db

    loop_profile = cProfile.Profile(time.thread_time)
    thread_profiles: list[cProfile.Profile] = []
    local = threading.local()
    on = threading.Event()
    unprofiled = db._run

    def profiled(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if not on.is_set():
            return unprofiled(function, *args, **kwargs)
        if not hasattr(local, "profile"):
            local.profile = cProfile.Profile(time.thread_time)
            thread_profiles.append(local.profile)
        return local.profile.runcall(unprofiled, function, *args, **kwargs)  # type: ignore[no-any-return]

    def start(*_: object) -> None:
        on.set()
        loop_profile.enable()

    def stop(*_: object) -> None:
        loop_profile.disable()
        on.clear()
        loop_profile.dump_stats(target)
        if thread_profiles:
            merged = pstats.Stats(thread_profiles[0])
            for profile in thread_profiles[1:]:
                merged.add(profile)
            merged.dump_stats(f"{target}.db")

    db._run = profiled
    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    sys.argv = ["uvicorn", *arguments]
    uvicorn.main()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
