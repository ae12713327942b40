"""The outgoing-URL guard (ocpi_api.core.egress): partner URLs that lead into our network are refused and recorded.

No test here sends a packet off this machine. ``no_network`` answers name lookups from a table of hostile names and
makes every socket connect a test failure, so a guard that lets a URL through fails the test instead of reaching
the address. The tests that need a real partner server (pinning, redirects) allow connects to loopback only.
"""

from __future__ import annotations

import logging
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from ocpi_api import services
from ocpi_api.authority import ask_emsp
from ocpi_api.core.client import OcpiClient, OcpiClientError
from ocpi_api.core.egress import VettedPools
from ocpi_api.models import CommandRequest, Partner
from ocpi_api.push.delivery import push_deliver
from ocpi_api.push.models import DeliveryAttempt, OutboxItem
from ocpi_api.push.services import push_enqueue
from ocpi_api.token_pull import partner_tokens_pull
from tests.factories import make_partner
from tests.loopback import LoopbackServer, Reply, Request, envelope

from .conftest import auth
from .drivers import COMMANDS_URL, registered_partner, roaming_station, stored_token

pytestmark = pytest.mark.django_db

# The test's DNS: names a hostile partner could register, and the addresses they resolve to.
HOSTILE_NAMES = {
    "metadata.evil.example": "169.254.169.254",
    "intranet.evil.example": "10.0.0.7",
    "redis.evil.example": "::1",
    "mapped.evil.example": "::ffff:127.0.0.1",
}
HOSTILE_URLS = [
    "http://127.0.0.1:8000/ocpi/versions",
    "http://[::1]:6379/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.7/ocpi/versions",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # carrier-grade NAT: not private, not global either
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://[::]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[ff02::1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:7f00:1]/",
    "http://[2002:a00:7::]/",  # 6to4 around 10.0.0.7
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 around 169.254.169.254
    "http://2130706433/",  # 127.0.0.1 as one number: the resolver turns it into an address
    "http://0x7f.1/",
    *(f"http://{name}/ocpi/versions" for name in HOSTILE_NAMES),
    "http://METADATA.evil.example./latest",
]


def _fake_getaddrinfo(looked_up: list[str]) -> Callable[..., list[Any]]:
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = str(host).lower().rstrip(".")
        looked_up.append(name)
        if name in ("127.0.0.1", "::1"):
            return real(host, port, *args, **kwargs)  # an address literal, as urllib3 passes it: no lookup
        address = HOSTILE_NAMES.get(name)
        if address is None:
            try:
                address = socket.inet_ntoa(socket.inet_aton(name))  # the resolver's numeric forms
            except OSError:
                raise socket.gaierror(socket.EAI_NONAME, f"{name} is not in the test's DNS") from None
        if ":" in address:
            return [(socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port or 0), 0, 0))]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port or 0)))]

    return getaddrinfo


@pytest.fixture
def looked_up(monkeypatch) -> list[str]:
    names: list[str] = []
    monkeypatch.setattr(socket, "getaddrinfo", _fake_getaddrinfo(names))
    return names


@pytest.fixture
def no_network(monkeypatch, settings, looked_up: list[str]) -> list[str]:
    """Nothing is allowlisted, names resolve from HOSTILE_NAMES, and any socket connect fails the test."""
    settings.OCPI_OUTGOING_ALLOWED_NETWORKS = []

    def connect(*args: Any, **kwargs: Any) -> None:
        pytest.fail(f"A socket connect was attempted: {args[1:]}")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect)
    monkeypatch.setattr(socket, "create_connection", connect)
    return looked_up


@pytest.fixture
def loopback_only(monkeypatch) -> None:
    """Real connects, to loopback only."""
    connect = socket.socket.connect

    def checked(sock: socket.socket, address: Any) -> None:
        if address[0] not in ("127.0.0.1", "::1"):
            pytest.fail(f"A socket connect to {address} was attempted")
        connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", checked)


# The client's two transports: a requests session (every call but the push worker's), urllib3 pools (the push worker).
TRANSPORTS = [pytest.param(lambda: {}, id="session"), pytest.param(lambda: {"pools": VettedPools()}, id="pools")]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_hostile_urls_are_refused_before_any_connect(no_network, url, transport, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="ocpi_api.core.client"), pytest.raises(OcpiClientError) as error:
        OcpiClient(token="t", **transport()).get(url)
    assert error.value.refused
    assert not error.value.answered
    assert "not on OCPI_OUTGOING_ALLOWED_NETWORKS" in str(error.value)
    assert any("refused, not sent" in record.message for record in caplog.records)


def test_a_name_is_refused_for_the_address_it_resolves_to(no_network) -> None:
    with pytest.raises(OcpiClientError, match=r"metadata\.evil\.example resolves to 169\.254\.169\.254 is link-local"):
        OcpiClient(token="t").post("https://metadata.evil.example/ocpi/commands/1", {"result": "ACCEPTED"})
    assert no_network == ["metadata.evil.example"]


@pytest.mark.parametrize(
    "url",
    ["ftp://emsp.example/versions", "file:///etc/passwd", "http://user:secret@emsp.example/v", "http:///nohost"],
)
def test_other_schemes_credentials_and_hostless_urls_are_refused(no_network, url) -> None:
    with pytest.raises(OcpiClientError) as error:
        OcpiClient(token="t").get(url)
    assert error.value.refused
    assert no_network == []  # refused before any name lookup


def test_production_calls_https_only(no_network, settings) -> None:
    settings.OCPI_OUTGOING_REQUIRE_HTTPS = True
    with pytest.raises(OcpiClientError, match="only https URLs are called"):
        OcpiClient(token="t").get("http://emsp.example/ocpi/versions")


def test_the_allowlist_lets_a_network_through(no_network, settings) -> None:
    settings.OCPI_OUTGOING_ALLOWED_NETWORKS = ["10.0.0.0/24"]
    with pytest.raises(BaseException, match="A socket connect was attempted"):  # the guard let it through
        OcpiClient(token="t").get("http://intranet.evil.example/ocpi/versions")
    with pytest.raises(OcpiClientError, match="link-local"):
        OcpiClient(token="t").get("http://metadata.evil.example/")


# --- With a real partner server on loopback -----------------------------------------------------------------------


@dataclass
class Partner221(LoopbackServer):
    replies: list[Reply] = field(default_factory=list)
    received: list[Request] = field(default_factory=list)

    def answer(self, request: Request) -> Reply:
        self.received.append(request)
        return self.replies.pop(0)


@pytest.fixture
def remote(loopback_only) -> Iterator[Partner221]:
    server = Partner221().start()
    yield server
    server.stop()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_call_goes_to_the_vetted_address_with_the_host_name_kept(remote, monkeypatch, settings, transport) -> None:
    """DNS rebinding: the name resolves to our partner at the check and to the intranet a moment later. We connect to
    the address we checked, and the partner still sees its own name in Host."""
    settings.OCPI_OUTGOING_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    answers = iter(["127.0.0.1", "10.0.0.7", "10.0.0.7"])
    real = socket.getaddrinfo

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host == "emsp.rebinding.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (next(answers), port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = int(remote.base_url.rsplit(":", 1)[1])
    remote.replies.append(Reply(200, envelope(data=[])))
    reply = OcpiClient(token="t", **transport()).get(f"http://emsp.rebinding.example:{port}/ocpi/versions")
    assert reply.data == []
    [request] = remote.received
    assert request.headers["Host"] == f"emsp.rebinding.example:{port}"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_redirect_is_not_followed(remote, caplog, transport) -> None:
    remote.replies.append(Reply(302, envelope(), {"Location": "http://169.254.169.254/latest/meta-data/"}))
    with caplog.at_level(logging.WARNING), pytest.raises(OcpiClientError, match="redirects are not followed") as error:
        OcpiClient(token="t", **transport()).get(f"{remote.base_url}/ocpi/versions")
    assert error.value.refused
    assert len(remote.received) == 1
    assert "not followed" in caplog.text


# --- A partner's versions URL -------------------------------------------------------------------------------------

ROLE = {"role": "EMSP", "business_details": {"name": "X"}, "party_id": "EMS", "country_code": "NL"}


@pytest.mark.parametrize(
    "url", ["http://10.0.0.7/ocpi/versions", "http://169.254.169.254/", "https://intranet.evil.example/versions"]
)
def test_registration_with_a_hostile_versions_url_is_refused(no_network, client, url, caplog) -> None:
    partner, token_a = make_partner(status=Partner.Status.PENDING)
    body = {"token": "token-b", "url": url, "roles": [ROLE]}
    with caplog.at_level(logging.WARNING, logger="ocpi_api.core.client"):
        response = client.post("/ocpi/2.2.1/credentials", body, content_type="application/json", **auth(token_a))
    envelope_ = response.json()
    assert envelope_["status_code"] == 3001
    assert f"Refused to call {url}" in envelope_["status_message"]
    assert "refused, not sent" in caplog.text  # the log staff read for the partner's failed registration
    partner.refresh_from_db()
    assert (partner.status, partner.versions_url) == (Partner.Status.PENDING, "")


def test_a_connection_test_with_a_hostile_versions_url_is_recorded_on_the_partner(no_network) -> None:
    partner, _ = make_partner(versions_url="http://metadata.evil.example/ocpi/versions", outbound_token="t")
    with pytest.raises(services.HandshakeError):
        services.partner_test_connection(partner=partner)
    partner.refresh_from_db()
    assert "Refused to call http://metadata.evil.example/ocpi/versions" in partner.last_error
    assert "169.254.169.254 is link-local" in partner.last_error


def test_we_do_not_register_with_a_hostile_versions_url(no_network) -> None:
    with pytest.raises(services.HandshakeError, match=r"Refused to call http://10\.0\.0\.7/v"):
        services.partner_register(versions_url="http://10.0.0.7/v", token_a="token-a")
    assert not Partner.objects.exists()


# --- A partner's endpoints ------------------------------------------------------------------------------------------


@dataclass
class HostileEndpoints(LoopbackServer):
    """An eMSP on loopback whose version details send us to the intranet for its tokens module."""

    hostile: str = "http://intranet.evil.example/ocpi/2.2.1/tokens"

    def answer(self, request: Request) -> Reply:
        if request.route.endswith("/versions"):
            return Reply(200, envelope(data=[{"version": "2.2.1", "url": f"{self.base_url}/2.2.1"}]))
        endpoints = [
            {"identifier": "credentials", "role": "RECEIVER", "url": f"{self.base_url}/2.2.1/credentials"},
            {"identifier": "tokens", "role": "SENDER", "url": self.hostile},
        ]
        return Reply(200, envelope(data={"version": "2.2.1", "endpoints": endpoints}))


@pytest.mark.parametrize("hostile", ["http://intranet.evil.example/ocpi/2.2.1/tokens", "http://[fe80::1]/tokens"])
def test_registration_with_a_hostile_endpoint_is_refused(looked_up, loopback_only, settings, client, hostile) -> None:
    settings.OCPI_OUTGOING_ALLOWED_NETWORKS = ["127.0.0.1/32"]  # the eMSP's versions, on loopback
    server = HostileEndpoints(hostile=hostile).start()
    try:
        partner, token_a = make_partner(status=Partner.Status.PENDING)
        body = {"token": "token-b", "url": f"{server.base_url}/versions", "roles": [ROLE]}
        response = client.post("/ocpi/2.2.1/credentials", body, content_type="application/json", **auth(token_a))
    finally:
        server.stop()
    message = response.json()["status_message"]
    assert response.json()["status_code"] == 3001
    assert f"Their tokens endpoint is refused: {hostile}" in message
    partner.refresh_from_db()
    assert partner.endpoints == []
    assert partner.status == Partner.Status.PENDING


def test_a_push_to_a_hostile_endpoint_fails_and_the_row_says_why(no_network) -> None:
    """An endpoint stored before (or a name that moved since): the push row fails at once, with the reason."""
    partner = Partner.objects.create(
        name="eMSP",
        country_code="NL",
        party_id="EMS",
        status=Partner.Status.REGISTERED,
        version="2.2.1",
        outbound_token="t",
        endpoints=[{"identifier": "locations", "role": "RECEIVER", "url": "http://metadata.evil.example/locations"}],
    )
    item = push_enqueue(
        partner=partner, module="locations", object_key="SE/CPO/L1", method="PUT", path="SE/CPO/L1", body={"id": "L1"}
    )
    assert item is not None
    push_deliver(item_id=item.pk)
    item.refresh_from_db()
    assert item.status == OutboxItem.Status.FAILED
    assert "Refused to call http://metadata.evil.example/locations/SE/CPO/L1" in item.response_message
    attempt = item.attempt_log.get()
    assert attempt.outcome == DeliveryAttempt.Outcome.FAILED
    assert "169.254.169.254 is link-local" in attempt.message


# --- A command's response_url -------------------------------------------------------------------------------------


@pytest.fixture
def commanding_partner() -> tuple[Partner, str]:
    endpoints = [
        {"identifier": name, "role": "RECEIVER", "url": f"https://emsp.example/ocpi/2.2.1/{name}"}
        for name in ("sessions", "cdrs")
    ]
    return registered_partner(endpoints=endpoints, outbound_token="t")


def _unlock(client, token: str, response_url: str, capture) -> dict[str, Any]:
    evse = roaming_station()
    body = {"response_url": response_url, "location_id": evse.location.ocpi_id, "evse_uid": evse.uid}
    with capture(execute=True):
        response = client.post(
            f"{COMMANDS_URL}/UNLOCK_CONNECTOR",
            {**body, "connector_id": "1"},
            content_type="application/json",
            **auth(token),
        )
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.parametrize(
    "response_url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:6379/",
        "http://[::1]:6379/",
        "http://10.0.0.7/results",
        "https://intranet.evil.example/results",
        "https://emsp.example.evil.example/results",
    ],
)
def test_a_response_url_off_the_partners_hosts_is_refused(
    no_network, client, commanding_partner, response_url, django_capture_on_commit_callbacks
) -> None:
    _, token = commanding_partner
    envelope_ = _unlock(client, token, response_url, django_capture_on_commit_callbacks)
    assert envelope_["status_code"] == 2001
    assert envelope_["data"]["result"] == "REJECTED"
    assert "response_url" in envelope_["status_message"]
    assert "is not a host of your registered endpoints" in envelope_["status_message"]
    command = CommandRequest.objects.get()  # recorded for staff, never carried out
    assert (command.response, command.result) == ("REJECTED", "")
    assert "response_url" in command.response_message
    assert not OutboxItem.objects.exists()
    assert no_network == []


def test_a_response_url_on_the_partners_host_that_resolves_inward_is_refused_at_the_call(
    no_network, client, django_capture_on_commit_callbacks
) -> None:
    """The host is the partner's, but its name now leads to the intranet: the command is carried out, the result's
    push is refused and its row says why."""
    endpoints = [{"identifier": "sessions", "role": "RECEIVER", "url": "https://intranet.evil.example/ocpi/sessions"}]
    _, token = registered_partner(endpoints=endpoints, outbound_token="t")
    envelope_ = _unlock(
        client, token, "https://intranet.evil.example/ocpi/commands/1", django_capture_on_commit_callbacks
    )
    assert envelope_["data"]["result"] == "ACCEPTED"
    command = CommandRequest.objects.get()
    assert command.result == "ACCEPTED"
    row = OutboxItem.objects.get(url=command.response_url)
    assert row.status == OutboxItem.Status.FAILED
    assert "intranet.evil.example resolves to 10.0.0.7 is private" in row.response_message
    assert no_network == ["intranet.evil.example"]


def test_a_response_url_must_be_https_in_production(
    no_network, client, settings, django_capture_on_commit_callbacks
) -> None:
    settings.OCPI_OUTGOING_REQUIRE_HTTPS = True
    endpoints = [{"identifier": "sessions", "role": "RECEIVER", "url": "https://emsp.example/ocpi/sessions"}]
    _, token = registered_partner(endpoints=endpoints, outbound_token="t")
    envelope_ = _unlock(client, token, "http://emsp.example/ocpi/commands/1", django_capture_on_commit_callbacks)
    assert envelope_["status_code"] == 2001
    assert "response_url" in envelope_["status_message"]
    assert "only https" in envelope_["status_message"]


def test_a_token_pull_from_a_hostile_endpoint_is_refused_and_shown_to_staff(no_network) -> None:
    endpoints = [{"identifier": "tokens", "role": "SENDER", "url": "http://[::ffff:10.0.0.7]/ocpi/tokens"}]
    partner, _ = registered_partner(endpoints=endpoints, outbound_token="t")
    result = partner_tokens_pull(partner.pk)
    assert not result.complete
    assert "Refused to call http://[::ffff:10.0.0.7]/ocpi/tokens" in result.problem
    partner.refresh_from_db()
    assert "inside the IPv6 address ::ffff:a00:7" in partner.tokens_pull["problem"]


def test_real_time_authorization_at_a_hostile_endpoint_is_refused(no_network) -> None:
    endpoints = [{"identifier": "tokens", "role": "SENDER", "url": "http://redis.evil.example:6379/tokens"}]
    partner, _ = registered_partner(endpoints=endpoints, outbound_token="t")
    evse = roaming_station()
    answer = ask_emsp(partner=partner, token=stored_token(partner), location=evse.location, evse=evse)
    assert answer.allowed_type is None  # no answer: the fallback rules decide, as for an unreachable eMSP
    assert "redis.evil.example resolves to ::1 is loopback" in answer.exchange


@pytest.fixture
def tls_remote(loopback_only, tmp_path, monkeypatch, settings) -> Iterator[tuple[Partner221, str]]:
    """An https partner on loopback whose certificate names emsp.tls.example; that name and another resolve to it."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=emsp.tls.example"),
            *("-addext", "subjectAltName=DNS:emsp.tls.example"),
        ],
        check=True,
        capture_output=True,
    )
    settings.OCPI_OUTGOING_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host in ("emsp.tls.example", "other.tls.example"):
            host = "127.0.0.1"
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    server = Partner221()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.server.socket = context.wrap_socket(server.server.socket, server_side=True)
    server.start()
    yield server, str(cert)
    server.stop()


@pytest.mark.parametrize("pooled", [False, True], ids=["session", "pools"])
def test_https_to_the_vetted_address_checks_the_certificate_against_the_host_name(tls_remote, pooled) -> None:
    server, cert = tls_remote
    port = server.server.server_port
    session = requests.Session()
    session.verify = cert
    transport: dict[str, Any] = {"pools": VettedPools(ca_certs=cert)} if pooled else {"session": session}
    server.replies.append(Reply(200, envelope(data=[])))
    assert OcpiClient(token="t", **transport).get(f"https://emsp.tls.example:{port}/ocpi/versions").data == []
    assert server.received[0].headers["Host"] == f"emsp.tls.example:{port}"
    # The same address under a name the certificate does not carry: TLS refuses it (SNI and check use the name).
    with pytest.raises(OcpiClientError, match="Could not reach"):
        OcpiClient(token="t", **transport).get(f"https://other.tls.example:{port}/ocpi/versions")
    assert len(server.received) == 1
