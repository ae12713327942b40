"""An EVSE on ad hoc payment advertises it in OCPI (capabilities, the AD_HOC_PAYMENT tariff) and on the public map;
taken off, it advertises neither, and its payment page says so."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from chargepoints.search import StationFilters, station_search
from ocpi_api.modules.locations.serializers import evse_to_ocpi
from ocpi_api.push.keys import location_path
from payments.catalogue import evse_disable_ad_hoc, evse_enable_ad_hoc
from payments.models import PaymentState
from payments.services import payment_begin
from tests.chargepoints.sessions_support import T0, station, tariff
from tests.ocpi_push.conftest import receiving_partner
from tests.ocpi_push.receiver import Receiver

from .support import CARD, ad_hoc_station, charge, stop

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


# --- Taking an EVSE off ad hoc payment --------------------------------------------------------------------------------


def test_disabling_removes_the_ad_hoc_tariff_and_the_card_capabilities_only(client):
    untyped = tariff("T-ALL", type="")  # for every session: it stays, and is no ad hoc price without the cards
    evse = station(tariff_ids=[tariff("T-REG5", type="REGULAR"), untyped])
    evse = evse_enable_ad_hoc(evse=evse, tariff_id=tariff("T-AH5", type="AD_HOC_PAYMENT"), terminal=True)
    assert "Reserve" in client.get(f"/pay/{evse.evse_id}/").content.decode()

    evse = evse_disable_ad_hoc(evse=evse)
    assert evse.capabilities == ["RFID_READER"]
    assert evse.connectors.get().tariff_ids == ["T-REG5", "T-ALL"]
    assert evse_disable_ad_hoc(evse=evse).capabilities == ["RFID_READER"]  # again: nothing more
    page = client.get(f"/pay/{evse.evse_id}/").content.decode()
    assert "This charger does not take card payments." in page
    assert "Reserve" not in page
    assert list(station_search(filters=StationFilters(capabilities=("CREDIT_CARD_PAYABLE",)))) == []


def test_a_session_paid_for_before_keeps_its_agreed_price(django_capture_on_commit_callbacks):
    evse = ad_hoc_station()
    with django_capture_on_commit_callbacks(execute=True):
        payment = payment_begin(evse=evse, payment_method=CARD, now=T0)
    evse_disable_ad_hoc(evse=evse)
    assert payment.session is not None
    with django_capture_on_commit_callbacks(execute=True):
        charge(payment.session, minutes=30, kwh="10")
    with django_capture_on_commit_callbacks(execute=True):
        stop(payment.session, minutes=31)
    payment.refresh_from_db()
    assert payment.state == PaymentState.CAPTURED
    assert payment.captured_amount == Decimal("43.75")  # (10 kWh × 3.00 + 5.00) + 25 % VAT, as agreed
    with pytest.raises(ValidationError, match="takes no card payment"):
        payment_begin(evse=evse, payment_method=CARD, now=T0)


@pytest.fixture
def receiver():
    """An eMSP's Locations receiver on loopback, which we push to."""
    server = Receiver().start()
    receiving_partner(server)
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)  # pushes are sent after the commit
def test_taking_an_evse_off_is_announced_to_partners(receiver):
    evse = evse_enable_ad_hoc(evse=station(), tariff_id=tariff("T-AH6", type="AD_HOC_PAYMENT"))
    path = location_path(evse.location)
    pushed = receiver.evse(path, evse.uid)
    assert pushed is not None
    assert "CREDIT_CARD_PAYABLE" in pushed["capabilities"]
    assert pushed["connectors"][0]["tariff_ids"] == ["T-AH6"]

    evse_disable_ad_hoc(evse=evse)
    pushed = receiver.evse(path, evse.uid)
    assert pushed is not None
    assert not {"CREDIT_CARD_PAYABLE", "DEBIT_CARD_PAYABLE"} & set(pushed["capabilities"])
    assert "tariff_ids" not in pushed["connectors"][0]  # none left: OCPI leaves the optional field out
