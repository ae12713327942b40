"""An eMSP's Locations and Tariffs Receiver endpoints (and a CDRs one) on a loopback HTTP server, in its own thread.

It keeps what partners keep: each pushed Location with its EVSEs and connectors (PUT replaces the addressed level,
PATCH updates it, and both set the parents' last_updated, digest §3.3), each Tariff (PUT/DELETE), and each CDR
(POST, answered with a Location header). Every call is logged with its arrival time. A switch makes it behave like a
partner in trouble:

- "up": answers 200 / OCPI 1000;
- "down": drops every connection without an answer (the call fails like a crashed backend behind a proxy);
- "slow": applies the update, then waits ``delay`` seconds before answering;
- "500": HTTP 500 with an HTML page; "3000": HTTP 200 with OCPI 3000; "2001": HTTP 200 with OCPI 2001 and a message;
  "404": HTTP 404 with an OCPI envelope.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BASE = "/ocpi/emsp/2.2.1"


@dataclass
class Call:
    method: str
    path: str  # below the module URL, e.g. locations/SE/CPO/LOC1/EVSE1
    headers: dict[str, str]
    body: Any
    at: float  # time.time() at arrival
    mode: str  # how the receiver was behaving when it came


@dataclass
class Receiver:
    mode: str = "up"
    delay: float = 0.0
    calls: list[Call] = field(default_factory=list)
    locations: dict[str, dict[str, Any]] = field(default_factory=dict)  # "SE/CPO/LOC1" -> Location JSON
    tariffs: dict[str, dict[str, Any]] = field(default_factory=dict)
    cdrs: dict[str, dict[str, Any]] = field(default_factory=dict)
    arrived: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{BASE}"

    def endpoints(self, *modules: str) -> list[dict[str, str]]:
        return [{"identifier": m, "role": "RECEIVER", "url": f"{self.base_url}/{m}"} for m in modules]

    def calls_to(self, path: str, method: str | None = None, mode: str | None = None) -> list[Call]:
        with self.lock:
            return [
                c
                for c in self.calls
                if c.path == path and (method is None or c.method == method) and (mode is None or c.mode == mode)
            ]

    def evse(self, location_path: str, uid: str) -> dict[str, Any] | None:
        location = self.locations.get(location_path)
        if location is None:
            return None
        return next((e for e in location.get("evses", []) if e["uid"] == uid), None)

    # --- what an eMSP does with a push ---

    def _apply(self, method: str, path: str, body: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
        module, _, rest = path.partition("/")
        parts = rest.split("/") if rest else []
        if module == "locations" and len(parts) >= 3 and method in ("PUT", "PATCH"):
            return self._location(method, parts, body)
        if module == "tariffs" and len(parts) == 3 and method in ("PUT", "DELETE"):
            key = "/".join(parts)
            if method == "PUT":
                self.tariffs[key] = body
            else:
                self.tariffs.pop(key, None)
            return 200, {"status_code": 1000}, {}
        if module == "cdrs" and not parts and method == "POST":
            self.cdrs[body["id"]] = body
            return 201, {"status_code": 1000}, {"Location": f"{self.base_url}/cdrs/{body['id']}"}
        return 404, {"status_code": 2000, "status_message": f"No {method} on {path}"}, {}

    def _location(self, method: str, parts: list[str], body: dict[str, Any]) -> tuple[int, dict[str, Any], dict]:
        key = "/".join(parts[:3])
        if method == "PATCH" and "last_updated" not in body:
            return 200, {"status_code": 2001, "status_message": "PATCH without last_updated"}, {}
        if len(parts) == 3:
            if method == "PUT":
                self.locations[key] = body
            elif key in self.locations:
                self.locations[key].update(body)
            else:
                return 404, {"status_code": 2003, "status_message": "Unknown location"}, {}
            return 200, {"status_code": 1000}, {}
        location = self.locations.get(key)
        if location is None:
            return 404, {"status_code": 2003, "status_message": "Unknown location"}, {}
        evses = location.setdefault("evses", [])
        evse = next((e for e in evses if e["uid"] == parts[3]), None)
        if len(parts) == 4:
            if method == "PUT":
                if evse is None:
                    evses.append(body)
                else:
                    evses[evses.index(evse)] = body
            elif evse is None:
                return 404, {"status_code": 2000, "status_message": "Unknown EVSE"}, {}
            else:
                evse.update(body)
        else:
            if evse is None:
                return 404, {"status_code": 2000, "status_message": "Unknown EVSE"}, {}
            connectors = evse["connectors"]
            connector = next((c for c in connectors if c["id"] == parts[4]), None)
            if method == "PUT" and connector is None:
                connectors.append(body)
            elif method == "PUT":
                connectors[connectors.index(connector)] = body
            elif connector is None:
                return 404, {"status_code": 2000, "status_message": "Unknown connector"}, {}
            else:
                connector.update(body)
            evse["last_updated"] = body["last_updated"]
        location["last_updated"] = body["last_updated"]
        return 200, {"status_code": 1000}, {}

    def _handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any, dict] | None:
        mode = self.mode
        if not path.startswith(BASE + "/"):
            return 404, {"status_code": 2000}, {}
        path = path[len(BASE) + 1 :]
        with self.lock:
            self.calls.append(Call(method, path, headers, body, time.time(), mode))
        self.arrived.set()
        if mode == "down":
            return None
        if mode == "500":
            return 500, "<html>Internal Server Error</html>", {}
        if mode == "3000":
            return 200, {"status_code": 3000, "status_message": "Try again later"}, {}
        if mode == "2001":
            return 200, {"status_code": 2001, "status_message": "Missing required field: type"}, {}
        if mode == "404":
            return 404, {"status_code": 2000, "status_message": "We do not know this party"}, {}
        with self.lock:
            answer = self._apply(method, path, body)
        if mode == "slow":
            time.sleep(self.delay)
        return answer

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body are two writes: without this, Nagle holds the body for the client's delayed ACK.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                answer = receiver._handle(self.command, self.path, dict(self.headers), body)
                if answer is None:
                    self.close_connection = True
                    return
                status, payload, extra = answer
                if isinstance(payload, dict):
                    payload = {**payload, "timestamp": "2026-01-01T00:00:00Z"}
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the caller gave up (timeout, or its worker was killed)

            do_GET = do_PUT = do_PATCH = do_POST = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
