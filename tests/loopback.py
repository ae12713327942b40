"""The machinery under the tests' partner platforms: an HTTP server on 127.0.0.1, in a thread of its own.

A partner (the handshake eMSP, the drivers eMSP, the push receiver) subclasses ``LoopbackServer`` and answers each
``Request`` in ``answer``: with a ``Reply`` (an OCPI ``envelope`` or an HTML page), or with None to drop the connection
unanswered. ``token_in`` is how a partner checks the token we present.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import socket
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

STAMP = "2024-01-01T00:00:00Z"


@dataclass
class Request:
    method: str
    path: str  # as it arrived: percent-encoded, with its query
    headers: dict[str, str]
    body: Any  # the JSON body; None without one, or when it is not JSON
    at: float  # time.time() at arrival

    @property
    def route(self) -> str:
        """The path without its query."""
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)


@dataclass(frozen=True)
class Reply:
    status: int
    payload: Any  # a str goes out as an HTML page, anything else as JSON
    headers: dict[str, str] = field(default_factory=dict)


def envelope(status_code: int = 1000, data: Any = None, message: str | None = None) -> dict[str, Any]:
    """An OCPI response body; ``data`` and ``status_message`` only when given."""
    body: dict[str, Any] = {"status_code": status_code, "timestamp": STAMP}
    if data is not None:
        body["data"] = data
    if message is not None:
        body["status_message"] = message
    return body


def token_in(header: str, tokens: Collection[str], *, raw: bool = True, encoded: bool = True) -> bool:
    """Whether an Authorization header presents one of ``tokens`` as ``Token <value>``, the value raw or Base64."""
    scheme, _, value = header.partition(" ")
    if scheme != "Token":
        return False
    if raw and value in tokens:
        return True
    if encoded:
        try:
            return base64.b64decode(value, validate=True).decode() in tokens
        except (binascii.Error, UnicodeDecodeError):
            return False
    return False


class LoopbackServer:
    """Start, stop and the HTTP plumbing; what the partner says is ``answer``'s business.

    Subclasses are dataclasses: their fields are the partner's switches and state.
    """

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        # Stopping waits neither for a slow answer nor for a connection the client keeps alive.
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def answer(self, request: Request) -> Reply | None:
        raise NotImplementedError

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        partner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body are two writes: without this, Nagle holds the body for the client's delayed ACK.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                reply = partner.answer(Request(self.command, self.path, dict(self.headers), body, time.time()))
                if reply is None:
                    self.close_connection = True
                    return
                html = isinstance(reply.payload, str)
                data = reply.payload.encode() if html else json.dumps(reply.payload).encode()
                with contextlib.suppress(OSError):  # the caller gave up (a timeout, or its worker was killed)
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "text/html" if html else "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
