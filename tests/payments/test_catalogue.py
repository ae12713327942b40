"""An EVSE on ad hoc payment advertises it in OCPI (capabilities, the AD_HOC_PAYMENT tariff) and on the public map."""

import pytest
from django.core.exceptions import ValidationError

from chargepoints.search import StationFilters, station_search
from ocpi_api.modules.locations.serializers import evse_to_ocpi
from payments.catalogue import evse_enable_ad_hoc
from tests.chargepoints.sessions_support import station, tariff

pytestmark = pytest.mark.django_db


def test_enabling_adds_card_capabilities_contactless_only_with_a_terminal_and_the_tariff():
    evse = station(tariff_ids=[tariff("T-REG", type="REGULAR")])
    ad_hoc = tariff("T-AH", type="AD_HOC_PAYMENT")
    evse = evse_enable_ad_hoc(evse=evse, tariff_id=ad_hoc)
    assert evse.capabilities == ["RFID_READER", "CREDIT_CARD_PAYABLE", "DEBIT_CARD_PAYABLE"]
    assert evse.connectors.get().tariff_ids == ["T-REG", "T-AH"]
    evse = evse_enable_ad_hoc(evse=evse, tariff_id=ad_hoc, terminal=True)
    assert "CONTACTLESS_CARD_SUPPORT" in evse.capabilities
    assert evse.connectors.get().tariff_ids == ["T-REG", "T-AH"]  # not twice

    served = evse_to_ocpi(evse)  # what partners get
    assert {"CREDIT_CARD_PAYABLE", "DEBIT_CARD_PAYABLE", "CONTACTLESS_CARD_SUPPORT"} <= set(served["capabilities"])
    assert served["connectors"][0]["tariff_ids"] == ["T-REG", "T-AH"]


def test_only_an_ad_hoc_tariff_can_be_offered():
    evse = station()
    with pytest.raises(ValidationError, match="AD_HOC_PAYMENT"):
        evse_enable_ad_hoc(evse=evse, tariff_id=tariff("T-REG2", type="REGULAR"))


def test_the_station_finder_filters_on_card_payment():
    card = station()
    evse_enable_ad_hoc(evse=card, tariff_id=tariff("T-AH2", type="AD_HOC_PAYMENT"))
    station()  # RFID only
    found = station_search(filters=StationFilters(capabilities=("CREDIT_CARD_PAYABLE",)))
    assert list(found.values_list("pk", flat=True)) == [card.location_id]


def test_another_ad_hoc_tariff_replaces_the_first_and_the_regular_one_stays():
    evse = station(tariff_ids=[tariff("T-REG3", type="REGULAR")])
    evse_enable_ad_hoc(evse=evse, tariff_id=tariff("T-AH3", type="AD_HOC_PAYMENT"))
    evse = evse_enable_ad_hoc(evse=evse, tariff_id=tariff("T-AH4", type="AD_HOC_PAYMENT"))
    assert evse.connectors.get().tariff_ids == ["T-REG3", "T-AH4"]
