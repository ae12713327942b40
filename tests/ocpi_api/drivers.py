"""Test support for tokens, sessions, CDRs and commands: an eMSP on loopback that also authorizes tokens in real time,
receives sessions, CDRs and command results, and builders for stations, tokens and partners.

``DriversEmsp`` extends the handshake eMSP (``FakeEmsp``) with the eMSP side of the functional modules:

* Tokens Sender: ``POST tokens/{uid}/authorize`` answers as ``authorize`` says: an AllowedType, "slow" (beyond our
  timeout), "garbage" (an HTML page), "unknown" (HTTP 404 + OCPI 2004) or "error" (HTTP 500).
* Sessions Receiver: PUT replaces, PATCH merges with charging_periods appended (OCPI 2.2.1 mod_sessions.asciidoc,
  Receiver Interface), GET reads its copy.
* CDRs Receiver: POST stores the CDR and answers with a ``Location`` header; GET on that URL returns it.
* Commands: whatever is POSTed to a response_url below ``/ocpi/emsp/2.2.1/commands/`` is kept per path.
* Locations Receiver: accepts every push (the EVSE status changes a session causes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks

from chargepoints.authorization import AuthMethod, DriverToken
from chargepoints.demo import DEMO_TARIFFS
from chargepoints.models import EVSE, ChargingSession
from chargepoints.sessions.enums import ChargingState
from chargepoints.simulator import ChargerSimulator
from ocpi_api.core.tokens import token_generate, token_hash
from ocpi_api.grants import party_grant
from ocpi_api.models import EmspToken, Partner
from tariffs.models import Tariff
from tariffs.services import tariff_replace
from tests.chargepoints.sessions_support import T0
from tests.factories import connector_data, evse_data, make_location
from tests.loopback import Reply, Request, envelope

from .conftest import auth
from .emsp import FakeEmsp

EMSP_PATH = "/ocpi/emsp/2.2.1"
COMMANDS_URL = "/ocpi/cpo/2.2.1/commands"
ALL_CAPABILITIES = ["RFID_READER", "REMOTE_START_STOP_CAPABLE", "RESERVABLE", "UNLOCK_CAPABLE"]


@dataclass
class DriversEmsp(FakeEmsp):
    authorize: str = "ALLOWED"
    authorize_evse_uids: list[str] | None = None
    authorization_reference: str = "AUTH-REF-1"
    slow_seconds: float = 1.0
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    cdrs: dict[str, dict[str, Any]] = field(default_factory=dict)
    command_results: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def commands_base(self) -> str:
        return f"{self.base_url}{EMSP_PATH}/commands"

    def endpoint(self, module: str) -> str:
        return f"{self.base_url}{EMSP_PATH}/{module}"

    def endpoints(self) -> list[dict[str, str]]:
        return [
            {"identifier": "credentials", "role": "SENDER", "url": f"{self.base_url}/ocpi/2.2.1/credentials"},
            {"identifier": "locations", "role": "RECEIVER", "url": self.endpoint("locations")},
            {"identifier": "tokens", "role": "SENDER", "url": self.endpoint("tokens")},
            {"identifier": "sessions", "role": "RECEIVER", "url": self.endpoint("sessions")},
            {"identifier": "cdrs", "role": "RECEIVER", "url": self.endpoint("cdrs")},
            {"identifier": "commands", "role": "SENDER", "url": self.endpoint("commands")},
        ]

    def calls(self, method: str, prefix: str) -> list[Request]:
        return [e for e in self.log if e.method == method and e.path.startswith(f"{EMSP_PATH}/{prefix}")]

    def _route(self, request: Request) -> Reply:
        path, method, body = request.route, request.method, request.body
        if not path.startswith(EMSP_PATH):
            return super()._route(request)
        module, _, rest = path.removeprefix(EMSP_PATH + "/").partition("/")
        if module == "tokens" and method == "POST" and rest.endswith("/authorize"):
            return self._authorize(rest.removesuffix("/authorize"), request.query, body)
        if module == "sessions" and rest:
            return Reply(200, self._session(method, rest, body))
        if module == "cdrs":
            return self._cdr(method, rest, body)
        if module == "commands" and method == "POST":
            self.command_results.setdefault(path, []).append(body)
            return Reply(200, envelope())
        if module == "locations":
            return Reply(200, envelope())
        return Reply(404, envelope(2000, message="Unknown"))

    def _authorize(self, uid: str, query: dict[str, list[str]], body: Any) -> Reply:
        if self.authorize == "slow":
            time.sleep(self.slow_seconds)
        if self.authorize == "garbage":
            return Reply(200, "<html><body>Welcome to nginx!</body></html>")
        if self.authorize == "unknown":
            return Reply(404, envelope(2004, message="Unknown token"))
        if self.authorize == "error":
            return Reply(500, envelope(3000, message="Database down"))
        token_type = query.get("type", ["RFID"])[0]
        info: dict[str, Any] = {
            "allowed": self.authorize,
            "token": {"country_code": "NL", "party_id": "EMS", "uid": uid, "type": token_type},
            "authorization_reference": self.authorization_reference,
        }
        if self.authorize_evse_uids is not None:
            info["location"] = {"location_id": body["location_id"], "evse_uids": self.authorize_evse_uids}
        return Reply(200, envelope(data=info))

    def _session(self, method: str, key: str, body: Any) -> dict[str, Any]:
        if method == "PUT":
            self.sessions[key] = body
        elif method == "PATCH":
            stored = self.sessions.setdefault(key, {})
            for name, value in body.items():
                stored[name] = [*stored.get(name, []), *value] if name == "charging_periods" else value
        elif method == "GET":
            return envelope(data=self.sessions.get(key))
        return envelope()

    def _cdr(self, method: str, key: str, body: Any) -> Reply:
        if method == "POST" and not key:
            self.cdrs[body["id"]] = body
            return Reply(201, envelope(), {"Location": f"{self.endpoint('cdrs')}/{body['id']}"})
        if method == "GET" and key in self.cdrs:
            return Reply(200, envelope(data=self.cdrs[key]))
        return Reply(404, envelope(2000, message="Unknown CDR"))


class Commands:
    """Sends commands as the eMSP and runs what the commit triggers (the charger's task, the result's delivery)."""

    def __init__(self, client: Client, token: str, emsp: DriversEmsp, capture: DjangoCaptureOnCommitCallbacks) -> None:
        self.client, self.token, self.emsp, self.capture = client, token, emsp, capture
        self.sent = 0

    def response_url(self, command: str) -> str:
        self.sent += 1
        return f"{self.emsp.commands_base}/{command}/{self.sent}"

    def post(self, command: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The CommandResponse envelope, and what arrived at the response_url afterwards."""
        url = body.setdefault("response_url", self.response_url(command))
        with self.capture(execute=True):
            response = self.client.post(
                f"{COMMANDS_URL}/{command}", body, content_type="application/json", **auth(self.token)
            )
        assert response.status_code in (200, 400, 404), response.content
        path = url.removeprefix(self.emsp.base_url)
        return response.json(), self.emsp.command_results.get(path, [])

    def start(self, evse: EVSE, **fields: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        body = {"token": token_body(), "location_id": evse.location.ocpi_id, "evse_uid": evse.uid, **fields}
        return self.post("START_SESSION", body)


# --- Builders -------------------------------------------------------------------------------------------------------


def registered_partner(
    emsp: DriversEmsp | None = None, *, country_code: str = "NL", party_id: str = "EMS", **fields: Any
) -> tuple[Partner, str]:
    """A registered eMSP partner; with ``emsp`` its endpoints and our token for it point at that server."""
    token = token_generate()
    values: dict[str, Any] = {
        "name": f"eMSP {country_code}*{party_id}",
        "country_code": country_code,
        "party_id": party_id,
        "status": Partner.Status.REGISTERED,
        "version": "2.2.1",
        "token_hash": token_hash(token),
        "roles": [{"role": "EMSP", "country_code": country_code, "party_id": party_id}],
    }
    if emsp is not None:
        outbound = token_generate()
        emsp.valid_tokens.add(outbound)
        values.update(endpoints=emsp.endpoints(), outbound_token=outbound, versions_url=emsp.versions_url)
    values.update(fields)
    partner = Partner.objects.create(**values)
    party_grant(
        partner=partner, country_code=country_code, party_id=party_id, reason="Test partner", granted_by="tests"
    )
    return partner, token


def token_fields(uid: str, country_code: str, party_id: str) -> dict[str, Any]:
    """A driver's RFID card as all three forms of a token share it: the OCPI body, the EmspToken, the DriverToken."""
    return {
        "country_code": country_code,
        "party_id": party_id,
        "uid": uid,
        "type": "RFID",
        "contract_id": f"{country_code}-{party_id}-C{uid[:8]}",
        "issuer": "Test eMSP",
        "valid": True,
        "whitelist": "ALLOWED",
    }


def token_body(
    uid: str = "04A1B2C3", *, country_code: str = "NL", party_id: str = "EMS", **fields: Any
) -> dict[str, Any]:
    return {**token_fields(uid, country_code, party_id), "last_updated": "2026-01-01T00:00:00Z", **fields}


def stored_token(partner: Partner, uid: str = "04A1B2C3", **fields: Any) -> EmspToken:
    card = token_fields(uid, partner.country_code, partner.party_id)
    return EmspToken.objects.create(
        **{**card, "partner": partner, "last_updated": datetime(2026, 1, 1, tzinfo=UTC), **fields}
    )


def demo_tariff(country: str = "SWE", kind: str = "AC") -> str:
    data = DEMO_TARIFFS[(country, kind)]
    if not Tariff.objects.filter(ocpi_id=data["id"]).exists():
        tariff_replace(data=data)
    return data["id"]


def roaming_station(*, capabilities: list[str] | None = None, evses: int = 1, **location: Any) -> EVSE:
    """A roaming location with available 22 kW AC EVSEs priced with SE-AC-STANDARD; returns the first EVSE."""
    tariff_id = demo_tariff()
    data = [
        evse_data(
            capabilities=ALL_CAPABILITIES if capabilities is None else capabilities,
            connectors=[connector_data(tariff_ids=[tariff_id])],
        )
        for _ in range(evses)
    ]
    evse = make_location(evses=data, **location).evses.order_by("id").first()
    assert evse is not None
    return evse


def driver(partner: Partner, uid: str = "04A1B2C3", **fields: Any) -> DriverToken:
    return DriverToken(**{**token_fields(uid, partner.country_code, partner.party_id), **fields})


def charged_session(
    evse: EVSE,
    partner: Partner,
    *,
    uid: str = "04A1B2C3",
    start: datetime = T0,
    minutes: int = 30,
    kw: Decimal = Decimal(11),
    parking: int = 0,
    stop: bool = True,
) -> ChargingSession:
    """A session of ``partner``'s driver on ``evse``, charged by the simulated charger (and stopped)."""
    simulator = ChargerSimulator(evse=evse)
    session = simulator.start(token=driver(partner, uid), auth_method=AuthMethod.WHITELIST, at=start)
    session = simulator.charge(session=session, minutes=minutes, kw=kw)
    if parking:
        end = session.accounted_until
        simulator.set_state(session=session, state=ChargingState.PARKING, at=end, energy_wh_total=session.meter_wh)
        session.refresh_from_db()
        simulator.charge(session=session, minutes=parking, kw=Decimal(0))
        session.refresh_from_db()
    if stop:
        session = simulator.stop(session=session, at=session.accounted_until, reason="Stopped by the driver")
    return session
