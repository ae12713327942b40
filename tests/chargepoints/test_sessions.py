"""The session lifecycle as a charger drives it: states, EVSE status, periods, announcements, and refusals."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from chargepoints.authorization import (
    AuthMethod,
    AuthorizationDecision,
    NoTokenAuthority,
    get_token_authority,
    set_token_authority,
)
from chargepoints.models import ChargingSession
from chargepoints.services import evse_set_status
from chargepoints.sessions.enums import CdrDimensionType, ChargingState, SessionStatus
from chargepoints.sessions.selectors import session_list, session_period_facts
from chargepoints.sessions.services import (
    session_fail,
    session_meter_values,
    session_set_charging_state,
    session_start,
    session_stop,
)
from chargepoints.signals import evse_status_changed, session_changed
from tests.chargepoints.sessions_support import (
    T0,
    CardListAuthority,
    driver_token,
    start,
    station,
    tariff,
    token_authority,
)

pytestmark = pytest.mark.django_db


def minutes(n: float):
    return T0 + timedelta(minutes=n)


@pytest.fixture
def heard():
    """Every session_changed and evse_status_changed announcement, in order."""
    events: list[tuple[str, dict[str, Any]]] = []

    def on_session(sender, **kwargs):
        events.append(("session", kwargs))

    def on_status(sender, **kwargs):
        events.append(("evse", kwargs))

    session_changed.connect(on_session, dispatch_uid="test-heard-session")
    evse_status_changed.connect(on_status, dispatch_uid="test-heard-evse")
    yield events
    session_changed.disconnect(dispatch_uid="test-heard-session")
    evse_status_changed.disconnect(dispatch_uid="test-heard-evse")


def test_start_makes_an_active_session_with_the_token_and_location_as_they_are(heard):
    evse = station(tariff_ids=[tariff()])
    session = start(evse, token=driver_token("AB12"), authorization_reference="REF-1", meter_start_wh=Decimal(5000))

    assert session.status == SessionStatus.ACTIVE
    assert session.charging_state == ChargingState.CHARGING
    assert (session.country_code, session.party_id) == ("SE", "CPO")
    assert len(session.ocpi_id) <= 36
    assert (session.token_country_code, session.token_party_id, session.token_uid) == ("NL", "EMP", "AB12")
    assert session.token_contract_id == "NL-EMP-CAB12"
    assert (session.auth_method, session.authorization_reference) == (AuthMethod.WHITELIST, "REF-1")
    assert session.cdr_location["evse_id"] == evse.evse_id
    assert session.cdr_location["connector_power_w"] == 22080
    assert (session.tariff_id, session.currency) == ("T-ENERGY", "SEK")
    assert session.total_cost_excl_vat == 0  # known and zero so far, not unknown
    assert session.meter_wh == Decimal(5000)
    evse.refresh_from_db()
    assert evse.status == "CHARGING"
    assert [kind for kind, _ in heard] == ["evse", "session"]
    assert heard[0][1]["old_status"] == "AVAILABLE"
    assert heard[1][1]["created"] is True


def test_start_is_refused_on_a_busy_or_broken_evse_and_an_unknown_connector():
    evse = station()
    with pytest.raises(ValidationError, match="no connector '9'"):
        session_start(evse=evse, connector_id="9", token_facts=driver_token(), auth_method=AuthMethod.WHITELIST, at=T0)
    start(evse)
    with pytest.raises(ValidationError, match="Charging, not available"):
        start(evse, token=driver_token("OTHER"))
    other = station()
    evse_set_status(evse=other, status="OUTOFORDER")
    with pytest.raises(ValidationError, match="Out of order"):
        start(other)


def test_only_one_open_session_per_evse_even_past_the_service():
    evse = station()
    session = start(evse)
    duplicate = ChargingSession(**{f.attname: getattr(session, f.attname) for f in ChargingSession._meta.fields})
    duplicate.pk, duplicate.ocpi_id = None, "another"
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_meter_values_accumulate_energy_and_measured_power(heard):
    evse = station(tariff_ids=[tariff()])
    session = start(evse, meter_start_wh=Decimal(1000))
    session = session_meter_values(
        session=session, at=minutes(0), energy_wh_total=Decimal(1000), power_w=Decimal(11000), current_a=Decimal(48)
    )
    session = session_meter_values(
        session=session, at=minutes(30), energy_wh_total=Decimal(6500), power_w=Decimal(7000), current_a=Decimal(30)
    )

    assert session.kwh == Decimal("5.5")
    assert (session.power_w, session.current_a) == (Decimal(7000), Decimal(30))
    assert session.total_cost_excl_vat == Decimal("1.38")  # 5.5 × 0.25 = 1.375, half up
    assert session.total_cost_incl_vat == Decimal("1.72")  # 1.71875
    (period,) = session.charging_periods.all()
    assert (period.min_power_kw, period.max_power_kw) == (Decimal(7), Decimal(11))
    assert (period.min_current_a, period.max_current_a) == (Decimal(30), Decimal(48))
    assert period.ampere_seconds == 48 * 30 * 60  # 48 A held for the 30 minutes until the next sample
    changed = heard[-1][1]["changed_fields"]
    assert {"kwh", "charging_periods", "total_cost_excl_vat", "last_updated"} <= changed
    assert heard[-1][1]["created"] is False


def test_reports_out_of_order_or_with_a_meter_going_back_are_refused():
    session = start(station())
    session = session_meter_values(session=session, at=minutes(10), energy_wh_total=Decimal(3000))
    with pytest.raises(ValidationError, match="before the session's last report"):
        session_meter_values(session=session, at=minutes(9), energy_wh_total=Decimal(3100))
    with pytest.raises(ValidationError, match="meter went back"):
        session_meter_values(session=session, at=minutes(11), energy_wh_total=Decimal(2999))
    session.refresh_from_db()
    assert session.kwh == 3


def test_parking_starts_a_new_period_and_a_pause_does_not():
    evse = station(tariff_ids=[tariff()])
    session = start(evse)
    session_meter_values(session=session, at=minutes(0), energy_wh_total=Decimal(0), power_w=Decimal(11000))
    session_set_charging_state(
        session=session, state=ChargingState.SUSPENDED_EV, at=minutes(10), energy_wh_total=Decimal(1800)
    )
    session_set_charging_state(session=session, state=ChargingState.CHARGING, at=minutes(15))
    session_meter_values(session=session, at=minutes(15), energy_wh_total=Decimal(1800), power_w=Decimal(11000))
    session = session_set_charging_state(
        session=session, state=ChargingState.PARKING, at=minutes(40), energy_wh_total=Decimal(6400)
    )
    session = session_set_charging_state(session=session, state=ChargingState.PARKING, at=minutes(45))  # no change

    assert session.charging_state == ChargingState.PARKING
    charging, parking = session.charging_periods.all()
    assert (charging.start_date_time, charging.end_date_time, charging.parking) == (T0, minutes(40), False)
    assert charging.energy_kwh == Decimal("6.4")
    assert charging.min_power_kw == 0  # the pause
    assert (parking.start_date_time, parking.end_date_time, parking.parking) == (minutes(40), None, True)
    assert (parking.max_power_kw, parking.energy_kwh) == (0, 0)

    session = session_stop(session=session, at=minutes(55), reason="Driver unplugged")
    facts = session_period_facts(session=session)
    assert [f.parking for f in facts] == [False, True]
    assert dict(facts[0].dimensions(session_only=False))[CdrDimensionType.TIME] == Decimal("0.6667")
    assert dict(facts[1].dimensions(session_only=False))[CdrDimensionType.PARKING_TIME] == Decimal("0.25")
    assert CdrDimensionType.POWER not in dict(facts[0].dimensions(session_only=False))
    assert dict(facts[0].dimensions(session_only=True))[CdrDimensionType.POWER] == Decimal("9.6")  # 6.4 kWh in 40 min


def test_a_state_change_at_the_very_start_changes_the_first_period_instead_of_adding_one():
    session = start(station())
    session = session_set_charging_state(session=session, state=ChargingState.PARKING, at=T0)
    (period,) = session.charging_periods.all()
    assert period.parking is True


def test_stop_completes_the_session_and_frees_the_evse(heard):
    evse = station(tariff_ids=[tariff()])
    session = start(evse)
    session = session_stop(
        session=session, at=minutes(30), reason="Stopped by the driver", energy_wh_total=Decimal(4000)
    )

    assert session.status == SessionStatus.COMPLETED
    assert (session.end_date_time, session.kwh, session.stop_reason) == (minutes(30), 4, "Stopped by the driver")
    assert session.charging_periods.get().end_date_time == minutes(30)
    evse.refresh_from_db()
    assert evse.status == "AVAILABLE"
    last = heard[-1][1]
    assert {"status", "end_date_time"} <= last["changed_fields"]
    with pytest.raises(ValidationError, match="takes no more reports"):
        session_meter_values(session=session, at=minutes(31), energy_wh_total=Decimal(4100))
    assert start(evse, at=minutes(31)).status == SessionStatus.ACTIVE  # the EVSE takes the next driver


def test_a_failed_session_is_invalid_and_puts_the_evse_out_of_order():
    evse = station(tariff_ids=[tariff()])
    session = start(evse)
    session = session_fail(session=session, at=minutes(12), reason="Ground fault", energy_wh_total=Decimal(2000))

    assert session.status == SessionStatus.INVALID
    assert (session.kwh, session.stop_reason) == (2, "Ground fault")
    evse.refresh_from_db()
    assert evse.status == "OUTOFORDER"
    assert not session.cdrs.exists()  # an invalid session is never billed


def test_an_aborted_session_can_leave_the_evse_available():
    evse = station()
    session = session_fail(session=start(evse), at=minutes(0.5), reason="Cable did not lock", evse_status="AVAILABLE")
    evse.refresh_from_db()
    assert (session.status, evse.status) == (SessionStatus.INVALID, "AVAILABLE")


def test_sessions_are_never_deleted():
    session = start(station())
    with pytest.raises(ValidationError):
        session.delete()


def test_session_list_filters_by_the_token_owner_case_insensitively():
    mine = start(station(), token=driver_token("A1"))
    start(station(), token=driver_token("B1", country_code="DE", party_id="XYZ"))
    assert list(session_list(token_country_code="nl", token_party_id="emp")) == [mine]
    assert session_list().count() == 2


# --- Authorization ---------------------------------------------------------------------------------------------------


def test_without_a_registered_authority_every_token_is_refused_and_says_why():
    evse = station()
    previous = set_token_authority(NoTokenAuthority())
    try:
        decision = get_token_authority().authorize(
            token_uid="ANY", token_type="RFID", location=evse.location, evse=evse
        )
    finally:
        set_token_authority(previous)
    assert (decision.allowed, decision.reason) == (False, "no token authority configured")
    assert decision.token is None


def test_an_allowed_decision_must_carry_the_token_and_method():
    with pytest.raises(ValueError, match="needs the token's facts"):
        AuthorizationDecision(allowed=True, reason="yes")
    AuthorizationDecision(allowed=False, reason="no")  # a refusal needs neither


@pytest.mark.parametrize(
    ("token_uid", "allowed", "reason"),
    [
        ("GOOD", True, "on the card list"),
        ("good", True, "on the card list"),  # uids compare case-insensitively
        ("BLOCKED", False, "token is not valid"),
        ("OLD", False, "token has expired"),
        ("APPONLY", False, "token needs real-time authorization"),
        ("STRANGER", False, "unknown token STRANGER"),
    ],
)
def test_decisions_of_a_registered_authority(token_uid, allowed, reason):
    evse = station()
    registered = get_token_authority()
    cards = CardListAuthority(
        driver_token("GOOD"),
        driver_token("BLOCKED", valid=False),
        driver_token("OLD", expired=True),
        driver_token("APPONLY", whitelist="NEVER"),
    )
    with token_authority(cards):
        decision = get_token_authority().authorize(
            token_uid=token_uid, token_type="RFID", location=evse.location, evse=evse
        )
    assert (decision.allowed, decision.reason) == (allowed, reason)
    assert cards.asked == [(token_uid, "RFID", evse.uid)]
    if allowed:
        assert decision.auth_method == AuthMethod.WHITELIST
        session = start(evse, token=decision.token, authorization_reference=decision.authorization_reference)
        assert (session.token_uid, session.authorization_reference) == ("GOOD", "REF-GOOD")
    assert get_token_authority() is registered  # the context manager put the registered one back
