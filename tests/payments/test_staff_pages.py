"""Staff pages of ad hoc payment: an EVSE's settings from its station page, with AFIR's verdict beside them."""

import pytest
from django.urls import reverse

from tests.chargepoints.sessions_support import component, station, tariff
from tests.factories import finance_user, operations_user

pytestmark = pytest.mark.django_db


def test_operations_makes_an_evse_payable_from_its_station_page_and_sees_what_afir_says(client):
    regular = tariff("T-REG", type="REGULAR", elements=[{"price_components": [component("ENERGY", "3.00")]}])
    fast = station(tariff_ids=[regular])
    fast.connectors.update(power_type="DC", max_voltage=500, max_amperage=300, rated_power_w=150000)
    tariff("T-AH-FLAT", type="AD_HOC_PAYMENT", elements=[{"price_components": [component("FLAT", "5.00")]}])
    tariff("T-AH-KWH", type="AD_HOC_PAYMENT", elements=[{"price_components": [component("ENERGY", "3.00")]}])
    client.force_login(operations_user())
    url = reverse("payments:evse_ad_hoc", args=[fast.evse_id])
    station_page = client.get(reverse("stations:detail", args=[fast.location_id])).content.decode()
    assert f'href="{url}"' in station_page

    page = client.get(url).content.decode()
    assert "Drivers cannot pay ad hoc here yet." in page
    assert '<option value="T-AH-FLAT">' in page

    response = client.post(url, {"tariff_id": "T-AH-FLAT"}, follow=True)
    page = response.content.decode()
    assert "takes ad hoc payment at T-AH-FLAT" in page
    assert "needs a payment card reader or contactless device" in page
    assert "a per-session fee" in page
    fast.refresh_from_db()
    assert "CREDIT_CARD_PAYABLE" in fast.capabilities
    assert "CONTACTLESS_CARD_SUPPORT" not in fast.capabilities

    page = client.post(url, {"tariff_id": "T-AH-KWH", "terminal": "on"}, follow=True).content.decode()
    assert "No AFIR problems found" in page
    fast.refresh_from_db()
    assert "CONTACTLESS_CARD_SUPPORT" in fast.capabilities
    assert fast.connectors.get().tariff_ids == ["T-REG", "T-AH-KWH"]

    assert client.post(url, {"tariff_id": "T-REG"}).status_code == 400  # not an ad hoc tariff: not offered


def test_operations_takes_an_evse_off_ad_hoc_payment_after_confirming(client):
    evse = station(tariff_ids=[tariff("T-REG", type="REGULAR")])
    tariff("T-AH", type="AD_HOC_PAYMENT")
    client.force_login(operations_user())
    url = reverse("payments:evse_ad_hoc", args=[evse.evse_id])
    off = reverse("payments:evse_ad_hoc_off", args=[evse.evse_id])
    assert f'action="{off}"' not in client.get(url).content.decode()  # nothing to take off yet

    client.post(url, {"tariff_id": "T-AH", "terminal": "on"})
    page = client.get(url).content.decode()
    assert f'action="{off}"' in page
    assert "return confirm('Take " in page
    page = client.post(off, follow=True).content.decode()
    assert f"{evse.evse_id} no longer takes ad hoc payment." in page
    assert "Drivers cannot pay ad hoc here yet." in page
    assert f'action="{off}"' not in page
    evse.refresh_from_db()
    assert evse.capabilities == ["RFID_READER"]
    assert evse.connectors.get().tariff_ids == ["T-REG"]
    assert client.get(off).status_code == 405  # only the page's confirmed button takes it off


def test_finance_cannot_change_the_catalogue(client):
    evse = station()
    client.force_login(finance_user())
    assert client.get(reverse("payments:evse_ad_hoc", args=[evse.evse_id])).status_code == 403
    assert client.post(reverse("payments:evse_ad_hoc_off", args=[evse.evse_id])).status_code == 403
    station_page = client.get(reverse("stations:detail", args=[evse.location_id]))
    assert "Ad hoc payment ·" not in station_page.content.decode()


# --- The payments list: a failed capture retried, a failed receipt e-mail sent again, holds about to lapse ---------


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def charged(commits, *, email: str = ""):
    """A paid session on the demo gateway, charged for 10 kWh and stopped: its capture follows the stop."""
    from payments.services import payment_begin
    from tests.chargepoints.sessions_support import T0

    from .support import CARD, ad_hoc_station, charge

    with commits():
        payment = payment_begin(evse=ad_hoc_station(), payment_method=CARD, email=email, now=T0)
    assert payment.session is not None
    with commits():
        charge(payment.session, minutes=30, kwh="10")
    return payment


def test_a_failed_capture_is_retried_from_the_list_once(client, commits):
    from decimal import Decimal

    from payments.models import DemoCardHold, PaymentEvent, PaymentState

    from .support import stop

    payment = charged(commits)
    DemoCardHold.objects.filter(provider_reference=payment.provider_reference).update(status="processing")
    with commits():
        stop(payment.session, minutes=31)  # the provider refuses the capture: the hold is kept
    payment.refresh_from_db()
    assert payment.state == PaymentState.HELD
    assert payment.failure_reason == "The hold is processing; it cannot be captured."
    client.force_login(finance_user())
    page = client.get(reverse("payments:staff_list")).content.decode()
    retry = reverse("payments:retry_capture", args=[payment.reference])
    assert f'action="{retry}"' in page

    answer = client.post(retry, follow=True).content.decode()
    assert "failed again: The hold is processing" in answer  # still refused: nothing changes
    payment.refresh_from_db()
    assert payment.state == PaymentState.HELD

    DemoCardHold.objects.filter(provider_reference=payment.provider_reference).update(status="requires_capture")
    answer = client.post(retry, follow=True).content.decode()
    assert f"Captured 43.75 SEK on {payment.reference}" in answer
    assert client.post(retry, follow=True).status_code == 200  # again: already captured, nothing more
    payment.refresh_from_db()
    assert (payment.state, payment.captured_amount, payment.failure_reason) == (
        PaymentState.CAPTURED,
        Decimal("43.75"),
        "",
    )
    assert payment.events.filter(kind=PaymentEvent.Kind.CAPTURE).count() == 1
    assert f'action="{retry}"' not in client.get(reverse("payments:staff_list")).content.decode()


def test_a_receipt_whose_e_mail_failed_is_sent_again_from_the_list_once(client, commits, settings):
    from django.core import mail

    from .support import stop

    payment = charged(commits, email="driver@example.org")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    with commits():
        stop(payment.session, minutes=31)
    payment.refresh_from_db()
    assert payment.receipt.emailed_at is None
    client.force_login(finance_user())
    page = client.get(reverse("payments:staff_list")).content.decode()
    resend = reverse("payments:resend_receipt", args=[payment.reference])
    assert "e-mail not sent" in page
    assert f'action="{resend}"' in page

    assert "could not be sent" in client.post(resend, follow=True).content.decode()  # the mail server still down
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    answer = client.post(resend, follow=True).content.decode()
    assert f"Receipt {payment.receipt.number} is sent to driver@example.org" in answer
    client.post(resend)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].attachments[0][0] == f"{payment.receipt.number}.pdf"
    assert f'action="{resend}"' not in client.get(reverse("payments:staff_list")).content.decode()


def test_holds_about_to_lapse_at_their_provider_are_flagged(client):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from payments.gateways import hold_valid_for
    from payments.models import AdHocPayment, PaymentState

    from .support import ad_hoc_station

    assert hold_valid_for("stripe") == timedelta(days=7)
    evse = ad_hoc_station()
    now = timezone.now()

    def held(gateway: str, age: timedelta, state: str = PaymentState.HELD) -> AdHocPayment:
        return AdHocPayment.objects.create(
            evse=evse,
            connector_id="1",
            gateway=gateway,
            currency="SEK",
            tariff_id="T-ADHOC",
            tariff_snapshot={},
            hold_amount=Decimal(500),
            state=state,
            created=now - age,
        )

    old = held("stripe", timedelta(days=6, hours=12))
    young = held("stripe", timedelta(days=5))
    captured = held("demo", timedelta(days=6, hours=23), PaymentState.CAPTURED)
    client.force_login(finance_user())
    page = client.get(reverse("payments:staff_list")).content.decode()
    warning = page[page.index('id="lapsing-holds"') : page.index("Daily totals")]
    assert "1 hold lapses within a day" in warning
    assert old.reference in warning
    assert f"{(old.created + timedelta(days=7)):%Y-%m-%d %H:%M} UTC" in warning
    assert young.reference not in warning
    assert captured.reference not in warning
