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


def test_finance_cannot_change_the_catalogue(client):
    evse = station()
    client.force_login(finance_user())
    assert client.get(reverse("payments:evse_ad_hoc", args=[evse.evse_id])).status_code == 403
    station_page = client.get(reverse("stations:detail", args=[evse.location_id]))
    assert "Ad hoc payment ·" not in station_page.content.decode()
