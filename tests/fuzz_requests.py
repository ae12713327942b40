"""The requests the schemathesis run (tests/ocpi_api/test_openapi.py) sends, counted and checked at the WSGI
boundary, so that the count includes the calls schemathesis's own checks make (e.g. replays without a token).

tests/conftest.py sums the counts over the xdist workers, prints the total at the end of the session and, when
OCPI_FUZZ_MIN_REQUESTS is set (CI), fails the session if fewer requests were sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
ENVELOPE_KEYS = {"data", "status_code", "status_message", "timestamp"}


class CheckedApp:
    """Wraps a WSGI app: counts every request and records each answer that is a 5xx or not an OCPI envelope."""

    sent = 0  # per process: over every CheckedApp, read by the session hooks

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.problems: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        CheckedApp.sent += 1
        answer: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer.update(status=int(status.split()[0]), headers={k.lower(): v for k, v in headers})
            return start_response(status, headers, exc_info)

        body = b"".join(self.app(environ, capture))
        problem = self._problem(answer["status"], answer["headers"].get("content-type", ""), body)
        if problem:
            request = f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO')}?{environ.get('QUERY_STRING', '')}"
            self.problems.append(f"{request} → {answer['status']}: {problem}: {body[:300]!r}")
        return [body]

    @staticmethod
    def _problem(status: int, content_type: str, body: bytes) -> str:
        if status >= 500:
            return "server error"
        if not content_type.startswith("application/json"):
            return f"content type {content_type!r}"
        try:
            parsed = json.loads(body)
        except ValueError:
            return "not JSON"
        if not isinstance(parsed, dict) or not set(parsed) >= ENVELOPE_KEYS:
            return "not an OCPI envelope"
        return ""

    def take_problems(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems
