"""A real Celery worker (``celery -A config worker --pool=solo``, with embedded beat unless told otherwise) against
Redis and this test run's PostgreSQL database, started as a subprocess that a test may kill with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import redis

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
# A Redis database of its own per pytest-xdist process (gw0, gw1, …): their workers must not take each other's tasks.
_XDIST_INDEX = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = os.environ.get("OCPI_PUSH_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{11 + _XDIST_INDEX}")
# Short timeouts, lease, backoff and sweeper period, so that a crash is recovered from in seconds.
FAST = {
    "OCPI_PUSH_CONNECT_TIMEOUT": "0.5",
    "OCPI_PUSH_READ_TIMEOUT": "1",
    "OCPI_PUSH_LEASE_MARGIN": "0.5",
    "OCPI_PUSH_RETRY_BASE": "0.1",
    "OCPI_PUSH_RETRY_CAP": "0.5",
    "OCPI_PUSH_SWEEP_INTERVAL": "1",
    "OCPI_PUSH_SWEEP_GRACE": "1",
}


def redis_problem(url: str = REDIS_URL) -> str | None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        return f"Redis at {url} is not reachable: {error}"
    return None


def database_url(settings_dict: Mapping[str, Any]) -> str | None:
    """The URL of the database this process uses, for the worker; None unless it is PostgreSQL."""
    if "postgresql" not in settings_dict["ENGINE"]:
        return None
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


@contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """Send this process's tasks to the broker at ``url`` instead of running them eagerly."""
    app = celery_app
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    saved_env = os.environ.get("CELERY_BROKER_URL")
    redis.Redis.from_url(url).flushdb()
    # Celery reads the broker from the environment before its configuration (celery.app.utils.Settings.broker_url):
    # with CELERY_BROKER_URL set, as in CI, the configuration alone would leave this process on the other broker.
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url, app.conf.task_always_eager = url, False
    app._after_fork()  # forget pooled connections to the old broker
    try:
        yield
    finally:
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        app.conf.broker_url, app.conf.task_always_eager = saved
        app._after_fork()


class Worker:
    def __init__(
        self,
        *,
        database_url: str,
        broker_url: str,
        log_path: Path,
        extra_env: Mapping[str, str] = FAST,
        beat: bool = True,
        name: str | None = None,
    ):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            **extra_env,
        }
        self.log_path = log_path
        self.beat = beat
        self.name = name
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> Worker:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "info"]
        command += ["--without-mingle", "--without-gossip", *(["-B"] if self.beat else [])]
        command += ["-n", f"{self.name}@%h"] if self.name else []
        # Its own process group, so that SIGKILL takes the embedded beat too.
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        # The worker logs "celery@<host> ready." (at INFO, hence the fixed log level: the log is a file of the test's
        # own) once it consumes from the broker. Reading its log, rather than pinging over the control channel, keeps
        # this independent of broker pools cached by earlier tests.
        while b" ready." not in self.log_path.read_bytes()[offset:]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                output = self.log_path.read_bytes()[offset:][-3000:]
                raise RuntimeError(f"Celery worker did not start:\n{output!r}")
            time.sleep(0.2)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, the lease stays on whatever it was sending."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=3)  # the test is over: a warm shutdown is nice, not needed
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None
