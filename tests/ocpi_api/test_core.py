"""The OCPI transport layer: envelope, errors, token header forms, request ids, routing headers."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from ocpi_api.core.envelope import format_datetime
from ocpi_api.core.tokens import header_candidates, header_value, mask
from ocpi_api.models import Partner
from tests.factories import make_partner

from .conftest import auth

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {"data", "status_code", "status_message", "timestamp"}


def assert_envelope(response: Any, http_status: int, status_code: int) -> dict[str, Any]:  # a test client response
    assert response.status_code == http_status, response.content
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["status_code"] == status_code
    assert body["timestamp"].endswith("Z")
    assert len(body["timestamp"]) <= 25
    return body


def test_versions_list_and_details_list_only_implemented_modules(client, partner) -> None:
    _, token = partner
    body = assert_envelope(client.get("/ocpi/versions", **auth(token)), 200, 1000)
    assert body["data"] == [
        {"version": "2.2.1", "url": "http://testserver/ocpi/2.2.1"},
        {"version": "2.1.1", "url": "http://testserver/ocpi/2.1.1"},
    ]
    details = assert_envelope(client.get("/ocpi/2.2.1", **auth(token)), 200, 1000)["data"]
    assert details["version"] == "2.2.1"
    for endpoint in details["endpoints"]:
        assert endpoint["role"] in ("SENDER", "RECEIVER")
        # Receiver modules (tokens, commands) only take calls on object URLs below the module URL, whose GET is then
        # a 405 envelope.
        module_response = client.get(endpoint["url"].removeprefix("http://testserver"), **auth(token))
        assert module_response.status_code == (200 if endpoint["role"] == "SENDER" else 405), endpoint
        assert module_response.json()["status_code"] in (1000, 2000)
    assert {e["identifier"] for e in details["endpoints"]} >= {"credentials"}


def test_trailing_slash_is_accepted(client, partner) -> None:
    _, token = partner
    assert_envelope(client.get("/ocpi/versions/", **auth(token)), 200, 1000)
    assert_envelope(client.get("/ocpi/2.2.1/credentials/", **auth(token)), 200, 1000)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Token "},
        {"HTTP_AUTHORIZATION": "Bearer abc"},
        {"HTTP_AUTHORIZATION": "Token unknown-token"},
        {"HTTP_AUTHORIZATION": "Token " + base64.b64encode(b"unknown-token").decode()},
        {"HTTP_AUTHORIZATION": "Token \x00\x01"},
    ],
)
def test_missing_or_unknown_token_is_401(client, partner, headers) -> None:
    body = assert_envelope(client.get("/ocpi/versions", **headers), 401, 2000)
    assert body["status_message"]


def test_token_is_accepted_raw_and_base64(client, partner) -> None:
    _, token = partner
    assert_envelope(client.get("/ocpi/versions", **auth(token)), 200, 1000)
    assert_envelope(client.get("/ocpi/versions", **auth(token, raw=True)), 200, 1000)
    # The spec's own example encodes a trailing newline; that is a different token and must not match.
    wrong = base64.b64encode((token + "\n").encode()).decode()
    assert_envelope(client.get("/ocpi/versions", HTTP_AUTHORIZATION=f"Token {wrong}"), 401, 2000)


def test_tokens_are_stored_hashed(partner) -> None:
    stored, token = partner
    stored.refresh_from_db()
    assert token not in {stored.token_hash, stored.previous_token_hash, stored.outbound_token}
    assert len(token) >= 43  # 32 random bytes


def test_token_a_is_rejected_outside_versions_and_credentials(client) -> None:
    _, token_a = make_partner(status=Partner.Status.PENDING)
    assert_envelope(client.get("/ocpi/versions", **auth(token_a)), 200, 1000)
    assert_envelope(client.get("/ocpi/2.2.1/credentials", **auth(token_a)), 200, 1000)
    body = assert_envelope(client.get("/ocpi/cpo/2.2.1/locations", **auth(token_a)), 401, 2000)
    assert "only valid for the versions and credentials" in body["status_message"]
    assert_envelope(client.get("/ocpi/cpo/2.2.1/locations/LOC1/EVSE1", **auth(token_a)), 401, 2000)


def test_unknown_url_and_wrong_method_get_envelopes(client, partner) -> None:
    _, token = partner
    assert_envelope(client.get("/ocpi/2.2.1/nothing-here", **auth(token)), 404, 2000)
    assert_envelope(client.get("/ocpi/", **auth(token)), 404, 2000)
    assert_envelope(client.patch("/ocpi/2.2.1/credentials", **auth(token)), 405, 2000)
    assert_envelope(client.post("/ocpi/versions", **auth(token)), 405, 2000)


def test_malformed_json_is_400_2001(client) -> None:
    _, token_a = make_partner(status=Partner.Status.PENDING)
    response = client.post(
        "/ocpi/2.2.1/credentials", data="{not json", content_type="application/json", **auth(token_a)
    )
    body = assert_envelope(response, 400, 2001)
    assert "JSON" in body["status_message"]


def test_request_ids_are_echoed_or_generated(client, partner) -> None:
    _, token = partner
    response = client.get("/ocpi/versions", HTTP_X_REQUEST_ID="req-1", HTTP_X_CORRELATION_ID="corr-1", **auth(token))
    assert response["X-Request-ID"] == "req-1"
    assert response["X-Correlation-ID"] == "corr-1"
    generated = client.get("/ocpi/versions", **auth(token))
    assert len(generated["X-Request-ID"]) == 36
    assert len(generated["X-Correlation-ID"]) == 36
    # Errors outside DRF (unknown URL, no token) carry them too.
    unknown = client.get("/ocpi/unknown", HTTP_X_REQUEST_ID="req-2")
    assert unknown["X-Request-ID"] == "req-2"
    unauthorized = client.get("/ocpi/versions", HTTP_X_REQUEST_ID="req-3")
    assert unauthorized.status_code == 401
    assert unauthorized["X-Request-ID"] == "req-3"


def test_configuration_modules_send_no_routing_headers(client, partner) -> None:
    _, token = partner
    response = client.get(
        "/ocpi/versions", HTTP_OCPI_FROM_COUNTRY_CODE="NL", HTTP_OCPI_FROM_PARTY_ID="EMS", **auth(token)
    )
    assert not any(name.lower().startswith("ocpi-") for name in response.headers)


def test_header_helpers() -> None:
    assert header_value("example-token", base64_encoded=True) == "Token ZXhhbXBsZS10b2tlbg=="
    assert header_value("example-token", base64_encoded=False) == "Token example-token"
    assert header_candidates("Token ZXhhbXBsZS10b2tlbg==") == ["ZXhhbXBsZS10b2tlbg==", "example-token"]
    assert header_candidates("token example-token") == ["example-token"]
    assert header_candidates("Basic abc") == []
    assert "example" not in mask("example-token")


def test_datetime_format_is_utc_with_z() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    assert format_datetime(datetime(2024, 6, 30, 21, 59, 59, tzinfo=UTC)) == "2024-06-30T21:59:59Z"
    plus_two = datetime(2024, 6, 30, 23, 59, 59, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert format_datetime(plus_two) == "2024-06-30T21:59:59.123Z"


def test_a_crash_is_an_envelope_not_an_html_page(client, partner, settings) -> None:
    _, token = partner
    settings.OCPI_MAX_PAGE_SIZE = "not a number"  # a broken deployment setting: the view itself fails
    client.raise_request_exception = False
    response = client.get("/ocpi/cpo/2.2.1/locations", HTTP_X_REQUEST_ID="crash-1", **auth(token))
    body = assert_envelope(response, 500, 3000)
    assert "logged" in body["status_message"]
    assert response["X-Request-ID"] == "crash-1"
