"""A second OCPI 2.2.1 party for the tests: a small eMSP platform on a loopback HTTP server, in its own thread.

It implements versions, version details and credentials (GET/POST/PUT/DELETE) the way an eMSP would, calls our
server back over real HTTP during a handshake, and can register with us itself. Switches make it misbehave the way
real partners do: raw tokens only, garbage answers, missing modules, rejected updates.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.loopback import LoopbackServer, Reply, Request, envelope, token_in

ROLE = {"role": "EMSP", "business_details": {"name": "Test eMSP"}, "party_id": "EMS", "country_code": "NL"}


@dataclass
class FakeEmsp(LoopbackServer):
    accept_base64: bool = True
    accept_raw: bool = True
    send_base64: bool = True  # how it sends tokens when it calls us
    versions_garbage: bool = False
    offer_versions: tuple[str, ...] = ("2.1.1", "2.2.1")
    with_credentials_module: bool = True
    reject_put: bool = False
    roleless_endpoints: bool = False  # 2.1.1-style endpoints without a role, and a 2.3.0-style custom one
    token_a: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    # What we (the CPO) present to it: token A before registration, then the token it issued (C).
    valid_tokens: set[str] = field(default_factory=set)
    # What it presents to us.
    token_for_cpo: str | None = None
    cpo_versions_url: str | None = None
    cpo_endpoints: list[dict[str, Any]] = field(default_factory=list)
    registered: bool = False
    log: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.valid_tokens.add(self.token_a)
        super().__post_init__()

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/ocpi/versions"

    def header(self, token: str) -> str:
        value = base64.b64encode(token.encode()).decode() if self.send_base64 else token
        return f"Token {value}"

    # --- it as client: calls to our (the CPO's) server ---
    def call_cpo(self, method: str, url: str, body: Any = None, token: str | None = None) -> requests.Response:
        headers = {"Authorization": self.header(token or str(self.token_for_cpo))}
        return requests.request(method, url, json=body, headers=headers, timeout=10)

    def credentials_body(self, token: str) -> dict[str, Any]:
        return {"token": token, "url": self.versions_url, "roles": [ROLE]}

    def discover_cpo(self, versions_url: str, token: str) -> str:
        versions = self.call_cpo("GET", versions_url, token=token).json()["data"]
        details_url = next(v["url"] for v in versions if v["version"] == "2.2.1")
        self.cpo_endpoints = self.call_cpo("GET", details_url, token=token).json()["data"]["endpoints"]
        self.cpo_versions_url = versions_url
        return self.credentials_url()

    def register_with(self, versions_url: str, token_a: str) -> requests.Response:
        """It initiates: token A from us, its token B in the POST, our token C back."""
        credentials_url = self.discover_cpo(versions_url, token_a)
        token_b = secrets.token_urlsafe(24)
        self.valid_tokens.add(token_b)
        response = self.call_cpo("POST", credentials_url, self.credentials_body(token_b), token=token_a)
        if response.status_code == 200 and response.json()["status_code"] == 1000:
            self.token_for_cpo = response.json()["data"]["token"]
            self.valid_tokens.discard(self.token_a)
            self.registered = True
        return response

    def credentials_url(self) -> str:
        url: str = next(e["url"] for e in self.cpo_endpoints if e["identifier"] == "credentials")
        return url

    def rotate(self) -> requests.Response:
        """PUT new credentials to us: a new token for us to use, our new token back."""
        new_token = secrets.token_urlsafe(24)
        self.valid_tokens.add(new_token)
        response = self.call_cpo("PUT", self.credentials_url(), self.credentials_body(new_token))
        if response.status_code == 200 and response.json()["status_code"] == 1000:
            self.token_for_cpo = response.json()["data"]["token"]
        return response

    # --- it as server ---
    def endpoints(self) -> list[dict[str, str]]:
        """Its version 2.2.1 endpoints, as its version details list them."""
        base = self.base_url
        endpoints = [
            {"identifier": "locations", "role": "RECEIVER", "url": f"{base}/ocpi/emsp/2.2.1/locations"},
            {"identifier": "tokens", "role": "SENDER", "url": f"{base}/ocpi/emsp/2.2.1/tokens"},
        ]
        if self.with_credentials_module:
            endpoints.insert(
                0, {"identifier": "credentials", "role": "SENDER", "url": f"{base}/ocpi/2.2.1/credentials"}
            )
        if self.roleless_endpoints:
            endpoints = [{"identifier": e["identifier"], "url": e["url"]} for e in endpoints]
            endpoints.append({"identifier": "nltnm-tokens", "role": "OBSERVER", "url": f"{base}/custom"})
        return endpoints

    def answer(self, request: Request) -> Reply:
        self.log.append(request)
        presented = request.headers.get("Authorization", "")
        if not token_in(presented, self.valid_tokens, raw=self.accept_raw, encoded=self.accept_base64):
            return Reply(401, envelope(2000, message="Unauthorized"))
        return self._route(request)

    def _route(self, request: Request) -> Reply:
        """Its answer to a request with a token it accepts."""
        path, method = request.route, request.method
        if path == "/ocpi/versions" and method == "GET":
            if self.versions_garbage:
                return Reply(200, "<html><body>Welcome to nginx!</body></html>")
            data = [{"version": v, "url": f"{self.base_url}/ocpi/{v}"} for v in self.offer_versions]
            # Quirks of real partners: status_code as a string, no timestamp.
            return Reply(200, {"data": data, "status_code": "1000"})
        if path == "/ocpi/2.2.1" and method == "GET":
            return Reply(200, envelope(data={"version": "2.2.1", "endpoints": self.endpoints()}))
        if path == "/ocpi/2.2.1/credentials":
            return self._credentials(request)
        return Reply(404, envelope(2000, message="Unknown"))

    def _credentials(self, request: Request) -> Reply:
        method, body = request.method, request.body
        if method == "GET":
            return Reply(200, envelope(data=self.credentials_body("(hidden)")))
        if method == "POST" and self.registered:
            return Reply(405, envelope(2000, message="Already registered"))
        if method in ("PUT", "DELETE") and not self.registered:
            return Reply(405, envelope(2000, message="Not registered"))
        if method == "DELETE":
            self.registered = False
            self.valid_tokens.clear()
            return Reply(200, envelope())
        if method == "PUT" and self.reject_put:
            return Reply(200, envelope(2001, message="We do not accept updates today"))
        # POST or PUT: call the CPO back with its new token before answering, as the spec requires.
        self.token_for_cpo = body["token"]
        try:
            self.discover_cpo(body["url"], body["token"])
        except (requests.RequestException, KeyError, StopIteration, ValueError) as error:
            return Reply(200, envelope(3001, message=f"Cannot use your API: {error}"))
        new_token = secrets.token_urlsafe(24)
        old_tokens = set(self.valid_tokens)
        self.valid_tokens = {new_token}
        if method == "PUT":
            # The token used for this PUT stays valid until the CPO has used the new one.
            presented = request.headers.get("Authorization", "")
            self.valid_tokens |= {t for t in old_tokens if token_in(presented, {t})}
        self.registered = True
        return Reply(200, envelope(data=self.credentials_body(new_token)))
