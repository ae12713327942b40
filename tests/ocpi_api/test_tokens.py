"""Tokens module, Receiver interface: eMSPs PUT, PATCH and GET their tokens; only their own parties'."""

from __future__ import annotations

import pytest

from ocpi_api import driver_tokens
from ocpi_api.grants import party_grant
from ocpi_api.models import EmspToken

from .conftest import auth
from .contract import TOKEN, validate
from .drivers import registered_partner, stored_token, token_body

pytestmark = pytest.mark.django_db
URL = "/ocpi/cpo/2.2.1/tokens"


@pytest.fixture
def emsp_partner():
    return registered_partner()


def put(client, token, path, body, query=""):
    return client.put(f"{URL}/{path}{query}", body, content_type="application/json", **auth(token))


def patch(client, token, path, body, query=""):
    return client.patch(f"{URL}/{path}{query}", body, content_type="application/json", **auth(token))


def test_put_creates_then_replaces_and_get_returns_the_stored_token(client, emsp_partner):
    partner, token = emsp_partner
    body = token_body(
        "04A1B2C3",
        visual_number="NL-EMS-000123",
        group_id="GROUP-1",
        language="nl",
        default_profile_type="GREEN",
        energy_contract={"supplier_name": "Greenchoice", "contract_id": "GC-1"},
        whitelist="ALWAYS",
    )
    created = put(client, token, "NL/EMS/04A1B2C3", body)
    assert (created.status_code, created.json()["status_code"]) == (201, 1000)

    got = client.get(f"{URL}/NL/EMS/04A1B2C3", **auth(token))
    assert got.status_code == 200
    data = got.json()["data"]
    assert validate(data, TOKEN) == []
    assert data == body

    # A PUT is the whole object: optional fields it leaves out are cleared.
    replaced = put(client, token, "NL/EMS/04A1B2C3", token_body(last_updated="2026-02-01T00:00:00Z"))
    assert (replaced.status_code, replaced.json()["status_code"]) == (200, 1000)
    stored = EmspToken.objects.get()
    assert (stored.visual_number, stored.group_id, stored.energy_contract, stored.whitelist) == (
        "",
        "",
        None,
        "ALLOWED",
    )
    assert stored.partner == partner


def test_patch_changes_only_the_given_fields_and_needs_last_updated(client, emsp_partner):
    _, token = emsp_partner
    put(client, token, "NL/EMS/04A1B2C3", token_body(visual_number="V-1"))

    missing = patch(client, token, "NL/EMS/04A1B2C3", {"valid": False})
    assert (missing.status_code, missing.json()["status_code"]) == (400, 2001)
    assert "last_updated" in missing.json()["status_message"]
    assert EmspToken.objects.get().valid is True

    response = patch(client, token, "NL/EMS/04A1B2C3", {"valid": False, "last_updated": "2026-03-01T00:00:00Z"})
    assert (response.status_code, response.json()["status_code"]) == (200, 1000)
    stored = EmspToken.objects.get()
    assert (stored.valid, stored.visual_number, stored.whitelist) == (False, "V-1", "ALLOWED")
    assert stored.last_updated.isoformat() == "2026-03-01T00:00:00+00:00"


def test_patch_of_an_unknown_token_is_404_2004(client, emsp_partner):
    _, token = emsp_partner
    response = patch(client, token, "NL/EMS/NOPE", {"valid": False, "last_updated": "2026-03-01T00:00:00Z"})
    assert (response.status_code, response.json()["status_code"]) == (404, 2004)
    assert client.get(f"{URL}/NL/EMS/NOPE", **auth(token)).json()["status_code"] == 2004
    assert not EmspToken.objects.exists()


def test_the_type_parameter_keys_tokens_and_defaults_to_rfid(client, emsp_partner):
    _, token = emsp_partner
    put(client, token, "NL/EMS/USER-7", token_body("USER-7"))
    app = put(
        client, token, "NL/EMS/USER-7", token_body("USER-7", type="APP_USER", whitelist="NEVER"), "?type=APP_USER"
    )
    assert app.status_code == 201
    assert EmspToken.objects.count() == 2
    assert client.get(f"{URL}/NL/EMS/USER-7?type=APP_USER", **auth(token)).json()["data"]["whitelist"] == "NEVER"
    assert client.get(f"{URL}/NL/EMS/USER-7", **auth(token)).json()["data"]["type"] == "RFID"
    bad = client.get(f"{URL}/NL/EMS/USER-7?type=CARD", **auth(token))
    assert (bad.status_code, bad.json()["status_code"]) == (400, 2001)


def test_uid_is_case_insensitive(client, emsp_partner):
    _, token = emsp_partner
    put(client, token, "NL/EMS/04a1b2c3", token_body("04a1b2c3"))
    assert (
        put(client, token, "nl/ems/04A1B2C3", token_body("04A1B2C3", country_code="nl", party_id="ems")).status_code
        == 200
    )
    assert EmspToken.objects.count() == 1
    assert client.get(f"{URL}/NL/EMS/04A1B2C3", **auth(token)).status_code == 200


@pytest.mark.parametrize(
    ("path", "query", "changes", "field"),
    [
        ("NL/EMS/OTHER", "", {}, "uid"),
        ("NL/EMS/04A1B2C3", "?type=APP_USER", {}, "type"),
        ("NL/EMS/04A1B2C3", "", {"whitelist": "SOMETIMES"}, "whitelist"),
        ("NL/EMS/04A1B2C3", "", {"valid": "yes"}, "valid"),
        ("NL/EMS/04A1B2C3", "", {"contract_id": "X" * 37}, "contract_id"),
        ("NL/EMS/04A1B2C3", "", {"last_updated": "yesterday"}, "last_updated"),
    ],
)
def test_put_with_a_bad_or_mismatching_body_is_2001_naming_the_field(client, emsp_partner, path, query, changes, field):
    _, token = emsp_partner
    response = put(client, token, path, token_body("04A1B2C3", **changes), query)
    assert (response.status_code, response.json()["status_code"]) == (400, 2001)
    assert field in response.json()["status_message"]
    assert not EmspToken.objects.exists()


def test_required_fields_are_required(client, emsp_partner):
    _, token = emsp_partner
    body = token_body()
    del body["issuer"]
    response = put(client, token, "NL/EMS/04A1B2C3", body)
    assert response.json()["status_code"] == 2001
    assert "issuer" in response.json()["status_message"]


def test_an_update_older_than_our_copy_is_ignored(client, emsp_partner):
    _, token = emsp_partner
    put(client, token, "NL/EMS/04A1B2C3", token_body(last_updated="2026-05-01T00:00:00Z"))
    late = put(client, token, "NL/EMS/04A1B2C3", token_body(valid=False, last_updated="2026-04-01T00:00:00Z"))
    assert (late.status_code, late.json()["status_code"]) == (200, 1000)
    assert "Ignored" in late.json()["status_message"]
    late_patch = patch(client, token, "NL/EMS/04A1B2C3", {"valid": False, "last_updated": "2026-04-01T00:00:00Z"})
    assert "Ignored" in late_patch.json()["status_message"]
    assert EmspToken.objects.get().valid is True


def test_a_token_created_by_another_writer_meanwhile_is_replaced_not_a_crash(client, emsp_partner, monkeypatch):
    """The eMSP's push and our pull of its list may both create the same new token; the later one replaces it."""
    partner, token = emsp_partner
    stored_token(partner, "04A1B2C3", valid=True)
    looks = []
    real_locked = driver_tokens._locked

    def locked(*key: str) -> EmspToken | None:
        looks.append(key)
        return None if len(looks) == 1 else real_locked(*key)  # the first look comes before the other writer's row

    monkeypatch.setattr(driver_tokens, "_locked", locked)
    response = put(client, token, "NL/EMS/04A1B2C3", token_body(valid=False, last_updated="2026-02-01T00:00:00Z"))
    assert (response.status_code, response.json()["status_code"]) == (200, 1000)
    assert EmspToken.objects.get().valid is False
    assert len(looks) == 2


def test_a_partner_may_write_tokens_of_every_party_granted_to_it(client):
    roles = [
        {"role": "EMSP", "country_code": "NL", "party_id": "EMS"},
        {"role": "EMSP", "country_code": "BE", "party_id": "EMB"},
    ]
    partner, token = registered_partner(roles=roles)
    body = token_body("CARD-1", country_code="BE", party_id="EMB")
    # A role alone is a claim, not a grant.
    assert put(client, token, "BE/EMB/CARD-1", body).status_code == 404
    party_grant(partner=partner, country_code="BE", party_id="EMB", reason="Belgian brand", granted_by="tests")
    response = put(client, token, "BE/EMB/CARD-1", body)
    assert response.status_code == 201
    assert EmspToken.objects.get().partner == partner


def test_another_partys_tokens_are_out_of_reach(client, emsp_partner):
    _, token = emsp_partner
    _other, other_token = registered_partner(country_code="DE", party_id="EMD")
    put(client, other_token, "DE/EMD/THEIRS", token_body("THEIRS", country_code="DE", party_id="EMD"))

    for response in (
        client.get(f"{URL}/DE/EMD/THEIRS", **auth(token)),
        client.get(f"{URL}/DE/EMD/NOBODY", **auth(token)),  # the same answer whether the token exists or not
        put(client, token, "DE/EMD/THEIRS", token_body("THEIRS", country_code="DE", party_id="EMD", valid=False)),
        patch(client, token, "DE/EMD/THEIRS", {"valid": False, "last_updated": "2027-01-01T00:00:00Z"}),
        # Our party in the URL but theirs in the body: refused for the mismatch, nothing written.
        put(client, token, "NL/EMS/THEIRS", token_body("THEIRS", country_code="DE", party_id="EMD", valid=False)),
    ):
        assert response.json()["status_code"] in (2000, 2001), response.content
        assert response.status_code in (400, 404)
    assert list(EmspToken.objects.values_list("country_code", "uid", "valid")) == [("DE", "THEIRS", True)]
    assert "not one of your parties" in client.get(f"{URL}/DE/EMD/THEIRS", **auth(token)).json()["status_message"]


def test_a_pending_partner_cannot_use_the_tokens_module(client):
    _, token = registered_partner(status="PENDING")
    response = put(client, token, "NL/EMS/04A1B2C3", token_body())
    assert response.status_code == 401
    assert not EmspToken.objects.exists()
