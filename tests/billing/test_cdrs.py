"""CDRs: made at the stop, sealed with the facts at the session's start, immutable once issued, corrected by credit
and reissue, and held for review by the quality gate."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing.models import Cdr
from billing.selectors.cdrs import cdr_list
from billing.services.cdrs import (
    MONEY_FIELDS,
    cdr_create_for_session,
    cdr_credit,
    cdr_reissue,
    cdr_release,
    cdr_void,
)
from billing.signals import cdr_issued
from chargepoints.roles import FINANCE
from chargepoints.services import location_upsert
from chargepoints.sessions.enums import CdrDimensionType
from chargepoints.sessions.services import session_meter_values, session_set_charging_state, session_stop
from chargepoints.sessions.tariffs import tariff_data_from_snapshot
from tests.chargepoints.sessions_support import T0, component, driver_token, start, station, tariff
from tests.factories import location_data, make_user

pytestmark = pytest.mark.django_db


def at(minutes: float):
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def issued():
    """Every CDR announced with cdr_issued."""
    found: list[Cdr] = []

    def listen(sender, cdr, **kwargs):
        found.append(cdr)

    cdr_issued.connect(listen, dispatch_uid="test-issued")
    yield found
    cdr_issued.disconnect(dispatch_uid="test-issued")


@pytest.fixture
def staff():
    return make_user("checker", group=FINANCE, is_staff=True)


def charged(evse=None, *, kwh: int = 10, minutes: int = 60, parking: int = 0, **start_extra):
    """A completed session: ``kwh`` in ``minutes`` of charging, then ``parking`` minutes parked."""
    evse = evse or station(tariff_ids=[tariff()])
    session = start(evse, **start_extra)
    session_meter_values(session=session, at=T0, energy_wh_total=Decimal(0), power_w=Decimal(11000))
    end = at(minutes)
    if parking:
        session_set_charging_state(session=session, state="PARKING", at=end, energy_wh_total=Decimal(kwh * 1000))
        end = at(minutes + parking)
    return session_stop(session=session, at=end, reason="Stopped by the driver", energy_wh_total=Decimal(kwh * 1000))


def test_the_stop_issues_a_cdr_with_the_sessions_facts(issued):
    session = charged(token=driver_token("CARD1"), authorization_reference="AUTH-9", meter_id="M-1", parking=15)
    cdr = session.cdrs.get()

    assert cdr.status == Cdr.Status.ISSUED
    assert issued == [cdr]
    assert len(cdr.ocpi_id) <= 36
    assert (cdr.country_code, cdr.party_id) == ("SE", "CPO")
    assert (cdr.start_date_time, cdr.end_date_time) == (T0, at(75))
    assert (cdr.token_uid, cdr.token_type, cdr.token_contract_id) == ("CARD1", "RFID", "NL-EMP-CCARD1")
    assert (cdr.auth_method, cdr.authorization_reference, cdr.meter_id) == ("WHITELIST", "AUTH-9", "M-1")
    assert (cdr.evse_id, cdr.connector_id, cdr.connector_standard) == (session.evse.evse_id, "1", "IEC_62196_T2")
    assert (cdr.currency, cdr.tariff_id, cdr.remark) == ("SEK", "T-ENERGY", "Stopped by the driver")
    assert (cdr.total_energy, cdr.total_time, cdr.total_parking_time) == (10, Decimal("1.25"), Decimal("0.25"))
    assert (cdr.total_cost_excl_vat, cdr.total_cost_incl_vat) == (Decimal("2.50"), Decimal("3.13"))
    charging, parking = cdr.period_facts()
    d = CdrDimensionType
    assert charging.dimensions(session_only=False) == [
        (d.ENERGY, 10),
        (d.TIME, Decimal(1)),
        (d.MIN_POWER, 11),
        (d.MAX_POWER, 11),
    ]
    assert dict(parking.dimensions(session_only=False)) == {
        d.ENERGY: 0,
        d.PARKING_TIME: Decimal("0.25"),
        d.MIN_POWER: 0,
        d.MAX_POWER: 0,
        d.MIN_CURRENT: 0,
        d.MAX_CURRENT: 0,
    }
    tariff_data = tariff_data_from_snapshot(cdr.tariff_snapshot)
    assert tariff_data["id"] == "T-ENERGY"
    assert tariff_data["elements"][0]["price_components"][0]["price"] == Decimal("0.25")
    assert cdr.credit is False
    assert cdr.credit_reference_id == ""
    assert cdr.issued_at == cdr.last_updated
    assert list(cdr_list(token_country_code="NL", token_party_id="EMP")) == [cdr]
    assert not cdr_list(token_country_code="DE").exists()


def test_making_the_cdr_again_returns_the_same_one(issued):
    session = charged()
    assert cdr_create_for_session(session=session) == session.cdrs.get()
    assert len(issued) == 1


def test_only_completed_sessions_get_a_cdr():
    session = start(station(tariff_ids=[tariff()]))
    with pytest.raises(ValidationError, match="only completed sessions are billed"):
        cdr_create_for_session(session=session)


def test_the_cdr_shows_the_location_as_it_was_at_the_start_within_ocpis_lengths():
    long_address = "Kungsgatan 12, entrance from the parking garage on level minus two"
    data = location_data(address=long_address, state="Uppsala län, Mellansverige")
    location = location_upsert(data=data).location
    evse = location.evses.get()
    evse.connectors.update(tariff_ids=[tariff()])
    session = start(evse)
    location_upsert(data={**data, "name": "Renamed later", "address": "Elsewhere 1"})  # edited during the session
    session = session_stop(session=session, at=at(30), reason="Done", energy_wh_total=Decimal(5000))

    cdr = session.cdrs.get()
    assert cdr.location_name == data["name"]
    assert cdr.location_address == "Kungsgatan 12, entrance from the parking"  # whole words within 45
    assert cdr.location_state == "Uppsala län"  # whole words within 20
    assert (cdr.location_latitude, cdr.location_country) == ("59.858562", "SWE")


# --- Immutability ----------------------------------------------------------------------------------------------------


def test_an_issued_cdr_never_changes_and_is_never_deleted():
    cdr = charged().cdrs.get()
    cdr.total_cost_excl_vat = Decimal("0.01")
    with pytest.raises(ValidationError, match="issued and can no longer change"):
        cdr.save()
    with pytest.raises(ValidationError, match="never change"):
        Cdr.objects.filter(pk=cdr.pk).update(remark="edited")
    with pytest.raises(ValidationError, match="never deleted"):
        cdr.delete()
    with pytest.raises(ValidationError, match="never deleted"):
        Cdr.objects.all().delete()
    cdr.refresh_from_db()
    assert cdr.total_cost_excl_vat == Decimal("2.50")


def test_a_held_cdr_can_still_be_decided_and_then_not_any_more(staff):
    cdr = charged(kwh=0).cdrs.get()
    Cdr.objects.filter(pk=cdr.pk).update(decision_note="looking at it")  # allowed while in review
    cdr_void(cdr=cdr, by=staff, reason="Test session by a technician")
    with pytest.raises(ValidationError, match="void and can no longer change"):
        Cdr.objects.get(pk=cdr.pk).save()


# --- Corrections -----------------------------------------------------------------------------------------------------


def test_a_credit_cdr_copies_the_original_with_negated_amounts(staff, issued):
    original = charged(parking=15).cdrs.get()
    credit = cdr_credit(cdr=original, reason="Meter fault reported by the driver", by=staff)

    assert credit.ocpi_id == f"{original.ocpi_id}-C"
    assert len(credit.ocpi_id) <= 39
    assert (credit.credit, credit.credit_reference_id, credit.credit_of) == (True, original.ocpi_id, original)
    assert (credit.status, credit.remark, credit.decided_by) == (
        Cdr.Status.ISSUED,
        "Meter fault reported by the driver",
        staff,
    )
    for name in MONEY_FIELDS:
        assert getattr(credit, name) == -getattr(original, name), name
    assert credit.total_cost_excl_vat == Decimal("-2.50")
    for name in ("total_energy", "total_time", "total_parking_time", "charging_periods", "token_uid", "session_id"):
        assert getattr(credit, name) == getattr(original, name), name
    assert issued == [original, credit]
    assert list(cdr_list()) == [original, credit]

    with pytest.raises(ValidationError, match="already been credited"):
        cdr_credit(cdr=original, reason="again", by=staff)
    with pytest.raises(ValidationError, match="itself a credit"):
        cdr_credit(cdr=credit, reason="credit the credit", by=staff)


def test_a_reissue_needs_the_credit_first_and_is_priced_again(staff, issued):
    original = charged().cdrs.get()
    with pytest.raises(ValidationError, match="credit it before"):
        cdr_reissue(cdr=original, by=staff, reason="Meter read 10 kWh, the car got 8")
    cdr_credit(cdr=original, reason="Meter fault", by=staff)
    new = cdr_reissue(cdr=original, by=staff, reason="Meter read 10 kWh, the car got 8", total_energy=Decimal(8))

    assert new.ocpi_id not in (original.ocpi_id, f"{original.ocpi_id}-C")
    assert (new.replaces, new.status, new.credit, new.credit_reference_id) == (original, Cdr.Status.ISSUED, False, "")
    assert new.total_energy == 8
    assert (new.total_cost_excl_vat, new.total_cost_incl_vat) == (Decimal("2.00"), Decimal("2.50"))
    assert new.remark == "Meter read 10 kWh, the car got 8"
    assert issued[-1] == new
    with pytest.raises(ValidationError, match="already been replaced"):
        cdr_reissue(cdr=original, by=staff, reason="twice")


def test_a_cdr_without_tariff_is_voided_and_reissued_with_one(staff, issued):
    held = charged(evse=station()).cdrs.get()
    assert (held.status, issued) == (Cdr.Status.REVIEW, [])
    with pytest.raises(ValidationError, match="has no price"):
        cdr_release(cdr=held, by=staff)
    with pytest.raises(ValidationError, match="still held for review"):
        cdr_reissue(cdr=held, by=staff, reason="x", tariff_id="T-ENERGY")
    cdr_void(cdr=held, by=staff, reason="Connector had no tariff configured")
    tariff("T-LATE", elements=[{"price_components": [component("ENERGY", "0.40")]}])
    with pytest.raises(ValidationError, match="no tariff 'T-NOPE'"):
        cdr_reissue(cdr=held, by=staff, reason="x", tariff_id="T-NOPE")
    new = cdr_reissue(cdr=held, by=staff, reason="Priced with the site's tariff", tariff_id="T-LATE")

    assert (new.status, new.tariff_id, new.currency, new.total_cost_excl_vat) == (
        "ISSUED",
        "T-LATE",
        "SEK",
        Decimal("4.00"),
    )
    assert new.tariff_snapshot is not None
    assert new.tariff_snapshot["id"] == "T-LATE"
    assert issued == [new]


# --- Quality gate and review queue -----------------------------------------------------------------------------------


def test_zero_energy_is_held_for_review_and_never_announced(issued):
    cdr = charged(kwh=0).cdrs.get()
    assert (cdr.status, cdr.review_reasons, cdr.issued_at) == (
        "REVIEW",
        ["zero energy: the vehicle drew nothing"],
        None,
    )
    assert issued == []
    assert list(Cdr.objects.filter(status=Cdr.Status.REVIEW)) == [cdr]
    assert not cdr_list().exists()


def test_energy_beyond_the_connectors_power_is_held(issued):
    cdr = charged(kwh=30, minutes=60).cdrs.get()  # 30 kWh in an hour on a 22 kW connector
    (reason,) = cdr.review_reasons
    assert "30 kWh in 1.00 h is more than the connector's 22.08 kW can deliver" in reason
    assert issued == []


def test_releasing_a_held_cdr_issues_and_announces_it(staff, issued):
    cdr = charged(kwh=30).cdrs.get()
    released = cdr_release(cdr=cdr, by=staff, note="Checked the meter log")
    assert (released.status, released.decided_by, released.decision_note) == ("ISSUED", staff, "Checked the meter log")
    assert released.issued_at == released.last_updated
    assert issued == [released]
    with pytest.raises(ValidationError, match="not held for review"):
        cdr_release(cdr=released, by=staff)
    with pytest.raises(ValidationError, match="only held CDRs can be voided"):
        cdr_void(cdr=released, by=staff, reason="too late")


def test_voiding_needs_a_reason(staff):
    cdr = charged(kwh=0).cdrs.get()
    with pytest.raises(ValidationError, match="Say why"):
        cdr_void(cdr=cdr, by=staff, reason=" ")


# --- Admin -----------------------------------------------------------------------------------------------------------


def test_the_admin_shows_cdrs_read_only_and_decides_through_actions(client, staff, issued):
    held = charged(kwh=30).cdrs.get()
    client.force_login(staff)

    queue = client.get(reverse("admin:billing_cdrinreview_changelist"))
    assert queue.status_code == 200
    assert held.ocpi_id in queue.content.decode()
    detail = client.get(reverse("admin:billing_cdr_change", args=[held.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()  # a view, not a form

    client.post(reverse("admin:billing_cdrinreview_changelist"), {"action": "release", "_selected_action": [held.pk]})
    held.refresh_from_db()
    assert held.status == "ISSUED"

    url = reverse("admin:billing_cdr_changelist")
    ask = client.post(url, {"action": "credit_cdrs", "_selected_action": [held.pk]})
    assert ask.status_code == 200
    assert "Why?" in ask.content.decode()
    assert not Cdr.objects.filter(credit=True).exists()
    client.post(url, {"action": "credit_cdrs", "_selected_action": [held.pk], "apply": "1", "reason": "Wrong meter"})
    credit = Cdr.objects.get(credit=True)
    assert (credit.credit_of, credit.remark, credit.decided_by) == (held, "Wrong meter", staff)
    assert issued == [held, credit]
