"""An OCPI 2.1.1-only eMSP on loopback: the drivers eMSP (tests/ocpi_api/drivers.py) speaking 2.1.1.

It offers only 2.1.1, lists its endpoints without roles (2.1.1 version_information_endpoint.md), sends and accepts
tokens only raw (Base64 came with 2.2), uses the flat 2.1.1 Credentials object (credentials.md), and
keeps whatever we push to its Locations, Tariffs, Sessions and CDRs Receivers and to its command response URLs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.loopback import Reply, Request, envelope

from .drivers import DriversEmsp
from .emsp import FakeEmsp

EMSP_PATH_211 = "/ocpi/emsp/2.1.1"


@dataclass
class Emsp211(DriversEmsp):
    offer_versions: tuple[str, ...] = ("2.1.1",)
    accept_base64: bool = False
    send_base64: bool = False
    locations: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)  # path → [(method, body)]
    tariffs: dict[str, Any] = field(default_factory=dict)

    @property
    def commands_base(self) -> str:
        return f"{self.base_url}{EMSP_PATH_211}/commands"

    def endpoint(self, module: str) -> str:
        return f"{self.base_url}{EMSP_PATH_211}/{module}"

    def endpoints(self) -> list[dict[str, str]]:
        modules = ("locations", "tariffs", "tokens", "sessions", "cdrs", "commands")
        return [
            {"identifier": "credentials", "url": f"{self.base_url}/ocpi/2.1.1/credentials"},
            *({"identifier": module, "url": self.endpoint(module)} for module in modules),
        ]

    def credentials_body(self, token: str) -> dict[str, Any]:
        return {
            "token": token,
            "url": self.versions_url,
            "business_details": {"name": "Legacy eMSP"},
            "party_id": "EMS",
            "country_code": "NL",
        }

    def discover_cpo(self, versions_url: str, token: str) -> str:
        versions = self.call_cpo("GET", versions_url, token=token).json()["data"]
        details_url = next(v["url"] for v in versions if v["version"] == "2.1.1")
        self.cpo_endpoints = self.call_cpo("GET", details_url, token=token).json()["data"]["endpoints"]
        self.cpo_versions_url = versions_url
        return self.credentials_url()

    def calls(self, method: str, prefix: str) -> list[Request]:
        return [e for e in self.log if e.method == method and e.path.startswith(f"{EMSP_PATH_211}/{prefix}")]

    def _route(self, request: Request) -> Reply:
        path, method, body = request.route, request.method, request.body
        if path == "/ocpi/2.1.1" and method == "GET":
            return Reply(200, envelope(data={"version": "2.1.1", "endpoints": self.endpoints()}))
        if path == "/ocpi/2.1.1/credentials":
            return self._credentials(request)
        if not path.startswith(EMSP_PATH_211):
            return FakeEmsp._route(self, request)  # its versions; it offers 2.1.1 only
        module, _, rest = path.removeprefix(EMSP_PATH_211 + "/").partition("/")
        if module == "tokens" and method == "POST" and rest.endswith("/authorize"):
            # 2.1.1 AuthorizationInfo (mod_tokens.md, AuthorizationInfo object): allowed, location, info; no token, no
            # reference.
            info = {"allowed": self.authorize, "info": {"language": "en", "text": "Hello from 2.1.1"}}
            return Reply(200, envelope(data=info))
        if module == "locations":
            self.locations.setdefault(rest, []).append((method, body))
            return Reply(200, envelope())
        if module == "tariffs":
            self.tariffs[rest] = body
            return Reply(200, envelope())
        if module == "sessions" and rest:
            return Reply(200, self._session(method, rest, body))
        if module == "cdrs":
            return self._cdr(method, rest, body)
        if module == "commands" and method == "POST":
            self.command_results.setdefault(path, []).append(body)
            return Reply(200, envelope())
        return Reply(404, envelope(2000, message="Unknown"))
