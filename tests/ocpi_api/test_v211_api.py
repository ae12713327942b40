"""OCPI 2.1.1 at our edge, without a second server: version discovery, untrusted 2.1.1 input answered with the 2.1.1
errors (never a 500), the OpenAPI description of the 2.1.1 operations, the partner page; and, with two loopback
partners, one 2.1.1 and one 2.2.1, the same EVSE change pushed to each in its own version."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from chargepoints.authorization import get_token_authority
from chargepoints.enums import EvseStatus
from chargepoints.services import evse_set_status
from ocpi_api import token_pull
from ocpi_api.models import EmspToken
from ocpi_api.push.catalogue import push_location_change
from tests.factories import make_partner, operations_user

from .conftest import auth
from .contract import EVSE, validate
from .contract_211 import EVSE_211, validate_211
from .drivers import DriversEmsp, charged_session, registered_partner, roaming_station, stored_token
from .emsp_211 import Emsp211
from .test_drivers_e2e import wait_for
from .test_token_pull import TokenSender, pulling_partner

TOKENS = "/ocpi/cpo/2.1.1/tokens/NL/EMS"
GOOD_TOKEN = {
    "uid": "04A1B2C3",
    "type": "RFID",
    "auth_id": "NL-EMS-C1",
    "issuer": "Legacy eMSP",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2026-01-01T00:00:00Z",
}


@pytest.fixture
def legacy(db: None) -> tuple[Any, str]:
    endpoints = [{"identifier": "commands", "url": "https://emsp.example/ocpi/emsp/2.1.1/commands"}]
    return make_partner(version="2.1.1", auth_header_base64=False, endpoints=endpoints)


def call(client: Client, method: str, url: str, token: str, body: Any = None) -> Any:
    kwargs: dict[str, Any] = {"content_type": "application/json"} if body is not None else {}
    response = getattr(client, method)(url, body, **kwargs, **auth(token, raw=True))
    return response


@pytest.mark.django_db
def test_versions_list_both_and_211_details_have_no_roles(client: Client, partner: tuple[Any, str]) -> None:
    _, token = partner
    versions = call(client, "get", "/ocpi/versions", token).json()["data"]
    assert [v["version"] for v in versions] == ["2.2.1", "2.1.1"]
    details = call(client, "get", "/ocpi/2.1.1", token).json()["data"]
    assert details["version"] == "2.1.1"
    assert [e["identifier"] for e in details["endpoints"]] == [
        "credentials",
        "locations",
        "tariffs",
        "sessions",
        "cdrs",
        "tokens",
        "commands",
    ]
    assert all(set(e) == {"identifier", "url"} for e in details["endpoints"])
    assert all("role" in e for e in call(client, "get", "/ocpi/2.2.1", token).json()["data"]["endpoints"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in GOOD_TOKEN.items() if k != "auth_id"}, "auth_id"),
        ({**GOOD_TOKEN, "whitelist": "SOMETIMES"}, "whitelist"),
        ({**GOOD_TOKEN, "valid": "yes please"}, "valid"),
        ({**GOOD_TOKEN, "last_updated": "yesterday"}, "last_updated"),
        (["not", "a", "token"], "body"),
    ],
)
def test_bad_211_token_gets_2001_naming_the_field(
    client: Client, legacy: tuple[Any, str], body: Any, field: str
) -> None:
    response = call(client, "put", f"{TOKENS}/04A1B2C3", legacy[1], body)
    assert response.status_code == 400
    assert response.json()["status_code"] == 2001
    assert field in response.json()["status_message"]
    assert "contract_id" not in response.json()["status_message"]


def test_211_token_put_patch_get(client: Client, legacy: tuple[Any, str]) -> None:
    token = legacy[1]
    assert call(client, "put", f"{TOKENS}/04A1B2C3", token, GOOD_TOKEN).status_code == 201
    patch = {"valid": False, "last_updated": "2026-01-02T00:00:00Z"}
    assert call(client, "patch", f"{TOKENS}/04A1B2C3", token, patch).json()["status_code"] == 1000
    got = call(client, "get", f"{TOKENS}/04A1B2C3", token).json()["data"]
    assert got == {**GOOD_TOKEN, "valid": False, "last_updated": "2026-01-02T00:00:00Z"}


def test_unknown_token_is_2000_in_211(client: Client, legacy: tuple[Any, str]) -> None:
    # 2.1.1 status_codes.md has no 2004; 2.2.1 answers the same GET with 2004.
    response = call(client, "get", f"{TOKENS}/NOBODY", legacy[1])
    assert (response.status_code, response.json()["status_code"]) == (404, 2000)
    assert "OCPI-from-party-id" not in response.headers  # 2.1.1 has no routing headers


def test_211_commands_shapes_and_refusals(client: Client, legacy: tuple[Any, str]) -> None:
    token = legacy[1]
    cancel = call(client, "post", "/ocpi/cpo/2.1.1/commands/CANCEL_RESERVATION", token, {"response_url": "https://e/x"})
    assert (cancel.status_code, cancel.json()["data"]) == (404, {"result": "NOT_SUPPORTED"})
    bad = {"response_url": "https://e/x", "token": {k: v for k, v in GOOD_TOKEN.items() if k != "auth_id"}}
    response = call(client, "post", "/ocpi/cpo/2.1.1/commands/START_SESSION", token, {**bad, "location_id": "L"})
    assert (response.status_code, response.json()["status_code"]) == (400, 2001)
    assert "token.auth_id" in response.json()["status_message"]
    # Partners are untrusted in 2.1.1 too: a response_url off its registered hosts is refused.
    elsewhere = {"response_url": "https://e/x", "token": GOOD_TOKEN, "location_id": "NOWHERE"}
    answer = call(client, "post", "/ocpi/cpo/2.1.1/commands/START_SESSION", token, elsewhere).json()
    assert (answer["status_code"], answer["data"]) == (2001, {"result": "REJECTED"})
    assert "response_url" in answer["status_message"]
    unknown = {**elsewhere, "response_url": "https://emsp.example/ocpi/emsp/2.1.1/commands/START_SESSION/1"}
    answer = call(client, "post", "/ocpi/cpo/2.1.1/commands/START_SESSION", token, unknown).json()
    assert (answer["status_code"], answer["data"]) == (2003, {"result": "REJECTED"})


@pytest.mark.parametrize(
    "url",
    [
        "/ocpi/cpo/2.1.1/sessions?date_from=never",
        "/ocpi/cpo/2.1.1/cdrs?limit=-1",
        "/ocpi/cpo/2.1.1/tariffs?offset=x",
        "/ocpi/cpo/2.1.1/locations?date_to=2026-13-45",
    ],
)
def test_bad_211_paging_gets_2001(client: Client, legacy: tuple[Any, str], url: str) -> None:
    response = call(client, "get", url, legacy[1])
    assert (response.status_code, response.json()["status_code"]) == (400, 2001)


def test_schema_documents_211_objects() -> None:
    document = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    paths = document["paths"]

    def data(path: str, method: str = "get") -> dict[str, Any]:
        schema: dict[str, Any] = paths[path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        return dict(schema["properties"]["data"])

    location = data("/ocpi/cpo/2.1.1/locations/{location_id}")
    assert "type" in location["required"]
    assert "country_code" not in location["properties"]
    assert set(data("/ocpi/2.1.1/credentials")["required"]) == {
        "token",
        "url",
        "business_details",
        "party_id",
        "country_code",
    }
    assert data("/ocpi/cpo/2.1.1/cdrs")["items"]["properties"]["total_cost"] == {"type": "number"}
    assert data("/ocpi/cpo/2.1.1/commands/{command}", "post")["required"] == ["result"]
    ids = [op["operationId"] for ops in paths.values() for op in ops.values() if isinstance(op, dict)]
    assert len(ids) == len(set(ids))
    assert paths["/ocpi/cpo/2.1.1/tariffs"]["get"]["operationId"] == "ocpi_tariffs_list_211"


@pytest.mark.django_db
def test_partner_page_shows_the_version(client: Client, legacy: tuple[Any, str]) -> None:
    client.force_login(operations_user())
    page = client.get(f"/partners/{legacy[0].pk}/").content.decode()
    assert "OCPI version</dt><dd" in page
    assert '<dd class="col-7">2.1.1</dd>' in page


# --- The same change to a 2.1.1 and a 2.2.1 partner ---------------------------------------------------------------


@pytest.fixture
def two_emsps() -> Iterator[tuple[Emsp211, DriversEmsp]]:
    old, new = Emsp211().start(), DriversEmsp().start()
    yield old, new
    old.stop()
    new.stop()


@pytest.mark.django_db(transaction=True)
def test_one_evse_change_reaches_each_partner_in_its_version(two_emsps: tuple[Emsp211, DriversEmsp]) -> None:
    old_emsp, new_emsp = two_emsps
    registered_partner(old_emsp, party_id="OLD", version="2.1.1", auth_header_base64=False)
    registered_partner(new_emsp, party_id="NEW")
    evse = roaming_station()
    location = evse.location
    path = f"/{location.country_code}/{location.party_id}/{location.ocpi_id}/{evse.uid}"

    push_location_change(location=location, evse=evse)
    evse_set_status(evse=evse, status=EvseStatus.OUTOFORDER)

    def calls(emsp: DriversEmsp) -> list[Any]:
        return [r for r in emsp.log if r.route.endswith(path)]

    wait_for(lambda: len(calls(old_emsp)) >= 2 and len(calls(new_emsp)) >= 2)
    (old_put, old_patch), (new_put, new_patch) = calls(old_emsp)[:2], calls(new_emsp)[:2]
    assert (old_put.method, new_put.method, old_patch.method, new_patch.method) == ("PUT", "PUT", "PATCH", "PATCH")
    assert validate_211(old_put.body, EVSE_211) == []
    assert validate(new_put.body, EVSE) == []
    old_plug, new_plug = old_put.body["connectors"][0], new_put.body["connectors"][0]
    assert "max_voltage" not in old_plug
    assert "voltage" not in new_plug
    assert (old_plug["voltage"], old_plug["amperage"]) == (new_plug["max_voltage"], new_plug["max_amperage"])
    assert [old_plug["tariff_id"]] == new_plug["tariff_ids"]
    assert old_patch.body == new_patch.body
    assert old_patch.body["status"] == "OUTOFORDER"
    # Routing headers only where the version has them.
    assert "OCPI-to-party-id" not in {name for name in old_put.headers}
    assert new_put.headers["OCPI-to-party-id"] == "NEW"
    # Each got its token the way it wants it: raw for the 2.1.1 partner, Base64 for the 2.2.1 one.
    assert old_put.headers["Authorization"].removeprefix("Token ") in old_emsp.valid_tokens
    assert new_put.headers["Authorization"].removeprefix("Token ") not in new_emsp.valid_tokens


@pytest.mark.django_db
def test_a_211_sessions_or_cdrs_page_costs_the_same_queries_whatever_its_size(client: Client) -> None:
    """Each 2.1.1 Session and CDR carries its Location; they are read for the whole page at once."""
    partner, token = registered_partner(version="2.1.1")
    charged_session(roaming_station(), partner)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = call(client, "get", url, token)
        assert response.json()["status_code"] == 1000
        return len(captured)

    queries("/ocpi/cpo/2.1.1/sessions")  # the first call of the minute also records when the partner was seen
    one = {url: queries(url) for url in ("/ocpi/cpo/2.1.1/sessions", "/ocpi/cpo/2.1.1/cdrs")}
    for _ in range(2):
        charged_session(roaming_station(), partner)
    three = {url: queries(url) for url in one}
    assert three == one
    assert [len(call(client, "get", url, token).json()["data"]) for url in one] == [3, 3]


@pytest.fixture
def token_sender() -> Iterator[TokenSender]:
    server = TokenSender().start()
    yield server
    server.stop()


@pytest.mark.django_db
def test_a_211_partners_token_list_is_pulled_as_its_own_party(token_sender: TokenSender) -> None:
    sender = token_sender
    valid = dict(GOOD_TOKEN)
    without_auth_id = {**{k: v for k, v in GOOD_TOKEN.items() if k != "auth_id"}, "uid": "NOAUTHID"}
    sender.tokens = [valid, without_auth_id]
    # This sender takes Base64 only; the header form is not what this test is about.
    partner = pulling_partner(sender, version="2.1.1", auth_header_base64=True)
    result = token_pull.partner_tokens_pull(partner.pk)
    assert (result.created, result.skipped) == (1, 1)
    stored = EmspToken.objects.get()
    assert (stored.country_code, stored.party_id, stored.contract_id) == ("NL", "EMS", "NL-EMS-C1")
    [skip] = result.skips
    assert skip.uid == "NOAUTHID"
    assert "auth_id" in skip.reason


@pytest.mark.parametrize(("allowed", "charges"), [("ALLOWED", True), ("BLOCKED", False)])
@pytest.mark.django_db(transaction=True)
def test_real_time_authorization_with_a_211_emsp(settings: Any, allowed: str, charges: bool) -> None:
    """The 2.1.1 AuthorizationInfo has no token and no reference; its ``allowed`` decides all the same."""
    settings.OCPI_REALTIME_AUTHORIZATION_TIMEOUT = (0.5, 0.4)
    emsp = Emsp211(authorize=allowed).start()
    try:
        partner, _ = registered_partner(emsp, version="2.1.1", auth_header_base64=False)
        stored_token(partner, whitelist="NEVER")
        evse = roaming_station()
        decision = get_token_authority().authorize(
            token_uid="04A1B2C3", token_type="RFID", location=evse.location, evse=evse
        )
        [call] = emsp.calls("POST", "tokens/")
    finally:
        emsp.stop()
    assert call.path == "/ocpi/emsp/2.1.1/tokens/04A1B2C3/authorize?type=RFID"
    assert call.headers["Authorization"].removeprefix("Token ") == partner.outbound_token  # raw
    assert decision.allowed is charges
    assert "Hello from 2.1.1" in decision.reason  # its info, read from the 2.1.1 answer
