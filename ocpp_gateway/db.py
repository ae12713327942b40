"""The gateway's database threads: every ORM call of a connection runs here, off the event loop.

A pool of its own (``OCPP_DB_THREADS``) keeps slow database work or a real-time authorization from stalling the
websocket reads of every charger (the library's schema validation runs on the event loop: ``apps``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.db import close_old_connections, connections

T = TypeVar("T")
_executor: ThreadPoolExecutor | None = None


def executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        # SQLite (the zero-service default of `make run`) takes one writer at a time: parallel gateway threads would
        # meet "database is locked" when two chargers report at once, so it gets a single thread.
        threads = 1 if connections["default"].vendor == "sqlite" else int(settings.OCPP_DB_THREADS)
        _executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ocpp-db")
    return _executor


def use_executor(replacement: ThreadPoolExecutor | None) -> ThreadPoolExecutor | None:
    """Swap the pool (tests run one thread on the test database's connection). Returns the previous one."""
    global _executor
    previous, _executor = _executor, replacement
    return previous


_checked = threading.local()
CONNECTION_CHECK_SECONDS = 30.0


def _run(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    # A gateway thread keeps its connection between messages (reconnecting per message would cost more than the
    # message), and drops a broken or too old one now and then, as Django does between requests.
    now = time.monotonic()
    if now - getattr(_checked, "at", -CONNECTION_CHECK_SECONDS) >= CONNECTION_CHECK_SECONDS:
        _checked.at = now
        close_old_connections()
    return function(*args, **kwargs)


async def in_db(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor(), partial(_run, function, *args, **kwargs))
