"""Sessions module, Sender interface: paginated (from the beginning without date_from), only the caller's drivers'
sessions, Session objects that conform to OCPI 2.2.1, and charging preferences."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from chargepoints.models import ChargingSession
from chargepoints.sessions.reservations import reservation_create
from tests.chargepoints.sessions_support import T0

from .conftest import auth
from .contract import SESSION, validate
from .drivers import charged_session, driver, registered_partner, roaming_station

pytestmark = pytest.mark.django_db
URL = "/ocpi/cpo/2.2.1/sessions"
SINCE = "?date_from=2020-01-01T00:00:00Z"


@pytest.fixture
def partner():
    return registered_partner()


def sessions_of(client, token, query=SINCE):
    response = client.get(f"{URL}{query}", **auth(token))
    assert response.status_code == 200, response.content
    return response


def test_without_date_from_the_list_starts_at_the_beginning(client, partner):
    # The 2.2.1 table marks date_from required, but the spec's own examples leave it out: we are lenient.
    session = charged_session(roaming_station(), partner[0], start=T0 - timedelta(days=3650), minutes=10)
    body = sessions_of(client, partner[1], "").json()
    assert (body["status_code"], [s["id"] for s in body["data"]]) == (1000, [session.ocpi_id])


def test_a_completed_session_as_ocpi_sees_it(client, partner):
    evse = roaming_station()
    session = charged_session(evse, partner[0], minutes=30, kw=Decimal(11))

    [data] = sessions_of(client, partner[1]).json()["data"]
    assert validate(data, SESSION) == []
    assert data["id"] == session.ocpi_id
    assert (data["country_code"], data["party_id"]) == ("SE", "CPO")
    assert data["status"] == "COMPLETED"
    assert data["start_date_time"] == "2026-03-02T08:00:00Z"
    assert data["end_date_time"] == "2026-03-02T08:30:00Z"
    assert data["kwh"] == 5.5
    assert data["cdr_token"] == {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": "04A1B2C3",
        "type": "RFID",
        "contract_id": "NL-EMS-C04A1B2C3",
    }
    assert (data["auth_method"], data["location_id"], data["evse_uid"], data["connector_id"]) == (
        "WHITELIST",
        evse.location.ocpi_id,
        evse.uid,
        "1",
    )
    assert data["currency"] == "SEK"
    # SE-AC-STANDARD: 3.50 SEK/kWh + 25 % VAT.
    assert data["total_cost"] == {"excl_vat": 19.25, "incl_vat": 24.06}
    assert data["meter_id"] == f"SIM-{evse.uid}"
    periods = data["charging_periods"]
    energy = sum(d["volume"] for p in periods for d in p["dimensions"] if d["type"] == "ENERGY")
    assert energy == pytest.approx(5.5)
    assert {p["tariff_id"] for p in periods} == {"SE-AC-STANDARD"}
    first = {d["type"]: d["volume"] for d in periods[0]["dimensions"]}
    assert first["POWER"] == pytest.approx(11, rel=0.01)  # session-only dimensions are allowed here
    assert {"ENERGY", "TIME", "MAX_POWER", "CURRENT"} <= set(first)


def test_running_and_reserved_sessions_conform_too(client, partner):
    running = charged_session(roaming_station(), partner[0], stop=False)
    reserved = reservation_create(evse=roaming_station(), token_facts=driver(partner[0]), at=T0)
    data = {s["id"]: s for s in sessions_of(client, partner[1]).json()["data"]}
    for session in (running, reserved):
        assert validate(data[session.ocpi_id], SESSION) == []
    assert data[running.ocpi_id]["status"] == "ACTIVE"
    assert "end_date_time" not in data[running.ocpi_id]
    assert data[running.ocpi_id]["charging_periods"][-1]["dimensions"][0]["type"] == "ENERGY"
    assert data[reserved.ocpi_id]["status"] == "RESERVATION"
    assert data[reserved.ocpi_id]["charging_periods"] == []
    assert data[reserved.ocpi_id]["currency"] == "#NA"  # no tariff is chosen before charging starts
    assert data[reserved.ocpi_id]["auth_method"] == "COMMAND"


def test_only_the_callers_sessions_are_listed_in_pages(client, partner):
    other, other_token = registered_partner(country_code="DE", party_id="EMD")
    evse = roaming_station()
    mine = [charged_session(evse, partner[0], start=T0 + timedelta(hours=h)) for h in range(3)]
    theirs = charged_session(evse, other, start=T0 + timedelta(hours=5))

    first = sessions_of(client, partner[1], f"{SINCE}&limit=2")
    assert first["X-Total-Count"] == "3"
    assert [s["id"] for s in first.json()["data"]] == [s.ocpi_id for s in mine[:2]]
    next_url = first["Link"].split(";")[0].strip("<>")
    assert "date_from=" in next_url
    second = client.get(next_url.removeprefix("http://testserver"), **auth(partner[1]))
    assert [s["id"] for s in second.json()["data"]] == [mine[2].ocpi_id]
    assert "Link" not in second

    assert [s["id"] for s in sessions_of(client, other_token).json()["data"]] == [theirs.ocpi_id]


def test_date_filters_work_on_last_updated(client, partner):
    session = charged_session(roaming_station(), partner[0])
    ChargingSession.objects.filter(pk=session.pk).update(last_updated=T0)
    assert sessions_of(client, partner[1], "?date_from=2026-03-02T08:00:00Z").json()["data"][0]["id"] == session.ocpi_id
    assert sessions_of(client, partner[1], "?date_from=2026-03-02T08:00:01Z").json()["data"] == []
    assert sessions_of(client, partner[1], f"{SINCE}&date_to=2026-03-02T08:00:00Z").json()["data"] == []


def test_charging_preferences(client, partner):
    url = f"{URL}/{{}}/charging_preferences"
    body = {"profile_type": "FAST", "departure_time": "2026-03-02T18:00:00Z", "energy_need": 20}
    plain = charged_session(roaming_station(), partner[0], stop=False)
    response = client.put(url.format(plain.ocpi_id), body, content_type="application/json", **auth(partner[1]))
    assert (response.status_code, response.json()["status_code"]) == (404, 2001)  # the EVSE is not capable

    capable_evse = roaming_station(capabilities=["REMOTE_START_STOP_CAPABLE", "CHARGING_PREFERENCES_CAPABLE"])
    capable = charged_session(capable_evse, partner[0], stop=False, start=timezone.now() - timedelta(hours=1))
    response = client.put(url.format(capable.ocpi_id), body, content_type="application/json", **auth(partner[1]))
    assert (response.status_code, response.json()["data"]) == (200, "NOT_POSSIBLE")
    bad = client.put(
        url.format(capable.ocpi_id), {"profile_type": "SLOW"}, content_type="application/json", **auth(partner[1])
    )
    assert bad.json()["status_code"] == 2001

    unknown = client.put(url.format("NO-SUCH-SESSION"), body, content_type="application/json", **auth(partner[1]))
    assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2000)
