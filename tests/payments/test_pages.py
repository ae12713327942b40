"""The driver's pages (no login), the sticker, and the finance list with refunds, AFIR warnings and daily totals."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from chargepoints.simulator import ChargerSimulator
from payments.models import AdHocPayment, PaymentState
from tests.chargepoints.sessions_support import component, station
from tests.factories import finance_user, operations_user

from .support import ad_hoc_station

pytestmark = pytest.mark.django_db(transaction=True)  # the pay view commits as it goes, as in production


def pay_url(evse):
    return reverse("payments:pay", args=[evse.evse_id])


def test_the_page_shows_every_price_component_in_the_afir_order_with_vat_and_the_hold(client):
    evse = ad_hoc_station(
        components=[
            component("PARKING_TIME", "6.00"),
            component("FLAT", "5.00"),
            component("TIME", "1.20"),
            component("ENERGY", "3.00", vat="25"),
        ]
    )
    page = client.get(pay_url(evse)).content.decode()
    labels = ["Energy", "Charging time", "Per session", "Idle fee"]
    positions = [page.index(label) for label in labels]
    assert positions == sorted(positions), "AFIR Art. 5: per kWh, per minute, per session, then other components"
    assert "3.75 SEK per kWh" in page  # 3.00 + 25 % VAT
    assert "0.025 SEK per minute" in page  # 1.20 per hour + 25 % VAT = 1.50 per hour
    assert "6.25 SEK per session" in page
    assert "0.125" in page  # idle: 6.00/h + VAT = 0.125 per minute
    assert "incl. 25 % VAT" in page
    assert "All prices in SEK" in page
    assert "500.00 SEK" in page
    assert "Demo payments" in page


def test_an_evse_without_an_ad_hoc_price_says_so_and_an_unknown_one_is_404(client):
    plain = station(tariff_ids=[])
    assert "does not take card payments" in client.get(pay_url(plain)).content.decode()
    assert client.get("/pay/SE*CPO*NOPE/").status_code == 404


def test_pay_charge_stop_and_receipt_through_the_pages(client):
    evse = ad_hoc_station()
    refused = client.post(pay_url(evse), {"card_number": "4242 4242 4242 4242"})
    assert refused.status_code == 400
    assert not AdHocPayment.objects.exists()

    response = client.post(pay_url(evse), {"card_number": "4242 4242 4242 4242", "agree": "on", "email": ""})
    payment = AdHocPayment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:status", args=[payment.reference])
    assert payment.state == PaymentState.HELD
    assert "Stop charging" in client.get(response["Location"]).content.decode()

    assert payment.session is not None
    ChargerSimulator(evse=evse).charge(session=payment.session, minutes=20, kw=Decimal(11))  # the car draws 11 kW
    client.post(reverse("payments:stop", args=[payment.reference]))
    payment.refresh_from_db()
    session = payment.session
    assert session is not None
    assert session.total_cost_incl_vat is not None
    assert session.status == "COMPLETED"
    assert session.kwh == Decimal("3.667")
    assert payment.state == PaymentState.CAPTURED
    assert payment.captured_amount == session.total_cost_incl_vat.quantize(Decimal("0.01"))  # 3.667×3.75 + 6.25
    assert "Your receipt" in client.get(reverse("payments:status", args=[payment.reference])).content.decode()
    receipt = client.get(reverse("payments:receipt", args=[payment.reference])).content.decode()
    assert payment.receipt.number in receipt
    assert str(payment.captured_amount) in receipt
    pdf = client.get(reverse("payments:receipt", args=[payment.reference]) + "?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_stopping_at_once_delivers_nothing_and_releases_the_hold(client):
    evse = ad_hoc_station()
    client.post(pay_url(evse), {"card_number": "4242 4242 4242 4242", "agree": "on"})
    payment = AdHocPayment.objects.get()
    client.post(reverse("payments:stop", args=[payment.reference]))
    payment.refresh_from_db()
    assert payment.state == PaymentState.RELEASED
    assert "Nothing was charged" in client.get(reverse("payments:status", args=[payment.reference])).content.decode()


def test_a_declined_card_shows_why(client):
    evse = ad_hoc_station()
    response = client.post(pay_url(evse), {"card_number": "4000 0000 0000 0002", "agree": "on"}, follow=True)
    assert "did not go through" in response.content.decode()
    assert "declined" in response.content.decode()


def test_the_sticker_is_a_qr_code_to_the_page_for_staff(client):
    evse = ad_hoc_station()
    url = reverse("payments:sticker", args=[evse.evse_id])
    assert client.get(url).status_code == 302  # staff only
    client.force_login(operations_user())
    page = client.get(url).content.decode()
    assert "<svg" in page
    assert f"http://testserver{pay_url(evse)}" in page


def test_finance_lists_payments_refunds_in_part_and_sees_afir_warnings(client):
    high_power = ad_hoc_station(components=[component("ENERGY", "3.00"), component("FLAT", "5.00")])
    high_power.connectors.update(power_type="DC", max_voltage=500, max_amperage=300, rated_power_w=150000)
    payment = AdHocPayment.objects.create(
        evse=high_power,
        connector_id="1",
        gateway="demo",
        provider_reference="demo_x",
        currency="SEK",
        tariff_id="T-ADHOC",
        tariff_snapshot={},
        hold_amount=Decimal("500.00"),
        captured_amount=Decimal("43.75"),
        captured_at=timezone.now(),
        state=PaymentState.CAPTURED,
    )
    from payments.models import DemoCardHold

    DemoCardHold.objects.create(
        provider_reference="demo_x",
        currency="SEK",
        authorized=Decimal(500),
        captured=Decimal("43.75"),
        status="succeeded",
    )
    client.force_login(finance_user())
    page = client.get(reverse("payments:staff_list")).content.decode()
    assert payment.reference in page
    assert "Captured" in page
    assert "needs a payment card reader" in page
    assert "per-session fee" in page
    assert "43.75" in page
    assert "yes" in page

    client.post(reverse("payments:refund", args=[payment.reference]), {"amount": "13.75", "key": "form-1"})
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("13.75")
    assert payment.state == PaymentState.CAPTURED
    page = client.get(reverse("payments:staff_list")).content.decode()
    assert "30.00" in page
    assert ">no<" not in page


def test_operations_staff_cannot_see_the_finance_list(client):
    client.force_login(operations_user())
    assert client.get(reverse("payments:staff_list")).status_code == 403


def test_an_unknown_gateway_webhook_is_404(client):
    assert client.post("/pay/webhooks/paypal/", data=b"{}", content_type="application/json").status_code == 404


def test_the_finance_list_takes_the_same_queries_for_one_or_many_evses(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(finance_user())
    ad_hoc_station()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("payments:staff_list")).status_code == 200
        return len(queries)

    one = count()
    for n in range(3):
        ad_hoc_station(f"T-ADHOC-{n}")
    assert count() == one
