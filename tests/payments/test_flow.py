"""The ad hoc flow end to end on the demo gateway: hold → session → watchdog → capture or release → receipt."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from billing.models import Cdr, InvoiceLine
from chargepoints.enums import TokenType
from chargepoints.sessions.enums import SessionStatus
from chargepoints.sessions.pricing import price_periods
from chargepoints.sessions.selectors import session_period_facts
from chargepoints.sessions.services import session_fail
from chargepoints.sessions.tariffs import tariff_from_snapshot
from payments.models import AdHocPayment, DemoCardHold, PaymentEvent, PaymentState
from payments.services import payment_begin, payment_refund
from tariffs.services import tariff_replace
from tests.chargepoints.sessions_support import T0, component
from tests.factories import finance_user

from .support import CARD, ad_hoc_station, at, charge, stop

pytestmark = pytest.mark.django_db


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run each step's after-commit work (the provider calls) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def begin(evse, commits, **extra):
    with commits():
        return payment_begin(evse=evse, payment_method=CARD, now=T0, **extra)


def test_happy_path_captures_the_engine_cost_to_the_cent_and_issues_a_numbered_receipt(commits):
    evse = ad_hoc_station()
    payment = begin(evse, commits, email="driver@example.org")
    assert payment.state == PaymentState.HELD
    session = payment.session
    assert session is not None
    assert session.token_type == TokenType.AD_HOC_USER
    assert session.token_uid == payment.reference
    assert session.tariff_id == "T-ADHOC"

    with commits():
        charge(session, minutes=30, kwh="10.5")
    with commits():
        session = stop(session, minutes=31)

    payment.refresh_from_db()
    cdr = Cdr.objects.get(session=session)
    engine = price_periods(
        tariff=tariff_from_snapshot(payment.tariff_snapshot),
        start=session.start_date_time,
        periods=session_period_facts(session=session),
        time_zone=session.location.time_zone,
    )
    # 10.5 kWh × 3.00 + 5.00, plus 25 % VAT = 45.625 → 45.63
    assert engine.total_cost.incl_vat == Decimal("45.63")
    assert payment.state == PaymentState.CAPTURED
    assert payment.captured_amount == cdr.total_cost_incl_vat == engine.total_cost.incl_vat
    assert DemoCardHold.objects.get(provider_reference=payment.provider_reference).captured == Decimal("45.63")
    receipt = payment.receipt
    assert receipt.number.startswith("RCP-2026-")
    cdr.refresh_from_db()
    assert cdr.invoice_reference_id == receipt.number
    assert cdr.token_type == TokenType.AD_HOC_USER
    assert [line["vat"] for line in receipt.vat_lines] == ["25"]
    assert sum(Decimal(line["incl"]) for line in receipt.vat_lines) == Decimal("45.63")
    kinds = list(payment.events.values_list("kind", flat=True))
    assert kinds == ["CREATED", "HOLD", "SESSION_STARTED", "RECEIPT", "CAPTURE"]
    assert mail.outbox
    assert mail.outbox[0].to == ["driver@example.org"]
    assert mail.outbox[0].attachments[0][0] == f"{receipt.number}.pdf"


def test_the_cost_reaching_the_hold_stops_the_session_and_captures_the_hold(commits):
    evse = ad_hoc_station(components=[component("ENERGY", "40.00")])  # 50 SEK/kWh incl. VAT: the 500 SEK hold = 10 kWh
    payment = begin(evse, commits)
    assert payment.hold_amount == Decimal("500.00")
    with commits():
        charge(payment.session, minutes=20, kwh="5")  # 250 SEK: nothing happens
    payment.refresh_from_db()
    assert payment.stop_requested_at is None
    assert payment.session.is_open
    with commits():
        charge(payment.session, minutes=40, kwh="11")  # 550 SEK: past the limit (95 % of the hold)
    payment.refresh_from_db()
    session = payment.session
    assert session.status == SessionStatus.COMPLETED
    assert "payment hold" in session.stop_reason
    assert session.total_cost_incl_vat == Decimal("550.00")
    assert payment.state == PaymentState.CAPTURED
    assert payment.captured_amount == Decimal("500.00")
    assert payment.receipt.total_incl_vat == Decimal("500.00")


def test_the_watchdog_stops_before_the_hold_when_the_reports_are_fine_grained(commits):
    evse = ad_hoc_station(components=[component("ENERGY", "40.00")])
    payment = begin(evse, commits)
    for minute in range(1, 60):
        with commits():
            session = charge(payment.session, minutes=minute, kwh=str(Decimal("0.2") * minute))
        session.refresh_from_db()
        if not session.is_open:
            break
    payment.refresh_from_db()
    assert payment.state == PaymentState.CAPTURED
    assert Decimal("475") <= payment.captured_amount < payment.hold_amount  # stopped at the 95 % limit


def test_a_declined_card_fails_and_starts_nothing(commits):
    evse = ad_hoc_station()
    with commits():
        payment = payment_begin(evse=evse, payment_method="4000 0000 0000 0002", now=T0)
    assert payment.state == PaymentState.FAILED
    assert payment.session is None
    assert "declined" in payment.failure_reason


def test_a_failed_start_releases_the_hold(commits, monkeypatch):
    """The hold succeeded but the charger would not start: the hold goes back at once."""
    from django.core.exceptions import ValidationError

    from chargepoints.simulator import ChargerSimulator

    def refuse(self, **kwargs):
        raise ValidationError("The connector is locked.")

    monkeypatch.setattr(ChargerSimulator, "start", refuse)
    payment = begin(ad_hoc_station(), commits)
    assert payment.state == PaymentState.RELEASED
    assert payment.session is None
    assert "did not start" in payment.events.last().detail
    assert DemoCardHold.objects.get(provider_reference=payment.provider_reference).status == "canceled"


def test_a_busy_evse_is_refused_before_any_hold(commits):
    from chargepoints.services import evse_set_status

    evse = ad_hoc_station()
    evse_set_status(evse=evse, status="CHARGING")
    with pytest.raises(ValidationError, match="charging"):
        begin(evse, commits)
    assert not AdHocPayment.objects.exists()


def test_a_cdr_held_for_review_keeps_the_hold_until_staff_release_it(commits):
    from billing.services.cdrs import cdr_release

    payment = begin(ad_hoc_station(), commits)
    with commits():
        charge(payment.session, minutes=10, kwh="9")  # more than 22 kW can give in 11 minutes: the gate holds it
    with commits():
        stop(payment.session, minutes=11)
    payment.refresh_from_db()
    cdr = Cdr.objects.get(session=payment.session)
    assert cdr.status == Cdr.Status.REVIEW
    assert payment.state == PaymentState.HELD
    assert not cdr.invoice_reference_id
    with commits():
        cdr = cdr_release(cdr=cdr, by=finance_user(), note="meter checked")
    payment.refresh_from_db()
    assert payment.state == PaymentState.CAPTURED
    assert payment.captured_amount == Decimal("40.00")
    assert cdr.invoice_reference_id == payment.receipt.number


def test_a_session_the_charger_fails_releases_the_hold(commits):
    payment = begin(ad_hoc_station(), commits)
    with commits():
        charge(payment.session, minutes=5, kwh="1")
    with commits():
        session_fail(session=payment.session, at=at(6), reason="Ground fault")
    payment.refresh_from_db()
    assert payment.state == PaymentState.RELEASED
    assert "Ground fault" in payment.events.last().detail
    assert DemoCardHold.objects.get(provider_reference=payment.provider_reference).status == "canceled"
    assert not hasattr(payment, "receipt") or payment.receipt is None


def test_zero_energy_releases_the_hold(commits):
    payment = begin(ad_hoc_station(), commits)
    with commits():
        stop(payment.session, minutes=3)
    payment.refresh_from_db()
    assert payment.state == PaymentState.RELEASED
    assert payment.events.last().detail == "No energy was delivered."


def test_a_tariff_change_mid_session_does_not_change_the_agreed_price(commits):
    evse = ad_hoc_station()
    payment = begin(evse, commits)
    tariff_replace(
        data={
            "country_code": "SE",
            "party_id": "CPO",
            "id": "T-ADHOC",
            "currency": "SEK",
            "type": "AD_HOC_PAYMENT",
            "elements": [
                {"price_components": [{"type": "ENERGY", "price": Decimal("9.00"), "vat": Decimal(25), "step_size": 1}]}
            ],
        }
    )
    with commits():
        charge(payment.session, minutes=30, kwh="10")
    with commits():
        stop(payment.session, minutes=31)
    payment.refresh_from_db()
    assert payment.captured_amount == Decimal("43.75")  # (10 × 3.00 + 5.00) × 1.25, not 9.00 per kWh


def test_two_drivers_on_two_evses_at_once(commits):
    first, second = ad_hoc_station(), ad_hoc_station("T-ADHOC-B", components=[component("ENERGY", "2.00")])
    a, b = begin(first, commits), begin(second, commits)
    assert a.session.evse_id == first.pk
    assert b.session.evse_id == second.pk
    assert a.reference != b.reference
    with commits():
        charge(a.session, minutes=10, kwh="4")
    with commits():
        charge(b.session, minutes=12, kwh="3")
    with commits():
        stop(b.session, minutes=13)
    with commits():
        stop(a.session, minutes=14)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.captured_amount, b.captured_amount) == (Decimal("21.25"), Decimal("7.50"))
    numbers = sorted([a.receipt.number, b.receipt.number])
    assert [n[-5:] for n in numbers] == ["00001", "00002"]


def test_partial_then_full_refund(commits):
    payment = begin(ad_hoc_station(), commits)
    with commits():
        charge(payment.session, minutes=30, kwh="10")
    with commits():
        stop(payment.session, minutes=31)
    payment.refresh_from_db()
    staff = finance_user()
    payment = payment_refund(payment=payment, amount=Decimal("10.00"), by=staff, idempotency_key="k1")
    payment = payment_refund(payment=payment, amount=Decimal("10.00"), by=staff, idempotency_key="k1")  # sent twice
    assert payment.state == PaymentState.CAPTURED
    assert payment.refunded_amount == Decimal("10.00")
    assert DemoCardHold.objects.get(provider_reference=payment.provider_reference).refunded == Decimal("10.00")
    with pytest.raises(Exception, match="Refund between"):
        payment_refund(payment=payment, amount=Decimal("40.00"), by=staff, idempotency_key="k2")
    payment = payment_refund(payment=payment, amount=Decimal("33.75"), by=staff, idempotency_key="k3")
    assert payment.state == PaymentState.REFUNDED
    assert payment.refundable == 0
    assert PaymentEvent.objects.filter(payment=payment, kind="REFUND").count() == 2


def test_ad_hoc_cdrs_never_reach_an_emsp_invoice_even_one_sharing_our_party(commits):
    """An eMSP billed under our own party id gets its RFID session invoiced, never the ad hoc one."""
    from billing.services.invoice_runs import invoice_run
    from tests.billing.invoice_builders import profile
    from tests.chargepoints.sessions_support import driver_token, start, station

    profile(("SE", "CPO"))
    payment = begin(ad_hoc_station(), commits)
    with commits():
        charge(payment.session, minutes=30, kwh="10")
    with commits():
        stop(payment.session, minutes=31)
    rfid = start(station(tariff_ids=["T-REGULAR"]), token=driver_token(country_code="SE", party_id="CPO"))
    charge(rfid, minutes=30, kwh="5")
    stop(rfid, minutes=31)
    invoice_run(trigger="manual", now=at(60 * 24 * 40))
    billed = set(InvoiceLine.objects.values_list("cdr__token_type", flat=True))
    assert billed == {TokenType.RFID}
    assert Cdr.objects.filter(token_type=TokenType.AD_HOC_USER).count() == 1
    assert AdHocPayment.objects.get().state == PaymentState.CAPTURED
