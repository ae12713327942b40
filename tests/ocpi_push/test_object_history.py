"""The staff's delivery history of one object shows each row's body as its partner is sent it: a 2.1.1 partner's
in 2.1.1, rendered by the delivery's own renderer, in the same number of queries for one row as for many."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from ocpi_api.models import Partner
from ocpi_api.push.keys import session_key, session_path
from ocpi_api.push.services import push_enqueue
from tests.factories import make_location, make_partner, operations_user

pytestmark = pytest.mark.django_db

PATH = session_path("SE", "CPO", "S-1")


@pytest.fixture
def ops() -> Client:
    client = Client()
    client.force_login(operations_user())
    return client


def partner_on(version: str, party_id: str) -> Partner:
    # Nothing here is delivered (no commit runs in a test's transaction): the rows wait, and the page shows what
    # they will carry.
    url = "http://127.0.0.1:9/sessions"
    endpoints: list[dict[str, Any]] = [{"identifier": "sessions", "role": "RECEIVER", "url": url}]
    if version == "2.1.1":
        endpoints = [{"identifier": "sessions", "url": url}]  # 2.1.1 endpoints have no role
    partner, _token = make_partner(version=version, party_id=party_id, endpoints=endpoints)
    return partner


def queue_session_rows(partner: Partner, count: int) -> dict[str, Any]:
    location = make_location(name="Domkyrkoplan")
    evse = location.evses.get()
    body = {
        "country_code": "SE",
        "party_id": "CPO",
        "id": "S-1",
        "start_date_time": "2026-12-06T10:00:00Z",
        "kwh": 0,
        "cdr_token": {"uid": "TOK1", "type": "RFID", "contract_id": "SE-EMS-C1"},
        "auth_method": "COMMAND",
        "location_id": location.ocpi_id,
        "evse_uid": evse.uid,
        "connector_id": evse.connectors.get().connector_id,
        "currency": "SEK",
        "status": "ACTIVE",
        "last_updated": "2026-12-06T10:00:00Z",
    }
    for n in range(count):
        push_enqueue(
            partner=partner,
            module="sessions",
            object_key=session_key(PATH),
            method="PUT",
            path=PATH,
            body={**body, "kwh": n},
            coalesce=False,
        )
    return body


def history(client: Client, partner: Partner) -> str:
    url = reverse("ocpi_push:object", args=[partner.pk])
    return client.get(url, {"key": session_key(PATH)}).content.decode()


def test_a_211_partners_history_shows_the_211_body_it_is_sent(ops: Client) -> None:
    partner = partner_on("2.1.1", "EMS")
    queue_session_rows(partner, 1)
    page = history(ops, partner)
    assert "Body, as OCPI 2.1.1" in page
    # 2.1.1 mod_sessions.md §3.1: start_datetime, auth_id, AUTH_REQUEST and the whole Location, not its ids.
    assert "start_datetime" in page
    assert "start_date_time" not in page
    assert "SE-EMS-C1" in page
    assert "contract_id" not in page
    assert "AUTH_REQUEST" in page
    assert "location_id" not in page
    assert "Domkyrkoplan" in page


def test_a_221_partners_history_shows_the_stored_body(ops: Client) -> None:
    partner = partner_on("2.2.1", "EMS")
    queue_session_rows(partner, 1)
    page = history(ops, partner)
    assert "Body, as OCPI 2.2.1" in page
    assert "start_date_time" in page
    assert "location_id" in page
    assert "Domkyrkoplan" not in page


def test_the_211_history_takes_as_many_queries_for_one_row_as_for_many(
    ops: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    one, many = partner_on("2.1.1", "EM1"), partner_on("2.1.1", "EM2")
    queue_session_rows(one, 1)
    queue_session_rows(many, 6)
    with CaptureQueriesContext(connection) as single:
        assert history(ops, one).count("Domkyrkoplan") == 1
    with django_assert_num_queries(len(single)):
        assert history(ops, many).count("Domkyrkoplan") == 6
