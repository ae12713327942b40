"""Stranded holds: a hold with no session to pay for is given back by the periodic sweep (payments.stranded), on
Stripe (localstripe on loopback, over real HTTP) as on the demo gateway. The charger case (a remote start the driver
never plugged in for) is in tests/ocpp_gateway/test_ad_hoc_payment.py."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from chargepoints.models import ChargingSession
from chargepoints.sessions.services import session_fail
from payments.gateways.base import ProviderEvent, ProviderEventKind
from payments.models import AdHocPayment, PaymentEvent, PaymentState
from payments.schedule import STRANDED_HOLDS_JOB
from payments.services import payment_confirm_hold, payment_prepare, payment_provider_event
from payments.stranded import payments_release_stranded
from payments.tasks import payments_release_stranded_task
from tests.chargepoints.sessions_support import T0
from tests.factories import finance_user

from .localstripe_server import _free_port, localstripe
from .support import ad_hoc_station, at, charge
from .test_stripe_browser_hold import confirm_as_stripe_js, stripe_configured

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def stripe_api():
    with localstripe() as url:
        yield url


@pytest.fixture
def gateway(settings, stripe_api):
    settings.PAYMENTS_STRANDED_HOLD_MINUTES = 15
    return stripe_configured(settings, stripe_api)


def later(minutes: int):
    return timezone.now() + timedelta(minutes=minutes)


def status_at_stripe(gateway, payment) -> str:
    return str(gateway.client.v1.payment_intents.retrieve(payment.provider_reference).status)


def last_detail(payment: AdHocPayment) -> str:
    return payment.events.values_list("detail", flat=True).last() or ""


def test_a_hold_whose_page_went_away_before_the_start_is_released_once(gateway, client):
    payment, _secret = payment_prepare(evse=ad_hoc_station(), now=T0)
    confirm_as_stripe_js(gateway, payment.provider_reference)
    # Stripe's webhook says held; the driver's page never posts its confirmation, so no session starts.
    payment_provider_event(event=ProviderEvent("evt_held_1", ProviderEventKind.HELD, payment.provider_reference))
    payment.refresh_from_db()
    assert (payment.state, payment.session) == (PaymentState.HELD, None)

    assert payments_release_stranded(now=later(14)) == 0
    assert payments_release_stranded(now=later(16)) == 1
    payment.refresh_from_db()
    assert payment.state == PaymentState.RELEASED
    assert status_at_stripe(gateway, payment) == "canceled"
    release = payment.events.get(kind=PaymentEvent.Kind.RELEASE)
    assert (release.state_before, release.state_after) == (PaymentState.HELD, PaymentState.RELEASED)
    assert release.detail.startswith("No session started within 15 minutes of the hold")

    assert payments_release_stranded(now=later(60)) == 0  # run again: nothing more
    payment_confirm_hold(payment=payment)  # the page's confirmation, arriving late, starts nothing
    assert ChargingSession.objects.count() == 0
    assert payment.events.filter(kind=PaymentEvent.Kind.RELEASE).count() == 1

    client.force_login(finance_user())
    page = client.get("/finance/payments/").content.decode()
    assert 'release-reason d-inline-block" style="min-width: 16rem">No session started within 15 minutes' in page


def test_a_hold_confirmed_at_stripe_that_we_never_heard_of_is_cancelled_there(gateway):
    payment, _secret = payment_prepare(evse=ad_hoc_station(), now=T0)
    confirm_as_stripe_js(gateway, payment.provider_reference)  # neither the page nor the webhook reach us
    abandoned, _secret = payment_prepare(evse=ad_hoc_station(), now=T0)  # a driver who left before typing a card
    assert status_at_stripe(gateway, payment) == "requires_capture"

    assert payments_release_stranded(now=later(16)) == 2
    for stranded in (payment, abandoned):
        stranded.refresh_from_db()
        assert stranded.state == PaymentState.RELEASED
        assert status_at_stripe(gateway, stranded) == "canceled"
        assert "not confirmed within 15 minutes" in last_detail(stranded)


def test_a_release_that_failed_at_the_provider_is_tried_again(gateway, settings, django_capture_on_commit_callbacks):
    payment, _secret = payment_prepare(evse=ad_hoc_station(), now=T0)
    confirm_as_stripe_js(gateway, payment.provider_reference)
    with django_capture_on_commit_callbacks(execute=True):
        payment = payment_confirm_hold(payment=payment, now=T0)
    assert payment.session is not None
    with django_capture_on_commit_callbacks(execute=True):
        charge(payment.session, minutes=5, kwh="1")

    api = settings.PAYMENTS_STRIPE_API_BASE
    settings.PAYMENTS_STRIPE_API_BASE = f"http://127.0.0.1:{_free_port()}"  # Stripe unreachable as the session fails
    with django_capture_on_commit_callbacks(execute=True):
        session_fail(session=payment.session, at=at(6), reason="Ground fault")
    payment.refresh_from_db()
    assert payment.state == PaymentState.HELD
    assert last_detail(payment).startswith("release failed, hold kept")
    assert payments_release_stranded(now=later(16)) == 0  # still unreachable: kept, recorded, tried later
    assert payment.events.filter(kind=PaymentEvent.Kind.FAIL).count() == 2

    settings.PAYMENTS_STRIPE_API_BASE = api
    assert payments_release_stranded(now=later(16)) == 1
    payment.refresh_from_db()
    assert payment.state == PaymentState.RELEASED
    assert status_at_stripe(gateway, payment) == "canceled"
    assert last_detail(payment) == "The session ended with nothing to capture; the release is tried again."


def test_a_charging_session_keeps_its_hold(gateway, django_capture_on_commit_callbacks):
    payment, _secret = payment_prepare(evse=ad_hoc_station(), now=T0)
    confirm_as_stripe_js(gateway, payment.provider_reference)
    with django_capture_on_commit_callbacks(execute=True):
        payment = payment_confirm_hold(payment=payment, now=T0)
    assert payments_release_stranded(now=later(24 * 60)) == 0
    payment.refresh_from_db()
    assert payment.state == PaymentState.HELD
    assert status_at_stripe(gateway, payment) == "requires_capture"


def test_the_sweep_is_a_periodic_job_staff_can_edit():
    job = PeriodicTask.objects.get(name=STRANDED_HOLDS_JOB.name)
    assert job.task == payments_release_stranded_task.name
    assert (job.interval.every, job.interval.period) == (5, "minutes")
    assert payments_release_stranded_task.delay().get() == 0
