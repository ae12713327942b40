"""The simulator speaks OCPP: ``simulate_charging`` and the station page's simulate card connect to the gateway as an
OCPP 1.6J charger, and the session, its meter values, its stop and its CDR come from the real charger path."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from chargepoints.control import get_charger_control
from chargepoints.models import ChargingSession
from chargepoints.sessions.enums import SessionStatus
from ocpp_gateway.models import Charger, ChargerFault, OcppMessage, Transaction
from tariffs import pricing
from tests.chargepoints.sessions_support import T0, CardListAuthority, driver_token, station, tariff, token_authority
from tests.factories import finance_user, operations_user
from tests.ocpi_api.contract import CDR, validate
from tests.ocpi_api.drivers import DriversEmsp, registered_partner, roaming_station, stored_token
from tests.ocpi_api.test_cdrs_api import reprice

from .conftest import Gateway, registered

START = "2026-03-02T08:00:00+00:00"  # T0
LATER = "2026-03-02T10:00:00+00:00"


@pytest.fixture
def portal(gateway: Gateway, settings: Any) -> Gateway:
    """The gateway, as the portal's own (the simulated charger connects to PORTAL_BASE_URL)."""
    settings.PORTAL_BASE_URL = f"http://127.0.0.1:{gateway.port}"
    return gateway


@pytest.fixture
def cards():
    with token_authority(CardListAuthority(driver_token("CARD-OK"), driver_token("CARD-BLOCKED", valid=False))) as a:
        yield a


def simulate(*args: str) -> str:
    out = StringIO()
    call_command("simulate_charging", *args, stdout=out)
    return out.getvalue()


def test_the_command_charges_through_the_gateway(portal, cards):
    evse = station(tariff_ids=[tariff()])
    text = simulate(
        *("--evse", evse.evse_id, "--token-uid", "CARD-OK", "--minutes", "45", "--kw", "11"),
        *("--suspended-minutes", "5", "--parking-minutes", "10", "--start", START),
    )
    session = ChargingSession.objects.get()
    assert (session.status, session.start_date_time, session.end_date_time) == (
        SessionStatus.COMPLETED,
        T0,
        T0 + timedelta(minutes=60),
    )
    assert session.kwh == Decimal("7.673")  # 36 min × 11 kW + 9 min tapering from 11 to 3.3 kW: 6.6 + 1.0725
    assert session.total_cost_excl_vat == Decimal("1.92")  # 7.673 kWh × 0.25 SEK = 1.918
    assert session.auth_method == "WHITELIST"
    assert [p.parking for p in session.charging_periods.all()] == [False, True]  # Finishing: the car is parked
    assert session.cdrs.get().status == "ISSUED"
    # It was a charger: registered for the EVSE on the fly, with a transaction and every frame in its log.
    charger = Charger.objects.get()
    assert charger.charge_point_id == f"SIM-{evse.uid}"
    assert [link.evse for link in charger.connectors.all()] == [evse]
    assert Transaction.objects.get(charger=charger).session == session
    portal.settle()
    actions = set(OcppMessage.objects.filter(charger=charger, direction="IN").values_list("action", flat=True))
    assert {"BootNotification", "Authorize", "StartTransaction", "MeterValues", "StopTransaction"} <= actions
    assert cards.asked == [("CARD-OK", "RFID", evse.uid)]
    assert "token CARD-OK accepted by the central system" in text
    assert "vehicle paused charging for 5 min" in text
    assert f"Session {session.ocpi_id}: Completed, 7.673 kWh" in text

    # Once it left, it does not take the EVSE's OCPI commands: the domain's simulator plays them, as before.
    assert not get_charger_control().serves(evse)

    # The same EVSE again: the simulated charger is reused and the meter carries on.
    simulate("--evse", evse.uid, "--token-uid", "CARD-OK", "--minutes", "10")
    assert Charger.objects.count() == 1
    second = ChargingSession.objects.latest("id")
    assert second.meter_start_wh == session.meter_wh > 0


def test_the_command_reports_refusals_faults_aborts_and_open_sessions(portal, cards):
    evse = station()
    with pytest.raises(CommandError, match="Token refused: the central system answered Invalid"):
        simulate("--evse", evse.uid, "--token-uid", "CARD-BLOCKED")
    with pytest.raises(CommandError, match="No EVSE"):
        simulate("--evse", "SE*CPO*NOPE", "--token-uid", "CARD-OK")
    with pytest.raises(CommandError, match="RFID token"):
        simulate("--evse", evse.uid, "--token-uid", "CARD-OK", "--token-type", "APP_USER")
    assert not ChargingSession.objects.exists()

    text = simulate("--evse", evse.uid, "--token-uid", "CARD-OK", "--minutes", "40", "--fail", "--start", START)
    session = ChargingSession.objects.get()
    # The charger stops its transaction at the fault: the energy until then is a completed session.
    assert (session.status, session.end_date_time) == (SessionStatus.COMPLETED, T0 + timedelta(minutes=20))
    assert 0 < session.kwh < 8
    assert ChargerFault.objects.get().error_code == "GroundFailure"
    assert "charger fault" in text

    text = simulate("--evse", evse.uid, "--token-uid", "CARD-OK", "--abort")  # ends now
    aborted = ChargingSession.objects.latest("id")
    assert (aborted.status, aborted.kwh) == (SessionStatus.COMPLETED, 0)
    assert ChargerFault.objects.latest("id").error_code == "ConnectorLockFailure"
    assert "aborted by the charger" in text

    # Another start time: the same connector, idTag, meterStart and timestamp would be the same transaction again.
    text = simulate("--evse", evse.uid, "--token-uid", "CARD-OK", "--keep-charging", "--start", LATER)
    assert ChargingSession.objects.filter(status=SessionStatus.ACTIVE).count() == 1
    assert ": Active," in text
    # The next visit's charger boots and reports the connector available: the session left open is ended.
    simulate("--evse", evse.uid, "--token-uid", "CARD-OK", "--minutes", "5")
    assert not ChargingSession.objects.filter(status=SessionStatus.ACTIVE).exists()


def test_an_evse_a_real_charger_serves_is_not_simulated(portal, cards):
    evse = station()
    registered([evse.uid], "CP-REAL")
    assert get_charger_control().serves(evse)  # connected or not: the real charger is asked
    with pytest.raises(CommandError, match="served by the charger CP-REAL"):
        simulate("--evse", evse.uid, "--token-uid", "CARD-OK")
    assert not ChargingSession.objects.exists()


def test_the_station_page_card_plays_a_charger_for_operations_staff_only(portal, client, cards):
    evse = station(tariff_ids=[tariff()])
    url = reverse("stations:simulate", args=[evse.location_id])
    form = {
        "evse": evse.pk,
        "token_uid": "CARD-OK",
        "token_type": "RFID",
        "minutes": 30,
        "kw": "11",
        "suspended_minutes": 0,
        "parking_minutes": 5,
        "outcome": "stop",
    }
    client.force_login(finance_user())
    assert client.post(url, form).status_code == 403
    assert not ChargingSession.objects.exists()

    client.force_login(operations_user())
    page = client.get(reverse("stations:detail", args=[evse.location_id]))
    assert "Simulate a charging session" in page.content.decode()
    response = client.post(url, form, follow=True)
    session = ChargingSession.objects.get()
    assert session.status == SessionStatus.COMPLETED
    assert Transaction.objects.get().session == session
    page = response.content.decode()
    assert f"session {session.ocpi_id} stopped" in page  # the message
    assert "CARD-OK" in page  # the recent sessions table

    response = client.post(url, {**form, "token_uid": "CARD-BLOCKED"}, follow=True)
    assert "Token CARD-BLOCKED refused: the central system answered Invalid" in response.content.decode()
    assert ChargingSession.objects.count() == 1


@pytest.fixture
def emsp():
    server = DriversEmsp().start()
    yield server
    server.stop()


def test_a_simulated_visit_reaches_the_emsp_as_a_cdr_priced_by_the_tariff_engine(portal, emsp):
    evse = roaming_station()
    partner, _ = registered_partner(emsp)
    stored_token(partner, "04A1B2C3", whitelist="ALWAYS")
    simulate("--evse", evse.uid, "--token-uid", "04A1B2C3", "--minutes", "30", "--kw", "11", "--start", START)

    session = ChargingSession.objects.get()
    assert session.status == SessionStatus.COMPLETED
    assert Transaction.objects.get().session == session
    portal.settle_until(lambda: bool(emsp.cdrs))
    assert emsp.sessions[f"SE/CPO/{session.ocpi_id}"]["status"] == "COMPLETED"
    [cdr] = emsp.cdrs.values()
    assert validate(cdr, CDR) == []
    assert Decimal(str(cdr["total_energy"])) == session.kwh
    total = reprice(cdr).total_cost  # the tariff engine on the CDR's own tariff and periods
    assert total.excl_vat > 0
    assert total == pricing.Price(Decimal(str(session.total_cost_excl_vat)), Decimal(str(session.total_cost_incl_vat)))
    sent = cdr["total_cost"]
    assert (Decimal(str(sent["excl_vat"])), Decimal(str(sent["incl_vat"]))) == (total.excl_vat, total.incl_vat)
    statuses = [c.body["status"] for c in emsp.calls("PATCH", "locations/") if "status" in (c.body or {})]
    assert statuses[:2] == ["CHARGING", "AVAILABLE"]  # the charger's reports, then UNKNOWN once it left
