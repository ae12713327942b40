"""The admin's EVSE editor shows ad hoc payment but leaves it to its page (payments.catalogue, one write path): the
card capabilities and the connectors' AD_HOC_PAYMENT tariffs are refused there, with a link to the page."""

import pytest
from django.test import Client
from django.urls import reverse

from chargepoints.models import EVSE
from payments.catalogue import evse_enable_ad_hoc
from tests.admin_forms import FormFields
from tests.chargepoints.sessions_support import station, tariff
from tests.factories import operations_user

from .support import ad_hoc_station

pytestmark = pytest.mark.django_db


def url(evse: EVSE) -> str:
    return reverse("admin:chargepoints_evse_change", args=[evse.pk])


def form(client: Client, evse: EVSE) -> dict[str, list[str]]:
    parser = FormFields()
    parser.feed(client.get(url(evse)).content.decode())
    return {name: values for name, values in parser.data.items() if not name.startswith("_")}


def save(client: Client, evse: EVSE, data: dict[str, list[str]]) -> str:
    """The page again when the admin refuses the form, else ""."""
    response = client.post(url(evse), {**data, "_save": "Save"})
    return response.content.decode() if response.status_code == 200 else ""


def test_ad_hoc_payment_is_shown_with_a_link_to_its_page_and_kept_through_other_edits(client):
    evse = evse_enable_ad_hoc(evse=ad_hoc_station(), tariff_id="T-ADHOC")
    client.force_login(operations_user())
    page = client.get(url(evse)).content.decode()
    assert f'<a href="/finance/payments/evse/{evse.evse_id}/">Ad hoc payment · {evse.evse_id}</a>' in page

    data = form(client, evse)
    data["physical_reference"] = ["Left post"]
    assert save(client, evse, data) == ""
    evse.refresh_from_db()
    assert evse.physical_reference == "Left post"
    assert {"CREDIT_CARD_PAYABLE", "DEBIT_CARD_PAYABLE"} <= set(evse.capabilities)
    assert evse.connectors.get().tariff_ids == ["T-REGULAR", "T-ADHOC"]


def test_card_capabilities_and_ad_hoc_tariffs_are_refused_in_the_admin(client):
    evse = evse_enable_ad_hoc(evse=ad_hoc_station(), tariff_id="T-ADHOC")
    client.force_login(operations_user())
    data = form(client, evse)
    untick = {**data, "capabilities": [c for c in data["capabilities"] if c != "CREDIT_CARD_PAYABLE"]}
    assert "Card payment is set on the EVSE&#x27;s ad hoc payment page" in save(client, evse, untick)

    connector_field = next(name for name in data if name.endswith("-tariff_ids"))
    dropped = {**data, connector_field: ["T-REGULAR"]}
    assert "T-ADHOC: AD_HOC_PAYMENT tariffs are set on the EVSE&#x27;s ad hoc payment page" in save(
        client, evse, dropped
    )
    evse.refresh_from_db()
    assert "CREDIT_CARD_PAYABLE" in evse.capabilities
    assert evse.connectors.get().tariff_ids == ["T-REGULAR", "T-ADHOC"]

    plain = station(tariff_ids=[tariff("T-REG9", type="REGULAR")])
    tariff("T-AH9", type="AD_HOC_PAYMENT")
    data = form(client, plain)
    added = {**data, connector_field: ["T-REG9, T-AH9"], "capabilities": [*data["capabilities"], "DEBIT_CARD_PAYABLE"]}
    page = save(client, plain, added)
    assert "T-AH9: AD_HOC_PAYMENT tariffs" in page
    assert "Card payment is set on" in page
    plain.refresh_from_db()
    assert plain.capabilities == ["RFID_READER"]
    assert plain.connectors.get().tariff_ids == ["T-REG9"]
