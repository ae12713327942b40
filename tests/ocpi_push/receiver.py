"""An eMSP's Locations and Tariffs Receiver endpoints (and a CDRs one) on a loopback HTTP server, in its own thread.

It keeps what partners keep: each pushed Location with its EVSEs and connectors (PUT replaces the addressed level,
PATCH updates it, and both set the parents' last_updated, OCPI 2.2.1 mod_locations.asciidoc, Receiver Interface), each
Tariff (PUT/DELETE), and each CDR (POST, answered with a Location header). Every call is logged with its arrival time. A
switch makes it behave like a partner in trouble:

- "up": answers 200 / OCPI 1000;
- "down": drops every connection without an answer (the call fails like a crashed backend behind a proxy);
- "slow": applies the update, then waits ``delay`` seconds before answering;
- "500": HTTP 500 with an HTML page; "3000": HTTP 200 with OCPI 3000; "2001": HTTP 200 with OCPI 2001 and a message;
  "404": HTTP 404 with an OCPI envelope; "401": the same with HTTP 401; "404-bare": HTTP 404 with a web framework's
  default body and no envelope.

Without a switch it answers like a real receiver: a PATCH of a location, EVSE or connector it does not have is HTTP
404 with OCPI 2003 "Unknown location" (or 2000 for an unknown EVSE or connector).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.loopback import LoopbackServer, Reply, Request, envelope

BASE = "/ocpi/emsp/2.2.1"


@dataclass
class Call(Request):
    """A push as the receiver keeps it: ``path`` below the module URLs, e.g. locations/SE/CPO/LOC1/EVSE1."""

    mode: str  # how the receiver was behaving when it came


@dataclass
class Receiver(LoopbackServer):
    mode: str = "up"
    delay: float = 0.0
    calls: list[Call] = field(default_factory=list)
    locations: dict[str, dict[str, Any]] = field(default_factory=dict)  # "SE/CPO/LOC1" -> Location JSON
    tariffs: dict[str, dict[str, Any]] = field(default_factory=dict)
    cdrs: dict[str, dict[str, Any]] = field(default_factory=dict)
    arrived: threading.Event = field(default_factory=threading.Event)

    @property
    def base_url(self) -> str:
        return f"{super().base_url}{BASE}"

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

    def _apply(self, method: str, path: str, body: Any) -> Reply:
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
            return Reply(200, envelope())
        if module == "cdrs" and not parts and method == "POST":
            self.cdrs[body["id"]] = body
            return Reply(201, envelope(), {"Location": f"{self.base_url}/cdrs/{body['id']}"})
        return Reply(404, envelope(2000, message=f"No {method} on {path}"))

    def _location(self, method: str, parts: list[str], body: dict[str, Any]) -> Reply:
        key = "/".join(parts[:3])
        if method == "PATCH" and "last_updated" not in body:
            return Reply(200, envelope(2001, message="PATCH without last_updated"))
        if len(parts) == 3:
            if method == "PUT":
                self.locations[key] = body
            elif key in self.locations:
                self.locations[key].update(body)
            else:
                return Reply(404, envelope(2003, message="Unknown location"))
            return Reply(200, envelope())
        location = self.locations.get(key)
        if location is None:
            return Reply(404, envelope(2003, message="Unknown location"))
        evses = location.setdefault("evses", [])
        evse = next((e for e in evses if e["uid"] == parts[3]), None)
        if len(parts) == 4:
            if method == "PUT":
                if evse is None:
                    evses.append(body)
                else:
                    evses[evses.index(evse)] = body
            elif evse is None:
                return Reply(404, envelope(2000, message="Unknown EVSE"))
            else:
                evse.update(body)
        else:
            if evse is None:
                return Reply(404, envelope(2000, message="Unknown EVSE"))
            connectors = evse["connectors"]
            connector = next((c for c in connectors if c["id"] == parts[4]), None)
            if method == "PUT" and connector is None:
                connectors.append(body)
            elif method == "PUT":
                connectors[connectors.index(connector)] = body
            elif connector is None:
                return Reply(404, envelope(2000, message="Unknown connector"))
            else:
                connector.update(body)
            evse["last_updated"] = body["last_updated"]
        location["last_updated"] = body["last_updated"]
        return Reply(200, envelope())

    def answer(self, request: Request) -> Reply | None:
        mode = self.mode
        if not request.path.startswith(BASE + "/"):
            return Reply(404, envelope(2000))
        path = request.path[len(BASE) + 1 :]
        with self.lock:
            self.calls.append(Call(request.method, path, request.headers, request.body, request.at, mode))
        self.arrived.set()
        if mode == "down":
            return None
        if mode == "500":
            return Reply(500, "<html>Internal Server Error</html>")
        if mode == "3000":
            return Reply(200, envelope(3000, message="Try again later"))
        if mode == "2001":
            return Reply(200, envelope(2001, message="Missing required field: type"))
        if mode in ("404", "401"):
            return Reply(int(mode), envelope(2000, message="We do not know this party"))
        if mode == "404-bare":
            return Reply(404, {"detail": "Not found."})
        with self.lock:
            reply = self._apply(request.method, path, request.body)
        if mode == "slow":
            time.sleep(self.delay)
        return reply
