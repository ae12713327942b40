"""Hostile and broken input on the OCPI API (issue 11, item 5): each is a 4xx inside the OCPI envelope, with the
field named, never a 500. The schemathesis run in test_openapi.py covers the rest of the input space."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings

from ocpi_api.core.params import PAGING_MAX
from ocpi_api.core.parsers import MAX_JSON_DEPTH

from .conftest import auth
from .drivers import token_body

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {"data", "status_code", "status_message", "timestamp"}
# An offset that leaves the calendar when converted to UTC (Python's datetime ends at 9999 and starts at 0001).
CALENDAR_EDGES = ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+01:00"]
LISTS = ["/ocpi/cpo/2.2.1/locations", "/ocpi/cpo/2.2.1/sessions", "/ocpi/cpo/2.2.1/cdrs"]
TOKEN_URL = "/ocpi/cpo/2.2.1/tokens/NL/EMS/04A1B2C3"


def refused(response: Any, http_status: int, status_code: int, *names: str) -> str:
    """The answer is an OCPI error envelope with this status; its message names every one of ``names``."""
    assert response.status_code == http_status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["status_code"] == status_code
    for name in names:
        assert name in body["status_message"], body["status_message"]
    return str(body["status_message"])


def send(client: Any, method: str, url: str, body: str | bytes, token: str) -> Any:
    return getattr(client, method)(url, data=body, content_type="application/json", **auth(token))


@pytest.mark.parametrize(
    ("method", "url"),
    [("put", TOKEN_URL), ("post", "/ocpi/cpo/2.2.1/commands/STOP_SESSION"), ("put", "/ocpi/2.2.1/credentials")],
)
def test_a_body_over_the_size_limit_is_413(client, partner, method, url) -> None:
    _, token = partner
    body = json.dumps({"uid": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    message = refused(send(client, method, url, body, token), 413, 2000)
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in message


@pytest.mark.parametrize(
    "body",
    [
        "[" * 1000 + "]" * 1000,  # beyond Python's decoder: RecursionError
        '{"a":' * 1000 + "1" + "}" * 1000,
        '{"a":' * 900 + "1" + "}" * 900,  # parsed, but far deeper than any OCPI object
        json.dumps({**token_body(), "x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}),
    ],
    ids=["list-1000", "object-1000", "object-900", "token-with-a-deep-extra"],
)
def test_json_nested_deeper_than_the_limit_is_2001_naming_the_body(client, partner, body) -> None:
    _, token = partner
    message = refused(send(client, "put", TOKEN_URL, body, token), 400, 2001, "body")
    assert str(MAX_JSON_DEPTH) in message


def test_json_as_deep_as_an_ocpi_object_is_read(client, partner) -> None:
    _, token = partner
    nested: Any = "x"
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    response = send(client, "put", TOKEN_URL, json.dumps({**token_body(), "extension": nested}), token)
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("edge", CALENDAR_EDGES)
@pytest.mark.parametrize("name", ["date_from", "date_to"])
@pytest.mark.parametrize("url", LISTS)
def test_list_filters_at_the_calendar_edge_are_2001_naming_the_parameter(client, partner, url, name, edge) -> None:
    _, token = partner
    query = {"date_from": "2020-01-01T00:00:00Z", name: edge}
    refused(client.get(url, query, **auth(token)), 400, 2001, name)


@pytest.mark.parametrize("edge", CALENDAR_EDGES)
def test_token_last_updated_at_the_calendar_edge_is_2001_naming_it(client, partner, edge) -> None:
    _, token = partner
    put = send(client, "put", TOKEN_URL, json.dumps(token_body(last_updated=edge)), token)
    refused(put, 400, 2001, "last_updated")
    send(client, "put", TOKEN_URL, json.dumps(token_body()), token)
    patch = send(client, "patch", TOKEN_URL, json.dumps({"valid": False, "last_updated": edge}), token)
    refused(patch, 400, 2001, "last_updated")


@pytest.mark.parametrize("edge", CALENDAR_EDGES)
def test_reserve_now_expiry_at_the_calendar_edge_is_2001_naming_it(client, partner, edge) -> None:
    _, token = partner
    body = {
        "response_url": "http://127.0.0.1:9/commands/RESERVE_NOW/1",
        "token": token_body(),
        "expiry_date": edge,
        "reservation_id": "R-1",
        "location_id": "LOC1",
    }
    response = send(client, "post", "/ocpi/cpo/2.2.1/commands/RESERVE_NOW", json.dumps(body), token)
    refused(response, 400, 2001, "expiry_date")


@pytest.mark.parametrize(
    ("url", "name", "value", "problem"),
    [
        ("/ocpi/search/stations", "offset", "10000000000000000000", "2147483647"),
        ("/ocpi/search/stations", "offset", str(2**63), "2147483647"),
        ("/ocpi/search/stations", "offset", str(PAGING_MAX + 1), "2147483647"),
        ("/ocpi/search/stations", "offset", "-1", "0"),
        ("/ocpi/search/stations", "limit", "0", "1"),
        ("/ocpi/search/stations", "limit", "1" + "0" * 30, "2147483647"),
        ("/ocpi/cpo/2.2.1/locations", "offset", "10000000000000000000", "2147483647"),
        ("/ocpi/cpo/2.2.1/locations", "offset", "9" * 5000, "2147483647"),  # beyond Python's int() digit limit
        ("/ocpi/cpo/2.2.1/locations", "offset", "-" + "9" * 5000, "0 or more"),
        ("/ocpi/cpo/2.2.1/cdrs", "limit", "0", "1 or more"),
        ("/ocpi/cpo/2.2.1/cdrs", "limit", str(2**64), "2147483647"),
    ],
)
def test_offsets_and_limits_out_of_bounds_are_2001_naming_them(client, partner, url, name, value, problem) -> None:
    _, token = partner
    message = refused(client.get(url, {name: value}, **auth(token)), 400, 2001, name)
    assert problem in message


@pytest.mark.parametrize("url", ["/ocpi/cpo/2.2.1/locations", "/ocpi/search/stations"])
def test_the_largest_offset_and_limit_are_an_empty_page(client, partner, url) -> None:
    _, token = partner
    response = client.get(url, {"offset": PAGING_MAX, "limit": PAGING_MAX}, **auth(token))
    assert response.status_code == 200, response.content
    assert response.json()["data"] == []


@pytest.mark.parametrize("url", ["/ocpi/versions", "/ocpi/cpo/2.2.1/locations", "/ocpi/no-such-module"])
def test_an_unknown_host_on_ocpi_gets_an_envelope(client, partner, url) -> None:
    _, token = partner
    response = client.get(url, HTTP_HOST="attacker.example", **auth(token))
    refused(response, 400, 2000, "Host")
    assert response["X-Request-ID"]
    assert response["X-Content-Type-Options"] == "nosniff"  # the other middleware's headers are kept


def test_an_unknown_host_elsewhere_keeps_djangos_page(client) -> None:
    response = client.get("/login/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_redirects_under_ocpi_pass_through(client, settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/ocpi/versions")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/ocpi/versions"
