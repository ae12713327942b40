"""A 2.1.1-only eMSP, end to end over real HTTP both ways (tests/ocpi_api/emsp_211.py): it registers with token A,
pushes its driver's token, starts a session with START_SESSION, receives the session, the priced CDR and the EVSE
changes in 2.1.1, pulls every module by following Link, and rotates its token. Everything it receives or pulls is
checked against the 2.1.1 contract (tests/ocpi_api/contract_211.py)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from chargepoints.models import ChargingSession
from chargepoints.simulator import ChargerSimulator
from ocpi_api.models import EmspToken, Partner
from ocpi_api.services import partner_issue_token_a, partner_register

from .contract_211 import (
    CDR_211,
    COMMAND_RESPONSE_211,
    CREDENTIALS_211,
    EVSE_211,
    LOCATION_211,
    SESSION_211,
    TARIFF_211,
    TOKEN_211,
    validate_211,
)
from .drivers import charged_session, demo_tariff, roaming_station
from .emsp_211 import Emsp211
from .test_drivers_e2e import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN_211_BODY = {
    "uid": "04A1B2C3",
    "type": "RFID",
    "auth_id": "NL-EMS-C04A1B2C3",
    "issuer": "Legacy eMSP",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2026-01-01T00:00:00Z",
}


@pytest.fixture
def emsp211() -> Iterator[Emsp211]:
    server = Emsp211().start()
    yield server
    server.stop()


def pull_all(emsp: Emsp211, url: str) -> list[Any]:
    """Every object of a list endpoint, one object per page, following the Link header."""
    objects: list[Any] = []
    next_url: str | None = f"{url}?limit=1"
    pages = 0
    while next_url:
        pages += 1
        response = emsp.call_cpo("GET", next_url)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status_code"] == 1000, body
        objects += body["data"]
        next_url = response.links.get("next", {}).get("url")
    assert pages == len(objects) >= 2, f"{url}: {len(objects)} objects in {pages} pages"
    return objects


def test_a_211_emsp_end_to_end(cpo: str, emsp211: Emsp211) -> None:
    evse = roaming_station(evses=2)
    location_id = evse.location.ocpi_id
    other_evse = roaming_station()  # a second location, and a second tariff: every list has two pages at least
    demo_tariff("SWE", "DC")

    # 1. It registers with token A, in 2.1.1: flat credentials, raw tokens.
    partner, token_a = partner_issue_token_a(country_code="NL", party_id="EMS", name="Legacy eMSP")
    versions = emsp211.call_cpo("GET", f"{cpo}/ocpi/versions", token=token_a).json()["data"]
    assert [v["version"] for v in versions] == ["2.2.1", "2.1.1"]
    response = emsp211.register_with(f"{cpo}/ocpi/versions", token_a)
    body = response.json()
    assert body["status_code"] == 1000, body
    assert validate_211(body["data"], CREDENTIALS_211) == []
    assert (body["data"]["country_code"], body["data"]["party_id"]) == ("SE", "CPO")
    partner.refresh_from_db()
    assert (partner.status, partner.version, partner.auth_header_base64) == (Partner.Status.REGISTERED, "2.1.1", False)
    assert all("role" not in e for e in emsp211.cpo_endpoints)
    ours = {e["identifier"]: e["url"] for e in emsp211.cpo_endpoints}
    assert set(ours) == {"credentials", "locations", "tariffs", "sessions", "cdrs", "tokens", "commands"}
    # We read its versions with its token B, raw from the first call on (no Base64 attempt answered with 401).
    assert [r.headers["Authorization"] for r in emsp211.log] == [f"Token {partner.outbound_token}"] * 2

    # 2. It pushes its driver's token in 2.1.1 (auth_id), and reads it back in 2.1.1.
    token_url = f"{ours['tokens']}/NL/EMS/04A1B2C3"
    put = emsp211.call_cpo("PUT", token_url, TOKEN_211_BODY)
    assert (put.status_code, put.json()["status_code"]) == (201, 1000), put.json()
    assert EmspToken.objects.get().contract_id == "NL-EMS-C04A1B2C3"
    got = emsp211.call_cpo("GET", token_url).json()["data"]
    assert validate_211(got, TOKEN_211) == []
    assert {k: got[k] for k in TOKEN_211_BODY if k != "last_updated"} == {
        k: v for k, v in TOKEN_211_BODY.items() if k != "last_updated"
    }

    # 3. START_SESSION in 2.1.1: a CommandResponse with only its result, now and at the response_url.
    start_url = f"{emsp211.commands_base}/START_SESSION/1"
    start = {"response_url": start_url, "token": TOKEN_211_BODY, "location_id": location_id, "evse_uid": evse.uid}
    answer = emsp211.call_cpo("POST", f"{ours['commands']}/START_SESSION", start).json()
    assert answer["data"] == {"result": "ACCEPTED"}, answer
    [result] = wait_for(lambda: emsp211.command_results.get(start_url.removeprefix(emsp211.base_url)))
    assert validate_211(result, COMMAND_RESPONSE_211) == []
    assert result == {"result": "ACCEPTED"}

    # 4. The session arrives in 2.1.1, charges, is stopped; the priced CDR is POSTed in 2.1.1.
    session = ChargerSimulator(evse=evse).charge(session=ChargingSession.objects.get(), minutes=30, kw=Decimal(11))
    key = f"SE/CPO/{session.ocpi_id}"
    stop_url = f"{emsp211.commands_base}/STOP_SESSION/2"
    stop = emsp211.call_cpo(
        "POST", f"{ours['commands']}/STOP_SESSION", {"response_url": stop_url, "session_id": session.ocpi_id}
    ).json()
    assert stop["data"] == {"result": "ACCEPTED"}
    assert wait_for(lambda: emsp211.sessions.get(key, {}).get("status") == "COMPLETED")
    final = emsp211.sessions[key]
    assert validate_211(final, SESSION_211) == []
    assert (final["kwh"], final["total_cost"], final["auth_id"]) == (5.5, 19.25, "NL-EMS-C04A1B2C3")
    assert all(set(p.body) <= set(SESSION_211) for p in emsp211.calls("PATCH", "sessions/"))
    [cdr] = wait_for(lambda: list(emsp211.cdrs.values()))
    assert validate_211(cdr, CDR_211) == []
    assert (cdr["total_cost"], cdr["total_energy"], cdr["auth_method"]) == (19.25, 5.5, "AUTH_REQUEST")
    assert cdr["location"]["id"] == location_id
    assert [e["uid"] for e in cdr["location"]["evses"]] == [evse.uid]
    assert validate_211(cdr["tariffs"][0], TARIFF_211) == []

    # 5. The EVSE status changes the session caused reached its Locations Receiver as 2.1.1 PATCHes.
    evse_path = f"SE/CPO/{location_id}/{evse.uid}"
    statuses = [b["status"] for m, b in emsp211.locations.get(evse_path, []) if m == "PATCH"]
    assert "CHARGING" in statuses
    assert statuses[-1] == "AVAILABLE"

    # A second session, at the other location, so that sessions and CDRs have two pages too.
    charged_session(other_evse, partner)
    wait_for(lambda: len(emsp211.cdrs) == 2)

    # 6. It pulls every module by Link, all in 2.1.1.
    locations = pull_all(emsp211, ours["locations"])
    assert [validate_211(loc, LOCATION_211) for loc in locations] == [[] for _ in locations]
    assert location_id in {loc["id"] for loc in locations}
    one_evse = emsp211.call_cpo("GET", f"{ours['locations']}/{location_id}/{evse.uid}").json()["data"]
    assert validate_211(one_evse, EVSE_211) == []
    tariffs = pull_all(emsp211, ours["tariffs"])
    assert tariffs
    assert [validate_211(t, TARIFF_211) for t in tariffs] == [[] for _ in tariffs]
    sessions = pull_all(emsp211, ours["sessions"])
    assert sessions[0] == final
    assert [validate_211(s, SESSION_211) for s in sessions] == [[], []]
    cdrs = pull_all(emsp211, ours["cdrs"])
    assert cdrs[0] == cdr
    assert [validate_211(c, CDR_211) for c in cdrs] == [[], []]

    # 7. It rotates its token: the old one works until the new one has been used.
    old = str(emsp211.token_for_cpo)
    rotated = emsp211.rotate().json()
    assert rotated["status_code"] == 1000
    assert validate_211(rotated["data"], CREDENTIALS_211) == []
    new = str(emsp211.token_for_cpo)
    assert emsp211.call_cpo("GET", f"{cpo}/ocpi/versions", token=new).status_code == 200
    assert emsp211.call_cpo("GET", f"{cpo}/ocpi/versions", token=old).status_code == 401


def test_we_register_with_a_211_emsp(cpo: str, emsp211: Emsp211) -> None:
    partner = partner_register(
        versions_url=emsp211.versions_url, token_a=emsp211.token_a, country_code="NL", party_id="EMS"
    )
    assert (partner.status, partner.version, partner.auth_header_base64) == (Partner.Status.REGISTERED, "2.1.1", False)
    post = next(r for r in emsp211.log if r.method == "POST")
    assert validate_211(post.body, CREDENTIALS_211) == []
    assert not post.headers["Authorization"].removeprefix("Token ").endswith("=")
    assert partner.roles == [
        {"role": "EMSP", "business_details": {"name": "Legacy eMSP"}, "party_id": "EMS", "country_code": "NL"}
    ]


def test_a_211_partner_claiming_an_ungranted_party_is_refused(cpo: str, emsp211: Emsp211) -> None:
    _, token_a = partner_issue_token_a(country_code="NL", party_id="OTH", name="Someone else")
    body = emsp211.register_with(f"{cpo}/ocpi/versions", token_a).json()
    assert body["status_code"] == 2001
    assert "EMS" in body["status_message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://e/x", "business_details": {"name": "x"}, "party_id": "EMS", "country_code": "NL"}, "token"),
        ({"token": "t", "url": "https://e/x", "party_id": "EMS", "country_code": "NL"}, "business_details"),
        (
            {
                "token": "t",
                "url": "https://e/x",
                "business_details": {"name": "x"},
                "party_id": "EMSP1",
                "country_code": "NL",
            },
            "party_id",
        ),
    ],
)
def test_bad_211_credentials_get_2001_naming_the_field(cpo: str, body: dict[str, Any], field: str) -> None:
    _, token_a = partner_issue_token_a(country_code="NL", party_id="EMS")
    response = requests.post(
        f"{cpo}/ocpi/2.1.1/credentials", json=body, headers={"Authorization": f"Token {token_a}"}, timeout=10
    )
    assert response.status_code == 400
    assert response.json()["status_code"] == 2001
    assert field in response.json()["status_message"]
