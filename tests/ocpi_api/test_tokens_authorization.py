"""Whitelist rules and real-time authorization against an eMSP on loopback that allows, blocks, times out, answers
garbage, errors or does not know the token; every decision is recorded with its reason."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest

from chargepoints.authorization import get_token_authority
from chargepoints.simulator import ChargerSimulator, SimulationPlan
from ocpi_api.authority import OcpiTokenAuthority
from ocpi_api.grants import party_grant_revoke
from ocpi_api.models import AuthorizationRecord
from tests.chargepoints.sessions_support import T0

from .contract import LOCATION_REFERENCES, validate
from .drivers import registered_partner, roaming_station, stored_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _short_timeout(settings):
    settings.OCPI_REALTIME_AUTHORIZATION_TIMEOUT = (0.5, 0.4)


@pytest.fixture
def evse():
    return roaming_station()


def ask(evse, uid="04A1B2C3", token_type="RFID"):
    return get_token_authority().authorize(token_uid=uid, token_type=token_type, location=evse.location, evse=evse)


def authorize_calls(drivers_emsp):
    return drivers_emsp.calls("POST", "tokens/")


def test_the_ocpi_authority_is_the_one_registered_at_start_up():
    assert isinstance(get_token_authority(), OcpiTokenAuthority)


@pytest.mark.parametrize(
    ("whitelist", "valid", "realtime_option", "answer", "allowed", "source", "auth_method"),
    [
        # ALWAYS: decided locally, the eMSP is never asked (not even when the partner wants real-time).
        ("ALWAYS", True, True, "BLOCKED", True, "LOCAL", "WHITELIST"),
        ("ALWAYS", False, True, "ALLOWED", False, "LOCAL", ""),
        # ALLOWED: locally, unless the partner asks for real-time; then our copy only when the eMSP cannot answer.
        ("ALLOWED", True, False, "BLOCKED", True, "LOCAL", "WHITELIST"),
        ("ALLOWED", False, False, "ALLOWED", False, "LOCAL", ""),
        ("ALLOWED", True, True, "BLOCKED", False, "REAL_TIME", ""),
        ("ALLOWED", True, True, "ALLOWED", True, "REAL_TIME", "AUTH_REQUEST"),
        ("ALLOWED", True, True, "slow", True, "FALLBACK", "WHITELIST"),
        ("ALLOWED", False, True, "garbage", False, "FALLBACK", ""),
        # ALLOWED_OFFLINE: real-time; allowed when the eMSP cannot be reached (and our copy is valid).
        ("ALLOWED_OFFLINE", True, False, "ALLOWED", True, "REAL_TIME", "AUTH_REQUEST"),
        ("ALLOWED_OFFLINE", False, False, "ALLOWED", True, "REAL_TIME", "AUTH_REQUEST"),
        ("ALLOWED_OFFLINE", True, False, "BLOCKED", False, "REAL_TIME", ""),
        ("ALLOWED_OFFLINE", True, False, "slow", True, "FALLBACK", "WHITELIST"),
        ("ALLOWED_OFFLINE", True, False, "garbage", True, "FALLBACK", "WHITELIST"),
        ("ALLOWED_OFFLINE", True, False, "error", True, "FALLBACK", "WHITELIST"),
        ("ALLOWED_OFFLINE", False, False, "slow", False, "FALLBACK", ""),
        ("ALLOWED_OFFLINE", True, False, "unknown", False, "REAL_TIME", ""),
        # NEVER: always real-time; refused whenever the eMSP cannot give a clear ALLOWED.
        ("NEVER", False, False, "ALLOWED", True, "REAL_TIME", "AUTH_REQUEST"),
        ("NEVER", True, False, "BLOCKED", False, "REAL_TIME", ""),
        ("NEVER", True, False, "EXPIRED", False, "REAL_TIME", ""),
        ("NEVER", True, False, "NO_CREDIT", False, "REAL_TIME", ""),
        ("NEVER", True, False, "NOT_ALLOWED", False, "REAL_TIME", ""),
        ("NEVER", True, False, "unknown", False, "REAL_TIME", ""),
        ("NEVER", True, False, "slow", False, "FALLBACK", ""),
        ("NEVER", True, False, "garbage", False, "FALLBACK", ""),
        ("NEVER", True, False, "error", False, "FALLBACK", ""),
    ],
)
def test_whitelist_rules_and_real_time_answers(
    drivers_emsp, evse, whitelist, valid, realtime_option, answer, allowed, source, auth_method
):
    partner, _ = registered_partner(drivers_emsp, realtime_authorization=realtime_option)
    token = stored_token(partner, whitelist=whitelist, valid=valid)
    drivers_emsp.authorize = answer

    started = time.monotonic()
    decision = ask(evse)
    took = time.monotonic() - started

    assert decision.allowed is allowed, decision.reason
    assert (decision.auth_method or "") == auth_method
    asked = source != "LOCAL"
    assert len(authorize_calls(drivers_emsp)) == int(asked)
    record = AuthorizationRecord.objects.get()
    assert (record.allowed, record.source, record.token, record.partner) == (allowed, source, token, partner)
    assert (record.location_id, record.evse_uid, record.reason) == (evse.location.ocpi_id, evse.uid, decision.reason)
    if answer == "slow" and asked:
        assert took < 0.9  # the read timeout (0.4 s), not the eMSP's 1 s
        assert "Timeout" in record.exchange or "timed out" in record.exchange
    if source == "REAL_TIME" and answer not in ("unknown",):
        assert record.allowed_type == answer
    if allowed and source == "REAL_TIME":
        assert decision.authorization_reference == "AUTH-REF-1"
        assert decision.token is not None
        assert decision.token.contract_id == token.contract_id


def test_the_real_time_request_carries_location_references_type_and_routing(drivers_emsp, evse):
    partner, _ = registered_partner(drivers_emsp)
    stored_token(partner, uid="APP USER/1", type="APP_USER", whitelist="NEVER")
    ask(evse, uid="APP USER/1", token_type="APP_USER")
    [call] = authorize_calls(drivers_emsp)
    assert call.path == "/ocpi/emsp/2.2.1/tokens/APP%20USER%2F1/authorize?type=APP_USER"
    assert call.body == {"location_id": evse.location.ocpi_id, "evse_uids": [evse.uid]}
    assert validate(call.body, LOCATION_REFERENCES) == []
    headers = {k.lower(): v for k, v in call.headers.items()}
    assert (headers["ocpi-to-country-code"], headers["ocpi-to-party-id"]) == ("NL", "EMS")
    assert (headers["ocpi-from-country-code"], headers["ocpi-from-party-id"]) == ("SE", "CPO")
    assert headers["x-request-id"]
    assert headers["x-correlation-id"]


def test_an_allowed_answer_restricted_to_other_evses_refuses_this_one(drivers_emsp, evse):
    partner, _ = registered_partner(drivers_emsp)
    stored_token(partner, whitelist="NEVER")
    drivers_emsp.authorize_evse_uids = ["SOME-OTHER-EVSE"]
    decision = ask(evse)
    assert not decision.allowed
    assert "other EVSEs" in decision.reason
    drivers_emsp.authorize_evse_uids = [evse.uid]
    assert ask(evse).allowed


def test_unreachable_emsp_and_missing_endpoint(evse):
    unreachable, _ = registered_partner(
        endpoints=[{"identifier": "tokens", "role": "SENDER", "url": "http://127.0.0.1:9/tokens"}],
        outbound_token="t",
    )
    stored_token(unreachable, uid="OFFLINE-OK", whitelist="ALLOWED_OFFLINE")
    stored_token(unreachable, uid="NEVER-KO", whitelist="NEVER")
    assert ask(evse, uid="OFFLINE-OK").allowed
    never = ask(evse, uid="NEVER-KO")
    assert not never.allowed
    assert "could not answer" in never.reason
    assert "Could not reach" in AuthorizationRecord.objects.filter(token_uid="NEVER-KO").get().exchange

    no_endpoint, _ = registered_partner(country_code="DE", party_id="EMD")
    stored_token(no_endpoint, uid="NO-ENDPOINT", whitelist="NEVER")
    assert not ask(evse, uid="NO-ENDPOINT").allowed
    assert "no Tokens Sender endpoint" in AuthorizationRecord.objects.filter(token_uid="NO-ENDPOINT").get().exchange


def test_an_unknown_token_is_refused_without_asking_anyone(drivers_emsp, evse):
    registered_partner(drivers_emsp)
    decision = ask(evse, uid="NOBODY")
    assert (decision.allowed, decision.reason) == (False, "unknown token: no eMSP has sent it to us")
    assert authorize_calls(drivers_emsp) == []
    record = AuthorizationRecord.objects.get()
    assert (record.token, record.partner, record.token_uid) == (None, None, "NOBODY")


def test_the_simulated_charger_uses_the_ocpi_authority_and_copies_the_reference(drivers_emsp, evse):
    partner, _ = registered_partner(drivers_emsp)
    stored_token(partner, whitelist="NEVER")
    result = ChargerSimulator(evse=evse).run(SimulationPlan(token_uid="04A1B2C3", start=T0, minutes=30, kw=Decimal(11)))
    session = result.session
    assert session is not None
    assert (session.auth_method, session.authorization_reference) == ("AUTH_REQUEST", "AUTH-REF-1")
    assert (session.token_country_code, session.token_party_id) == ("NL", "EMS")
    assert session.end_date_time == T0 + timedelta(minutes=30)

    drivers_emsp.authorize = "BLOCKED"
    refused = ChargerSimulator(evse=evse).run(SimulationPlan(token_uid="04A1B2C3", start=T0, minutes=5, kw=Decimal(11)))
    assert refused.session is None
    assert refused.decision.reason == "the eMSP answered BLOCKED"


def test_real_time_goes_to_the_partner_that_speaks_for_the_party_now(drivers_emsp, evse):
    old, _ = registered_partner(status="UNREGISTERED")
    stored_token(old, whitelist="NEVER")
    # The same eMSP party, registered again with its current endpoints: staff moved the party's grant to it.
    party_grant_revoke(grant=old.grants.get(), reason="Connection replaced", revoked_by="tests")
    registered_partner(drivers_emsp)
    assert ask(evse).allowed
    assert len(authorize_calls(drivers_emsp)) == 1
