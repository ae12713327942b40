"""Pages timed in a real browser, for the benchmarks (issue #20: "map and dashboard under 1 s on that data in the
browser"): Chromium through Playwright against a live server, each page as a ratio against a static HTML page that
the same server sends.

The server answers on the benchmark's own database connection, one request at a time, so it sees the benchmark's
rows although they are never committed (the benchmark rolls them back). A page is timed from the start of its
navigation to the moment it is usable: a performance mark the page sets (the map's ``map-ready``, once its stations
and basemap are drawn), else the end of its load event. Each page is loaded once untimed (the
browser's cache and the server's templates warm), then the best of ``repeats`` loads counts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from django.test.testcases import QuietWSGIRequestHandler
from playwright.sync_api import sync_playwright

from tests.conftest import CHROMIUM, CHROMIUM_ARGS

STATIC_PAGE_PATH = "/__bench__/static.html"
# The baseline: what any page of ours costs at least, a document with the portal's stylesheets and script.
STATIC_PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Static</title>
<link rel="stylesheet" href="/static/vendor/bootstrap/bootstrap.min.css">
<link rel="stylesheet" href="/static/css/portal.css"></head>
<body><main class="container"><h1>A static page</h1><p>The same server, no database.</p></main>
<script src="/static/vendor/bootstrap/bootstrap.bundle.min.js"></script></body></html>"""
# Milliseconds from the navigation's start to the page's ready mark (waited for, at most 20 s), else to its load end.
_USABLE_AT = """async (readyMark) => {
  const started = performance.now();
  for (;;) {
    const mark = readyMark && performance.getEntriesByName(readyMark, "mark")[0];
    if (mark) return mark.startTime;
    const navigation = performance.getEntriesByType("navigation")[0];
    if (!readyMark && navigation && navigation.loadEventEnd > 0) return navigation.loadEventEnd;
    if (performance.now() - started > 20000) throw new Error("the page never became ready: " + location.href);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}"""


@dataclass(frozen=True)
class BrowserPage:
    name: str
    path: str
    ready_mark: str = ""  # wait for this performance mark (else the load event)


class _SharedConnectionServer(ThreadedWSGIServer):
    """A request thread per connection, all on the benchmark's database connection, which stays open after each."""

    def _close_connections(self) -> None:
        pass


def _serve_one_at_a_time(application: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    lock = threading.Lock()

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["PATH_INFO"] == STATIC_PAGE_PATH:
            start_response(
                "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(STATIC_PAGE)))]
            )
            return [STATIC_PAGE]
        with lock:  # one connection: one query at a time
            return application(environ, start_response)

    return serve


@contextmanager
def live_server_on_this_connection() -> Iterator[str]:
    """A live server on 127.0.0.1 (an ephemeral port) that reads this thread's open transaction; yields its URL."""
    # As Django's test client does: a request must not close the connection it shares with the benchmark.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: django.db.connection is a proxy to it
    connection.inc_thread_sharing()
    server = _SharedConnectionServer(
        ("127.0.0.1", 0),
        QuietWSGIRequestHandler,
        allow_reuse_address=False,
        connections_override={DEFAULT_DB_ALIAS: connection},
    )
    server.set_app(_serve_one_at_a_time(StaticFilesHandler(WSGIHandler())))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        connection.dec_thread_sharing()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def browser_times(
    *, base_url: str, session_cookie: str, pages: Iterable[BrowserPage], repeats: int
) -> dict[str, float]:
    """The best time to usable, in ms, of each page (a signed-in browser at 1440 × 900), and of the static page
    (``static``)."""
    timed: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            context.add_cookies([{"name": "sessionid", "value": session_cookie, "url": base_url}])
            tab = context.new_page()
            for page in (BrowserPage("static", STATIC_PAGE_PATH), *pages):
                times = []
                for _ in range(repeats + 1):
                    response = tab.goto(f"{base_url}{page.path}", wait_until="load")
                    assert response is not None, page.path
                    assert response.status == 200, (page.path, response.status)
                    times.append(float(tab.evaluate(_USABLE_AT, page.ready_mark)))
                timed[page.name] = min(times[1:])
        finally:
            browser.close()
    return timed
