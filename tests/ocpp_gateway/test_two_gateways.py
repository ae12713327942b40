"""Two gateway processes share Redis (channels-redis): a staff command sent on one process reaches the charger
connected to the other, and its answer comes back. Skipped without a Redis server (OCPP_TEST_REDIS_URL)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.db import connections

from tests.conftest import ROOT
from tests.factories import DEFAULT_PASSWORD, operations_user
from tests.ocpi_api.drivers import roaming_station

from .conftest import ChargerThread, registered

REDIS_URL = os.environ.get("OCPP_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(not redis_up(), reason=f"no Redis at {REDIS_URL}")


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url(tmp_path: Path) -> str:
    """The test database, as the gateway processes can open it: a copy of in-memory SQLite, or PostgreSQL's."""
    connection = connections["default"]
    if connection.vendor == "sqlite":
        target = tmp_path / "gateways.sqlite3"
        import sqlite3

        with closing(sqlite3.connect(target)) as copy:
            connection.ensure_connection()
            connection.connection.backup(copy)
        return f"sqlite:///{target}"
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Process:
    def __init__(self, port: int, env: dict[str, str]) -> None:
        self.port = port
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
        self.popen = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.popen.poll() is None, self.popen.stderr.read().decode() if self.popen.stderr else ""
            with closing(socket.socket()) as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise AssertionError("gateway process did not start")

    def url(self, charge_point_id: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp/{charge_point_id}"

    def stop(self) -> None:
        self.popen.terminate()
        self.popen.wait(10)


@pytest.mark.django_db(transaction=True)
def test_a_command_sent_on_one_gateway_reaches_a_charger_on_the_other(tmp_path):
    evse = roaming_station()
    charger, password = registered([evse.uid])
    operations_user()
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(tmp_path),
        "CHANNEL_LAYER_URL": REDIS_URL,
        "OCPP_DB_THREADS": "1",
    }
    first, second = Process(free_port(), env), Process(free_port(), env)
    try:
        first.wait()
        second.wait()
        with ChargerThread(second, "CP-1", password) as cp:  # type: ignore[arg-type]
            web = requests.Session()
            base = f"http://127.0.0.1:{first.port}"
            login = web.get(f"{base}/accounts/login/", timeout=10).text
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)  # type: ignore[union-attr]
            web.post(
                f"{base}/accounts/login/",
                {"username": "ops", "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token},
                timeout=10,
            )
            page = web.get(f"{base}/chargers/{charger.pk}/", timeout=10).text
            assert "connected" in page
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            answer = web.post(
                f"{base}/chargers/{charger.pk}/command/Reset/",
                {"Reset-type": "Soft", "csrfmiddlewaretoken": token},
                timeout=30,
            )
            assert "Reset: Accepted" in answer.text
            assert cp.answers.received == [("Reset", {"type": "Soft"})]
    finally:
        first.stop()
        second.stop()
