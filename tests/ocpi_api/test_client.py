"""The outgoing client against a loopback server that answers the way real partners do."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from ocpi_api.core.client import OcpiClient, OcpiClientError, join_url
from ocpi_api.services import partner_client, partner_routing
from tests.factories import make_partner
from tests.loopback import LoopbackServer, Reply, Request


@dataclass
class Partner(LoopbackServer):
    """Answers every request with the next canned (status, body); records the headers it received."""

    answers: list[tuple[int, Any]] = field(default_factory=list)
    received: list[dict[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.base_url}/ocpi/2.2.1/locations/"

    def answer(self, request: Request) -> Reply:
        self.received.append(request.headers)
        status, body = self.answers.pop(0)
        return Reply(status, body)


@pytest.fixture
def remote() -> Iterator[Partner]:
    server = Partner().start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("body", "data"),
    [
        ({"data": [1], "status_code": 1000, "status_message": "OK", "timestamp": "2024-01-01T00:00:00Z"}, [1]),
        ({"data": {"a": 1}, "status_code": "1000"}, {"a": 1}),  # status_code as a string, no timestamp
        ({"status_code": 1000.0}, None),  # no data at all
        ({"status_code": 1000, "data": None, "timestamp": None}, None),
        ([{"version": "2.2.1"}], [{"version": "2.2.1"}]),  # no envelope around a list
    ],
)
def test_tolerated_partner_quirks(remote, body, data) -> None:
    remote.answers.append((200, body))
    assert OcpiClient(token="t").get(remote.url).data == data


@pytest.mark.parametrize(
    ("status", "body", "answered"),
    [
        (200, {"status_code": 2001, "status_message": "bad"}, True),
        (200, {"status_code": "garbage"}, False),
        (500, "<html>Internal Server Error</html>", True),
        (200, "<html>hello</html>", True),
        (401, {"status_code": 2000}, True),
    ],
)
def test_failures_are_errors(remote, status, body, answered) -> None:
    remote.answers.append((status, body))
    if not answered:  # an unreadable status_code is judged by HTTP: 200 is a success
        assert OcpiClient(token="t").get(remote.url).status_code == 1000
        return
    with pytest.raises(OcpiClientError) as error:
        OcpiClient(token="t").get(remote.url)
    assert error.value.answered


def test_unreachable_partner() -> None:
    with pytest.raises(OcpiClientError) as error:
        OcpiClient(token="t", timeout=(1, 1)).get("http://127.0.0.1:9/ocpi/versions")
    assert not error.value.answered


@pytest.mark.django_db
def test_headers_on_functional_calls_and_masked_logs(remote, caplog) -> None:
    partner, _ = make_partner(outbound_token="secret-outbound-token-0123456789", auth_header_base64=False)
    remote.answers.append((200, {"status_code": 1000, "data": {"token": "secret-in-body-0123456789"}}))
    caplog.set_level(logging.DEBUG, logger="ocpi_api.core.client")
    client = partner_client(partner=partner)
    client.put(
        join_url(remote.url, "SE", "CPO", "LOC1"),
        {"token": "another-secret-0123456789"},
        routing=partner_routing(partner=partner),
        correlation_id="corr-9",
    )
    sent = remote.received[0]
    assert sent["Authorization"] == "Token secret-outbound-token-0123456789"
    assert sent["OCPI-from-country-code"] == "SE"
    assert sent["OCPI-from-party-id"] == "CPO"
    assert sent["OCPI-to-country-code"] == "NL"
    assert sent["OCPI-to-party-id"] == "EMS"
    assert sent["X-Correlation-ID"] == "corr-9"
    assert len(sent["X-Request-ID"]) == 36
    assert sent["Content-Type"] == "application/json"
    logged = caplog.text
    assert "/ocpi/2.2.1/locations/SE/CPO/LOC1" in logged
    for secret in ("secret-outbound-token", "secret-in-body", "another-secret"):
        assert secret not in logged
    assert "secr…(32 chars)" in logged


def test_join_url() -> None:
    assert join_url("https://x/ocpi/tokens/", "/012/", "authorize") == "https://x/ocpi/tokens/012/authorize"
    assert join_url("https://x/ocpi/tokens", "012") == "https://x/ocpi/tokens/012"
