import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest
from django.utils import translation
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

# The sync Playwright API runs an event loop in the test thread; Django must still allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent
# On in-memory SQLite every server thread of a test shares the test database's one connection: the live server's
# requests and the OCPP gateway's database thread take turns under this lock.
SQLITE_SERIAL = threading.Lock()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.path.exists(CHROMIUM):
        skip = pytest.mark.skip(reason=f"{CHROMIUM} missing (apt-get install chromium)")
        for item in items:
            if "e2e" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _media_root(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a request in Swedish leaves Swedish active in its thread (Django's
    LocaleMiddleware activates a language per request and never deactivates it), and the next test would see it."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def live_server(live_server: LiveServer) -> LiveServer:
    """pytest-django's live server, serving one request at a time on in-memory SQLite.

    There the server's request threads all use the test database's single connection, so a page and a request the
    browser sends alongside it (a favicon, an htmx poll) could interleave their transactions ("no such savepoint").
    PostgreSQL gives each thread its own connection and keeps the threaded server as it is.
    """
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        httpd = live_server.thread.httpd
        application = httpd.get_app()
        assert application is not None  # the live server was started with its WSGI handler

        def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            with SQLITE_SERIAL:
                return application(environ, start_response)

        httpd.set_app(serve)
    return live_server


# --- The schemathesis run's request count (tests/fuzz_requests.py) ----------------------------------------------
_FUZZ_SENT = pytest.StashKey[int]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:  # node: an xdist WorkerController (xdist has no hints)
    """xdist controller: add up what each worker sent. A worker that died before reporting has no output: its
    error is xdist's to show, not hidden behind an AttributeError here."""
    sent = getattr(node, "workeroutput", {}).get("fuzz_sent", 0)
    node.config.stash[_FUZZ_SENT] = node.config.stash.get(_FUZZ_SENT, 0) + sent


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from tests.fuzz_requests import CheckedApp

    config = session.config
    if hasattr(config, "workeroutput"):  # an xdist worker reports to the controller
        config.workeroutput["fuzz_sent"] = CheckedApp.sent
        return
    sent = config.stash.get(_FUZZ_SENT, 0) + CheckedApp.sent
    config.stash[_FUZZ_SENT] = sent
    required = int(os.environ.get("OCPI_FUZZ_MIN_REQUESTS", "0"))
    if required and sent < required:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    sent = config.stash.get(_FUZZ_SENT, 0)
    required = int(os.environ.get("OCPI_FUZZ_MIN_REQUESTS", "0"))
    if sent or required:
        verdict = f" (at least {required} required: {'ok' if sent >= required else 'TOO FEW'})" if required else ""
        terminalreporter.write_line(f"schemathesis: {sent} requests sent to the OCPI API{verdict}")
