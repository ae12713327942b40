"""The published OpenAPI schema, Swagger UI from our own static files, and schemathesis fuzzing of every OCPI
operation with a valid partner token: no input may produce a 5xx, and every answer is an OCPI envelope.

OCPI_FUZZ_EXAMPLES sets the generated examples per operation (default 25: about 2,600 requests, a minute on one
core); CI runs it with enough for at least 10,000 requests (.ci/run). The count is printed at the end of the session.
"""

from __future__ import annotations

import os
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application
from ocpi_api.core.params import PAGING_MAX, PATH_ID_PATTERN
from ocpi_api.core.tokens import header_value, token_hash
from ocpi_api.models import Partner
from tests.fuzz_requests import CheckedApp
from tests.html_assets import foreign_assets

schema = schemathesis.openapi.from_dict(SchemaGenerator(patterns=None).get_schema(request=None, public=True))
APP = CheckedApp(application)  # every request, including those schemathesis's checks send, is counted and checked
schema.app = APP
OCPI = schema.include(path_regex=r"^/ocpi/")
TOKEN = "fuzzing-partner-token-0123456789abcdefghijklmnop"
EXAMPLES = int(os.environ.get("OCPI_FUZZ_EXAMPLES", "25"))


@OCPI.auth()
class PartnerToken:
    """A registered partner's token on every generated call; schemathesis also replays calls with a wrong one."""

    def get(self, case, ctx) -> str:
        return TOKEN

    def set(self, case, data: str, ctx) -> None:
        case.headers = {**(case.headers or {}), "Authorization": header_value(data, base64_encoded=True)}


@pytest.fixture(autouse=True)
def _keep_connection_and_stay_offline(monkeypatch):
    # The WSGI app would close the test's connection after each call (pitfall 3 in the stack notes).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # A fuzzed credentials PUT makes us call the "partner" URL in the body: route every outbound call to a closed
    # port, so fuzzing never leaves the machine (the handshake tests cover real partners).
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@OCPI.parametrize()
@hypothesis.settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_ocpi_operations_never_fail_with_a_server_error(case) -> None:
    # Examples share the database: restore the partner that a fuzzed DELETE may have unregistered.
    Partner.objects.update_or_create(
        name="Fuzzing partner",
        defaults={
            "status": Partner.Status.REGISTERED,
            "token_hash": token_hash(TOKEN),
            "previous_token_hash": None,
            "country_code": "NL",
            "party_id": "FUZ",
        },
    )
    APP.take_problems()  # drop what an earlier, failing example left; that example reported it
    response = case.call()
    assert response.status_code < 500, response.text
    headers = {name.lower(): values for name, values in response.headers.items()}
    assert headers["content-type"][0].startswith("application/json")
    body = response.json()
    assert {"status_code", "timestamp", "data"} <= set(body)
    # Whether valid data is accepted depends on state here (POST credentials is 405 once registered; PUT calls a
    # partner that does not exist): that is what the handshake tests check, with a real partner.
    case.validate_response(response, excluded_checks=[positive_data_acceptance])
    assert APP.take_problems() == []


@pytest.mark.django_db
def test_schema_and_swagger_ui_are_published(client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/ocpi/versions", "/ocpi/2.2.1/credentials", "/ocpi/cpo/2.2.1/locations/{location_id}"} <= set(paths)
    assert paths["/ocpi/cpo/2.2.1/locations"]["get"]["security"] == [{"ocpiToken": []}]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert foreign_assets(html) == []


def test_schema_states_the_bounds_the_server_enforces() -> None:
    document = SchemaGenerator(patterns=None).get_schema(request=None, public=True)

    def parameter(path: str, name: str) -> dict[str, Any]:
        schema: dict[str, Any] = next(
            p["schema"] for p in document["paths"][path]["get"]["parameters"] if p["name"] == name
        )
        return schema

    for path in ("/ocpi/cpo/2.2.1/locations", "/ocpi/cpo/2.2.1/cdrs", "/ocpi/search/stations"):
        assert (parameter(path, "offset")["minimum"], parameter(path, "offset")["maximum"]) == (0, PAGING_MAX)
        assert (parameter(path, "limit")["minimum"], parameter(path, "limit")["maximum"]) == (1, PAGING_MAX)
    token = "/ocpi/cpo/2.2.1/tokens/{country_code}/{party_id}/{token_uid}"
    assert [parameter(token, name)["maxLength"] for name in ("country_code", "party_id", "token_uid")] == [2, 3, 36]
    location_id = parameter("/ocpi/cpo/2.2.1/locations/{location_id}", "location_id")
    assert (location_id["minLength"], location_id["maxLength"], location_id["pattern"]) == (1, 36, PATH_ID_PATTERN)
    assert document["components"]["schemas"]["Station"]["properties"]["operator"]["nullable"] is True
