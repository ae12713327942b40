"""A driver pays ad hoc on the page of an EVSE a real charger serves: the hold is followed by a RemoteStartTransaction
over OCPP, the charger's StartTransaction starts the ad hoc session at the agreed price, and its StopTransaction ends
in the capture of the CDR's total. A remote start the driver never plugs in for strands the hold until the sweep."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import requests
from django.utils import timezone
from ocpp.v16 import call

from payments.models import AdHocPayment, DemoCardHold, PaymentState
from payments.stranded import payments_release_stranded
from tests.payments.support import ad_hoc_station

from .conftest import Answers, connected, registered, run_async


def pay(base: str, evse_id: str) -> requests.Response:
    browser = requests.Session()
    page = browser.get(f"{base}/pay/{evse_id}/", timeout=20)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token is not None
    form = {"csrfmiddlewaretoken": token.group(1), "card_number": "4242 4242 4242 4242", "agree": "on"}
    return browser.post(f"{base}/pay/{evse_id}/", data=form, headers={"Referer": page.url}, timeout=30)


def test_paying_on_the_page_starts_the_real_charger_and_its_stop_captures(gateway, live_server):
    evse = ad_hoc_station()
    _, password = registered([evse.uid])
    answers = Answers()

    async def play() -> tuple[str, dict[str, object]]:
        async with connected(gateway, "CP-1", password, answers) as (cp, _):
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            paid = await asyncio.to_thread(pay, live_server.url, evse.evse_id)
            assert paid.status_code == 200, paid.text[:500]
            [(action, asked)] = answers.received
            now = datetime.now(UTC).replace(microsecond=0)
            tx = await cp.call(
                call.StartTransaction(
                    connector_id=asked["connector_id"], id_tag=asked["id_tag"], meter_start=0, timestamp=now.isoformat()
                )
            )
            await cp.call(
                call.StopTransaction(
                    transaction_id=tx.transaction_id,
                    meter_stop=2000,
                    timestamp=(now + timedelta(minutes=10)).isoformat(),
                    reason="EVDisconnected",
                )
            )
            return action, asked

    action, asked = run_async(play())
    gateway.settle()
    payment = AdHocPayment.objects.get()
    assert action == "RemoteStartTransaction"
    assert asked["id_tag"] == payment.reference
    assert payment.session is not None
    assert payment.session.token_type == "AD_HOC_USER"
    assert payment.state == PaymentState.CAPTURED
    assert payment.captured_amount == Decimal("13.75")  # 2 kWh × 3.75 + 6.25


def test_a_remote_start_the_driver_never_plugged_in_for_has_its_hold_released_by_the_sweep(gateway, live_server):
    evse = ad_hoc_station()
    _, password = registered([evse.uid])
    answers = Answers()

    async def play() -> None:
        async with connected(gateway, "CP-1", password, answers) as (cp, _):
            await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            paid = await asyncio.to_thread(pay, live_server.url, evse.evse_id)
            assert paid.status_code == 200, paid.text[:500]
            # The charger accepted the RemoteStartTransaction; no StartTransaction follows.

    run_async(play())
    gateway.settle()
    payment = AdHocPayment.objects.get()
    assert [action for action, _ in answers.received] == ["RemoteStartTransaction"]
    assert (payment.state, payment.session) == (PaymentState.HELD, None)

    assert payments_release_stranded(now=timezone.now() + timedelta(minutes=16)) == 1
    payment.refresh_from_db()
    assert payment.state == PaymentState.RELEASED
    assert DemoCardHold.objects.get(provider_reference=payment.provider_reference).status == "canceled"
