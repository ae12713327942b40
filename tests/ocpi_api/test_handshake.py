"""Credentials handshake in both directions against a real second OCPI party on loopback (tests/ocpi_api/emsp.py)."""

from __future__ import annotations

import base64
import secrets

import pytest
import requests
from django.core.management import call_command

from ocpi_api import services
from ocpi_api.core import tokens
from ocpi_api.core.tokens import token_hash
from ocpi_api.models import Partner

from .emsp import FakeEmsp

# The party agreed with the fake eMSP, granted when we register with it (its roles name it).
PARTY = {"country_code": "NL", "party_id": "EMS"}

pytestmark = pytest.mark.django_db(transaction=True)


def issue_token_a() -> str:
    _, token_a = services.partner_issue_token_a(country_code="NL", party_id="EMS", name="Test eMSP")
    return token_a


def call(emsp: FakeEmsp, method: str, url: str, token: str, body: object = None) -> requests.Response:
    return emsp.call_cpo(method, url, body, token=token)


# --- The eMSP registers with us ------------------------------------------------------------------------------------


def test_emsp_registers_with_us(cpo, emsp) -> None:
    token_a = issue_token_a()
    response = emsp.register_with(f"{cpo}/ocpi/versions", token_a)
    body = response.json()
    assert response.status_code == 200
    assert body["status_code"] == 1000, body
    assert body["data"]["url"] == f"{cpo}/ocpi/versions"
    assert body["data"]["roles"][0]["role"] == "CPO"
    token_c = body["data"]["token"]
    assert len(token_c) >= 43
    assert token_c != token_a

    partner = Partner.objects.get()
    assert partner.status == Partner.Status.REGISTERED
    assert partner.version == "2.2.1"
    assert partner.versions_url == emsp.versions_url
    assert partner.endpoint_url("locations", "RECEIVER") == f"{emsp.base_url}/ocpi/emsp/2.2.1/locations"
    assert partner.roles[0]["party_id"] == "EMS"
    assert partner.outbound_token == emsp.token_for_cpo or partner.outbound_token in emsp.valid_tokens
    assert partner.token_hash == token_hash(token_c)
    # We fetched their versions with their token B before answering.
    assert [e.path for e in emsp.log] == ["/ocpi/versions", "/ocpi/2.2.1"]

    # GET credentials with token C returns the token it uses.
    got = call(emsp, "GET", emsp.credentials_url(), token_c).json()
    assert got["data"]["token"] == token_c
    # Token A is dead after the registration.
    assert call(emsp, "GET", f"{cpo}/ocpi/versions", token_a).status_code == 401
    assert call(emsp, "POST", emsp.credentials_url(), token_a, emsp.credentials_body("x")).status_code == 401
    # A repeated POST with token C: already registered.
    repeated = call(emsp, "POST", emsp.credentials_url(), token_c, emsp.credentials_body("another-b"))
    assert repeated.status_code == 405
    assert repeated.json()["status_code"] == 2000


def test_emsp_rotates_its_token_without_being_locked_out(cpo, emsp) -> None:
    emsp.register_with(f"{cpo}/ocpi/versions", issue_token_a())
    old_c = str(emsp.token_for_cpo)
    response = emsp.rotate()
    assert response.json()["status_code"] == 1000, response.json()
    new_c = str(emsp.token_for_cpo)
    assert new_c != old_c
    partner = Partner.objects.get()
    assert partner.outbound_token in emsp.valid_tokens
    assert partner.outbound_token != old_c
    # Until the eMSP has used its new token, the old one still works (its answer could have been lost).
    assert call(emsp, "GET", f"{cpo}/ocpi/versions", old_c).status_code == 200
    assert call(emsp, "GET", f"{cpo}/ocpi/versions", new_c).status_code == 200
    # Now the new one is confirmed and the old one is gone.
    assert call(emsp, "GET", f"{cpo}/ocpi/versions", old_c).status_code == 401
    partner.refresh_from_db()
    assert partner.previous_token_hash is None


def test_emsp_unregisters(cpo, emsp) -> None:
    emsp.register_with(f"{cpo}/ocpi/versions", issue_token_a())
    token_c = str(emsp.token_for_cpo)
    response = call(emsp, "DELETE", emsp.credentials_url(), token_c)
    assert response.status_code == 200
    assert response.json()["status_code"] == 1000
    partner = Partner.objects.get()
    assert partner.status == Partner.Status.UNREGISTERED
    assert partner.outbound_token == ""
    assert call(emsp, "GET", f"{cpo}/ocpi/versions", token_c).status_code == 401
    assert call(emsp, "DELETE", emsp.credentials_url(), token_c).status_code == 401


def test_emsp_sending_raw_tokens_is_understood(cpo) -> None:
    emsp = FakeEmsp(send_base64=False, accept_base64=False).start()
    try:
        response = emsp.register_with(f"{cpo}/ocpi/versions", issue_token_a())
        assert response.json()["status_code"] == 1000
        assert emsp.log[0].headers["Authorization"].startswith("Token ")
        # It accepts only raw tokens: we found that out while reading its versions, and keep to it.
        assert Partner.objects.get().auth_header_base64 is False
        assert call(emsp, "GET", f"{cpo}/ocpi/versions", str(emsp.token_for_cpo)).status_code == 200
    finally:
        emsp.stop()


@pytest.mark.parametrize(
    ("switches", "status_code"),
    [
        ({"versions_garbage": True}, 3001),
        ({"offer_versions": ("2.1.1",)}, 3002),
        ({"with_credentials_module": False}, 3003),
    ],
)
def test_registration_fails_cleanly_when_their_side_fails(cpo, switches, status_code) -> None:
    emsp = FakeEmsp(**switches).start()
    try:
        token_a = issue_token_a()
        response = emsp.register_with(f"{cpo}/ocpi/versions", token_a)
        body = response.json()
        assert response.status_code == 200
        assert body["status_code"] == status_code, body
        assert set(body) == {"data", "status_code", "status_message", "timestamp"}
        partner = Partner.objects.get()
        assert partner.status == Partner.Status.PENDING
        # Nothing was stored, and token A still works for a second try.
        assert partner.outbound_token == ""
        assert call(emsp, "GET", f"{cpo}/ocpi/versions", token_a).status_code == 200
    finally:
        emsp.stop()


def test_registration_with_unreachable_versions_url_is_3001(cpo, emsp) -> None:
    token_a = issue_token_a()
    credentials_url = emsp.discover_cpo(f"{cpo}/ocpi/versions", token_a)
    body = {
        "token": "token-b-xyz",
        "url": "http://127.0.0.1:9/ocpi/versions",
        "roles": [emsp.credentials_body("")["roles"][0]],
    }
    response = call(emsp, "POST", credentials_url, token_a, body)
    assert response.status_code == 200
    assert response.json()["status_code"] == 3001
    assert "Could not reach" in response.json()["status_message"]


# --- We register with the eMSP ----------------------------------------------------------------------------------------


def test_we_register_with_emsp(cpo, emsp) -> None:
    partner = services.partner_register(versions_url=emsp.versions_url, token_a=emsp.token_a, **PARTY, name="Test eMSP")
    assert partner.status == Partner.Status.REGISTERED
    assert partner.version == "2.2.1"  # highest common: they also offer 2.1.1
    assert (partner.country_code, partner.party_id) == ("NL", "EMS")
    assert emsp.registered
    # They called our versions with token B during the POST, and hold it now.
    assert emsp.cpo_versions_url == f"{cpo}/ocpi/versions"
    assert partner.token_hash == token_hash(str(emsp.token_for_cpo))
    # We hold their token C, and token A is dead on their side.
    assert partner.outbound_token in emsp.valid_tokens
    assert emsp.token_a not in emsp.valid_tokens
    assert call(emsp, "GET", f"{cpo}/ocpi/versions", str(emsp.token_for_cpo)).status_code == 200

    with pytest.raises(services.HandshakeError, match="Already registered"):
        services.partner_register(versions_url=emsp.versions_url, token_a=emsp.token_a, **PARTY)


def test_we_send_raw_tokens_to_a_partner_that_wants_them(cpo) -> None:
    emsp = FakeEmsp(accept_base64=False).start()
    try:
        partner = services.partner_register(versions_url=emsp.versions_url, token_a=emsp.token_a, **PARTY)
        assert partner.auth_header_base64 is False
        last = emsp.log[-1]
        assert last.headers["Authorization"] == f"Token {emsp.token_a}"
        services.partner_test_connection(partner=partner)
        assert emsp.log[-1].headers["Authorization"] == f"Token {partner.outbound_token}"
    finally:
        emsp.stop()


def test_we_send_base64_tokens_by_default(cpo, emsp) -> None:
    partner = services.partner_register(versions_url=emsp.versions_url, token_a=emsp.token_a, **PARTY)
    assert partner.auth_header_base64 is True
    expected = base64.b64encode(emsp.token_a.encode()).decode()
    assert emsp.log[0].headers["Authorization"] == f"Token {expected}"
    assert "OCPI-from-country-code" not in emsp.log[0].headers  # configuration module: no routing headers


def test_we_rotate_tokens(cpo, emsp) -> None:
    partner = services.partner_register(versions_url=emsp.versions_url, token_a=emsp.token_a, **PARTY)
    old_b, old_c = str(emsp.token_for_cpo), partner.outbound_token
    services.partner_rotate_token(partner=partner)
    partner.refresh_from_db()
    new_b = str(emsp.token_for_cpo)
    assert new_b != old_b
    assert partner.outbound_token != old_c
    assert partner.outbound_token in emsp.valid_tokens
    # They re-read our endpoints with the new token during the PUT, which confirmed it: the old one is gone.
    assert partner.token_hash == token_hash(new_b)
    assert call(emsp, "GET", f"{cpo}/ocpi/versions", new_b).status_code == 200
    assert call(emsp, "GET", f"{cpo}/ocpi/versions", old_b).status_code == 401


def test_rejected_rotation_rolls_back(cpo, emsp) -> None:
    partner = services.partner_register(versions_url=emsp.versions_url, token_a=emsp.token_a, **PARTY)
    old_b, old_c = str(emsp.token_for_cpo), partner.outbound_token
    emsp.reject_put = True
    with pytest.raises(services.HandshakeError, match="rotation failed"):
        services.partner_rotate_token(partner=partner)
    partner.refresh_from_db()
    assert partner.outbound_token == old_c
    assert partner.token_hash == token_hash(old_b)
    assert partner.previous_token_hash is None
    assert "rotation failed" in partner.last_error
    assert call(emsp, "GET", f"{cpo}/ocpi/versions", old_b).status_code == 200


def test_rotation_with_unknown_outcome_keeps_both_tokens(cpo, emsp) -> None:
    partner = services.partner_register(versions_url=emsp.versions_url, token_a=emsp.token_a, **PARTY)
    old_b = str(emsp.token_for_cpo)
    emsp.stop()  # the partner is gone: did it get our PUT or not?
    with pytest.raises(services.HandshakeError):
        services.partner_rotate_token(partner=partner)
    partner.refresh_from_db()
    assert partner.token_hash == token_hash(old_b)
    assert partner.previous_token_hash is not None  # the new token, in case they did get it
    assert partner.status == Partner.Status.REGISTERED


def test_we_unregister(cpo, emsp) -> None:
    partner = services.partner_register(versions_url=emsp.versions_url, token_a=emsp.token_a, **PARTY)
    their_token_for_us = str(emsp.token_for_cpo)
    outcome = services.partner_unregister(partner=partner)
    assert "confirmed" in outcome
    assert not emsp.registered
    partner.refresh_from_db()
    assert partner.status == Partner.Status.UNREGISTERED
    assert call(emsp, "GET", f"{cpo}/ocpi/versions", their_token_for_us).status_code == 401


def test_register_with_unreachable_or_garbage_partner(cpo) -> None:
    with pytest.raises(services.HandshakeError) as unreachable:
        services.partner_register(versions_url="http://127.0.0.1:9/ocpi/versions", token_a="a-token")
    assert unreachable.value.status_code == 3001
    emsp = FakeEmsp(versions_garbage=True).start()
    try:
        with pytest.raises(services.HandshakeError) as garbage:
            services.partner_register(versions_url=emsp.versions_url, token_a=emsp.token_a, **PARTY)
        assert garbage.value.status_code == 3001
        assert "not an OCPI response" in garbage.value.message
    finally:
        emsp.stop()
    assert not Partner.objects.filter(status=Partner.Status.REGISTERED).exists()


def test_wrong_token_a_is_reported(cpo, emsp) -> None:
    with pytest.raises(services.HandshakeError) as error:
        services.partner_register(versions_url=emsp.versions_url, token_a="not-their-token")
    assert error.value.status_code == 3001
    assert "401" in error.value.message


def test_management_commands(cpo, capsys) -> None:
    call_command("ocpi_token_a", "--country-code", "de", "--party-id", "abc", "--name", "Another eMSP")
    printed = capsys.readouterr().out
    token = next(line.split()[-1] for line in printed.splitlines() if line.startswith("Token A:"))
    assert f"{cpo}/ocpi/versions" in printed
    assert Partner.objects.get(party_id="ABC").token_hash == token_hash(token)

    # URL-safe Base64 tokens may start with '-'; after '--' argparse still reads it as the token, not an option.
    emsp = FakeEmsp(token_a="-" + secrets.token_urlsafe(16)).start()
    try:
        call_command("ocpi_register", "--country-code=NL", "--party-id=EMS", "--", emsp.versions_url, emsp.token_a)
    finally:
        emsp.stop()
    assert "Registered with" in capsys.readouterr().out
    assert Partner.objects.get(versions_url=emsp.versions_url).is_registered


def test_tokens_we_issue_never_start_with_a_dash(monkeypatch) -> None:
    drawn = iter(["-starts-with-a-dash", "fine-token"])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda nbytes: next(drawn))  # the module tokens uses
    assert tokens.token_generate() == "fine-token"


def test_endpoints_without_roles_or_with_unknown_ones_are_understood(cpo) -> None:
    emsp = FakeEmsp(roleless_endpoints=True).start()
    try:
        partner = services.partner_register(versions_url=emsp.versions_url, token_a=emsp.token_a, **PARTY)
        assert partner.endpoint_url("credentials") == f"{emsp.base_url}/ocpi/2.2.1/credentials"
        assert partner.endpoint_url("locations", "RECEIVER") == f"{emsp.base_url}/ocpi/emsp/2.2.1/locations"
        assert partner.endpoint_url("nltnm-tokens", "SENDER") is None
    finally:
        emsp.stop()
