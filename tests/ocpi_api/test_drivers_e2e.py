"""A driver charges, end to end, against a real eMSP party on loopback: it registers with us (credentials handshake),
pushes its driver's token, starts a session remotely, the simulated charger charges, the eMSP stops it, and the CDR
arrives with the right price; the eMSP can pull the same session and CDR afterwards.

Everything crosses real HTTP both ways (our portal on a live server, the eMSP on its own loopback server); Celery
runs eagerly, so each task runs right after the commit that queued it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from billing.models import Cdr
from chargepoints.models import ChargingSession
from chargepoints.simulator import ChargerSimulator
from ocpi_api.models import CdrDelivery, EmspToken, Partner
from ocpi_api.services import partner_issue_token_a
from tariffs import pricing

from .contract import CDR, COMMAND_RESULT, SESSION, validate
from .drivers import roaming_station, token_body
from .test_cdrs_api import reprice

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(check: Callable[[], Any], seconds: float = 5.0) -> Any:
    """What the eMSP received; it is there at once with eager Celery, and within seconds with a real worker."""
    deadline = time.monotonic() + seconds
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert value, "nothing arrived at the eMSP"
    return value


def test_a_driver_charges_end_to_end(cpo, drivers_emsp):
    evse = roaming_station()
    location_id = evse.location.ocpi_id

    # 1. The eMSP registers with the token A we gave it.
    partner, token_a = partner_issue_token_a(country_code="NL", party_id="EMS", name="Loopback eMSP")
    assert drivers_emsp.register_with(f"{cpo}/ocpi/versions", token_a).json()["status_code"] == 1000
    partner.refresh_from_db()
    assert partner.status == Partner.Status.REGISTERED
    assert partner.endpoint_url("sessions", "RECEIVER") == drivers_emsp.endpoint("sessions")
    ours = {e["identifier"]: e["url"] for e in drivers_emsp.cpo_endpoints}
    assert {"tokens", "commands", "sessions", "cdrs"} <= set(ours)

    # 2. It pushes its driver's token.
    token = token_body("04A1B2C3", whitelist="ALLOWED")
    put = drivers_emsp.call_cpo("PUT", f"{ours['tokens']}/NL/EMS/04A1B2C3", token)
    assert (put.status_code, put.json()["status_code"]) == (201, 1000)
    assert EmspToken.objects.get().partner == partner

    # 3. START_SESSION: accepted at once, the charger's result later at the response_url.
    start_url = f"{drivers_emsp.commands_base}/START_SESSION/1"
    body = {"response_url": start_url, "token": token, "location_id": location_id, "evse_uid": evse.uid}
    response = drivers_emsp.call_cpo("POST", f"{ours['commands']}/START_SESSION", body)
    assert response.json()["data"] == {"result": "ACCEPTED", "timeout": 60}
    [result] = wait_for(lambda: drivers_emsp.command_results.get(start_url.removeprefix(drivers_emsp.base_url)))
    assert validate(result, COMMAND_RESULT) == []
    assert result["result"] == "ACCEPTED"
    session = ChargingSession.objects.get()
    key = f"SE/CPO/{session.ocpi_id}"
    assert wait_for(lambda: drivers_emsp.sessions.get(key))["status"] == "ACTIVE"
    assert [c.method for c in drivers_emsp.calls("PUT", "sessions/")] == ["PUT"]

    # 4. The car charges for 30 minutes at 11 kW; the charger reports every 5 minutes and the eMSP follows.
    session = ChargerSimulator(evse=evse).charge(session=session, minutes=30, kw=Decimal(11))
    patches = wait_for(lambda: drivers_emsp.calls("PATCH", "sessions/"))
    assert all(set(p.body) <= {"kwh", "total_cost", "last_updated"} for p in patches)
    assert wait_for(lambda: drivers_emsp.sessions[key].get("kwh") == 5.5)
    assert drivers_emsp.sessions[key]["total_cost"] == {"excl_vat": 19.25, "incl_vat": 24.06}

    # 5. STOP_SESSION: the session completes and its CDR is POSTed to the eMSP.
    stop_url = f"{drivers_emsp.commands_base}/STOP_SESSION/2"
    response = drivers_emsp.call_cpo(
        "POST", f"{ours['commands']}/STOP_SESSION", {"response_url": stop_url, "session_id": session.ocpi_id}
    )
    assert response.json()["data"]["result"] == "ACCEPTED"
    assert (
        wait_for(lambda: drivers_emsp.command_results.get(stop_url.removeprefix(drivers_emsp.base_url)))[0]["result"]
        == "ACCEPTED"
    )
    assert wait_for(lambda: drivers_emsp.sessions[key]["status"] == "COMPLETED")
    final_session = drivers_emsp.sessions[key]
    assert validate(final_session, SESSION) == []
    assert (final_session["kwh"], final_session["end_date_time"] > final_session["start_date_time"]) == (5.5, True)

    [cdr] = wait_for(lambda: list(drivers_emsp.cdrs.values()))
    assert validate(cdr, CDR) == []
    assert (cdr["session_id"], cdr["auth_method"], cdr["cdr_token"]["uid"]) == (session.ocpi_id, "COMMAND", "04A1B2C3")
    assert cdr["total_energy"] == 5.5
    # The price: the engine re-pricing the CDR's own tariff and periods, and the tariff by hand
    # (SE-AC-STANDARD: 3.50 SEK/kWh + 25 % VAT, no parking): 5.5 × 3.50 = 19.25, × 1.25 = 24.0625 → 24.06.
    priced = reprice(cdr)
    assert priced.total_cost == pricing.Price(Decimal("19.25"), Decimal("24.06"))
    assert cdr["total_cost"] == {"excl_vat": 19.25, "incl_vat": 24.06}
    assert cdr["total_energy_cost"] == {"excl_vat": 19.25, "incl_vat": 24.06}
    stored = Cdr.objects.get()
    assert (stored.total_cost_excl_vat, stored.total_cost_incl_vat) == (Decimal("19.25"), Decimal("24.06"))
    # We keep where the CDR lives at the eMSP (its Location header).
    delivery = wait_for(lambda: CdrDelivery.objects.filter(cdr=stored).first())
    assert delivery.location_url == f"{drivers_emsp.endpoint('cdrs')}/{stored.ocpi_id}"

    # 6. The eMSP pulls the same session and CDR from us.
    pulled = drivers_emsp.call_cpo("GET", f"{ours['sessions']}?date_from=2000-01-01T00:00:00Z").json()["data"]
    assert pulled == [final_session]
    assert drivers_emsp.call_cpo("GET", ours["cdrs"]).json()["data"] == [cdr]
