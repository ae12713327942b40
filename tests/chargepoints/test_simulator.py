"""The domain's charge point simulator: its charging curve, whole visits through the real services (the demo's
history), and the steps the OCPI commands drive. The management command and the station page's card play a charger
over OCPP instead: tests/ocpp_gateway/test_simulate.py."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from chargepoints.models import ChargingSession
from chargepoints.sessions.enums import SessionStatus
from chargepoints.simulator import BATTERY_KWH, STEADY_KW, ChargerSimulator, ChargingCurve, SimulationPlan
from tests.chargepoints.sessions_support import T0, CardListAuthority, driver_token, station, tariff, token_authority

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards():
    with token_authority(CardListAuthority(driver_token("CARD-OK"), driver_token("CARD-BLOCKED", valid=False))) as a:
        yield a


def test_the_curve_runs_at_full_power_then_tapers_and_its_energy_is_the_integral():
    curve = ChargingCurve(peak_kw=Decimal(22), minutes=Decimal(60))
    assert curve.power_kw(Decimal(0)) == curve.power_kw(Decimal(48)) == 22
    assert curve.power_kw(Decimal(54)) == Decimal("14.3")  # halfway down the taper: 22 × (1 − 0.7 × 0.5)
    assert curve.power_kw(Decimal(60)) == Decimal("6.6")  # 30 % of the peak at the end
    # 48 min × 22 kW + 12 min averaging (22 + 6.6) / 2 kW
    assert curve.energy_kwh(Decimal(60)) == Decimal("17.6") + Decimal("2.86")
    assert curve.energy_kwh(Decimal(90)) == curve.energy_kwh(Decimal(60))


def plan(**overrides: Any) -> SimulationPlan:
    values: dict[str, Any] = {"token_uid": "CARD-OK", "start": T0, "minutes": 40, "kw": Decimal(50)}
    values.update(overrides)
    return SimulationPlan(**values)


def test_a_whole_visit_with_a_pause_and_parking(cards):
    evse = station(tariff_ids=[tariff()])
    result = ChargerSimulator(evse=evse).run(plan(suspended_minutes=5, parking_minutes=10))
    session = result.session
    assert session is not None

    assert result.decision.allowed
    assert cards.asked == [("CARD-OK", "RFID", evse.uid)]
    assert session.status == SessionStatus.COMPLETED
    assert (session.start_date_time, session.end_date_time) == (T0, T0 + timedelta(minutes=55))
    curve = ChargingCurve(peak_kw=Decimal("22.08"), minutes=Decimal(40))  # the connector limits the car's 50 kW
    assert session.kwh == (curve.energy_kwh(Decimal(40)) * 1000).quantize(Decimal(1)) / 1000
    assert session.auth_method == "WHITELIST"
    assert session.authorization_reference == "REF-CARD-OK"
    periods = list(session.charging_periods.all())
    assert [p.parking for p in periods] == [False, True]
    assert periods[0].min_power_kw == 0
    assert periods[0].max_power_kw == Decimal("22.08")
    assert periods[0].min_current_a is not None  # current = power / voltage, sum over phases
    evse.refresh_from_db()
    assert evse.status == "AVAILABLE"
    cdr = session.cdrs.get()
    assert (cdr.status, cdr.total_cost_excl_vat) == ("ISSUED", session.total_cost_excl_vat)
    assert result.log[-1].startswith("08:55:00 session stopped")


def test_the_meter_carries_on_from_the_evses_last_session(cards):
    evse = station(tariff_ids=[tariff()])
    first = ChargerSimulator(evse=evse).run(plan()).session
    second = ChargerSimulator(evse=evse).run(plan(start=T0 + timedelta(hours=2))).session
    assert first is not None
    assert second is not None
    assert second.meter_start_wh == first.meter_wh > 0


def test_a_refused_token_starts_nothing(cards):
    evse = station()
    result = ChargerSimulator(evse=evse).run(plan(token_uid="CARD-BLOCKED"))
    assert (result.session, result.decision.reason) == (None, "token is not valid")
    assert not ChargingSession.objects.exists()
    evse.refresh_from_db()
    assert evse.status == "AVAILABLE"


def test_a_charger_fault_halfway_invalidates_the_session(cards):
    evse = station(tariff_ids=[tariff()])
    session = ChargerSimulator(evse=evse).run(plan(fail=True)).session
    assert session is not None
    assert (session.status, session.end_date_time) == (SessionStatus.INVALID, T0 + timedelta(minutes=20))
    assert 0 < session.kwh < 8
    evse.refresh_from_db()
    assert evse.status == "OUTOFORDER"
    assert not session.cdrs.exists()


def test_an_abort_right_after_the_start(cards):
    evse = station()
    session = ChargerSimulator(evse=evse).run(plan(abort=True)).session
    assert session is not None
    assert (session.status, session.kwh, session.stop_reason) == (
        SessionStatus.INVALID,
        0,
        "Charger aborted: the cable did not lock",
    )
    evse.refresh_from_db()
    assert evse.status == "AVAILABLE"


def test_a_driver_still_charging_leaves_the_session_open_with_its_cost_so_far(cards):
    evse = station(tariff_ids=[tariff()])
    result = ChargerSimulator(evse=evse).run(plan(keep_charging=True, parking_minutes=10))
    session = result.session
    assert session is not None
    assert (session.status, session.end_date_time) == (SessionStatus.ACTIVE, None)
    assert session.accounted_until == T0 + timedelta(minutes=40)  # the last meter value is the end of the charge
    assert session.kwh > 0
    assert session.total_cost_excl_vat is not None
    assert session.total_cost_excl_vat > 0
    assert session.charging_state == "CHARGING"  # no parking: the driver has not finished
    assert not session.cdrs.exists()
    assert "still charging" in result.log[-1]
    evse.refresh_from_db()
    assert evse.status == "CHARGING"


def test_step_by_step_as_remote_commands_drive_it():
    """START_SESSION gives a token already authorized by the eMSP; the charger then charges until STOP_SESSION."""
    evse = station(tariff_ids=[tariff()])
    charger = ChargerSimulator(evse=evse)
    session = charger.start(token=driver_token("APP-1", type="APP_USER"), auth_method="COMMAND", at=T0)
    session = charger.charge(session=session, minutes=30, kw=Decimal(11))
    assert (session.kwh, session.accounted_until) == (Decimal("5.5"), T0 + timedelta(minutes=30))
    session = charger.charge(session=session, minutes=12, kw=Decimal(99), interval_minutes=10)  # capped at 22.08 kW
    assert session.kwh == Decimal("5.5") + Decimal("4.416")
    session = charger.stop(session=session, at=T0 + timedelta(minutes=45), reason="Stopped remotely by the eMSP")
    assert (session.status, session.auth_method, session.token_type) == (SessionStatus.COMPLETED, "COMMAND", "APP_USER")
    assert session.end_date_time == T0 + timedelta(minutes=45)
    assert session.cdrs.get().total_energy == session.kwh


def test_a_remote_stop_reports_the_charge_since_the_last_meter_value_up_to_a_full_battery():
    evse = station(tariff_ids=[tariff()])
    charger = ChargerSimulator(evse=evse)
    session = charger.start(token=driver_token("APP-1", type="APP_USER"), auth_method="COMMAND", at=T0)
    # An hour at the steady 11 kW, then stopped: the charger reports the hour before it stops.
    stopped = charger.remote_stop(session=session, now=T0 + timedelta(hours=1), reason="Stopped remotely by the eMSP")
    assert (stopped.status, stopped.kwh, stopped.end_date_time) == ("COMPLETED", Decimal(11), T0 + timedelta(hours=1))

    # Left plugged in for two days: the vehicle stops drawing when its battery is full.
    other = station(tariff_ids=[tariff()])
    charger = ChargerSimulator(evse=other)
    session = charger.start(token=driver_token("APP-2", type="APP_USER"), auth_method="COMMAND", at=T0)
    stopped = charger.remote_stop(session=session, now=T0 + timedelta(days=2), reason="Stopped by CPO staff")
    assert stopped.kwh <= BATTERY_KWH
    assert stopped.kwh > BATTERY_KWH - STEADY_KW  # it did charge until (nearly) full
    assert stopped.end_date_time == T0 + timedelta(days=2)
