"""CDRs module, Sender interface: paginated, only the caller's issued CDRs, CDR objects that conform to OCPI 2.2.1
and that re-price to their own total_cost with the tariff they carry."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from billing.models import Cdr
from billing.services.cdrs import cdr_credit
from ocpi_api.modules.tariffs.serializers import pricing_session_from_cdr, pricing_tariff_from_ocpi
from tariffs import pricing
from tests.chargepoints.sessions_support import T0
from tests.factories import make_user

from .conftest import auth
from .contract import CDR, validate
from .drivers import charged_session, registered_partner, roaming_station

pytestmark = pytest.mark.django_db
URL = "/ocpi/cpo/2.2.1/cdrs"


@pytest.fixture
def partner():
    return registered_partner()


def cdrs_of(client, token, query=""):
    response = client.get(f"{URL}{query}", **auth(token))
    assert response.status_code == 200, response.content
    return response


def reprice(cdr: dict[str, Any]) -> pricing.PricedSession:
    """What an eMSP can check: the CDR's own tariff applied to its own charging periods."""
    return pricing.price_session(
        tariff=pricing_tariff_from_ocpi(cdr["tariffs"][0]),
        session=pricing_session_from_cdr(cdr),
        time_zone="Europe/Stockholm",
    )


def test_a_cdr_as_ocpi_sees_it_reprices_to_its_total(client, partner):
    evse = roaming_station()
    # 45 min at 11 kW, then 70 min parked from 09:45: SE-AC-STANDARD bills parking 30 SEK/h between 08 and 20.
    session = charged_session(evse, partner[0], minutes=45, kw=Decimal(11), parking=70)
    stored = Cdr.objects.get(session=session)

    [data] = cdrs_of(client, partner[1]).json()["data"]
    assert validate(data, CDR) == []
    assert (data["id"], data["session_id"], data["auth_method"]) == (stored.ocpi_id, session.ocpi_id, "WHITELIST")
    assert data["cdr_token"]["uid"] == "04A1B2C3"
    location = data["cdr_location"]
    assert (location["id"], location["evse_uid"], location["evse_id"]) == (
        evse.location.ocpi_id,
        evse.uid,
        evse.evse_id,
    )
    assert location["coordinates"] == {"latitude": evse.location.latitude, "longitude": evse.location.longitude}
    assert data["currency"] == "SEK"
    assert [t["id"] for t in data["tariffs"]] == ["SE-AC-STANDARD"]
    assert data["total_energy"] == 8.25
    assert data["total_time"] == pytest.approx(115 / 60, abs=0.0001)
    assert data["total_parking_time"] == pytest.approx(70 / 60, abs=0.0001)
    # 8.25 kWh × 3.50 = 28.875 → 28.88; 70 min parked × 30 SEK/h = 35.00; +25 % VAT on each.
    assert data["total_energy_cost"] == {"excl_vat": 28.88, "incl_vat": 36.09}
    assert data["total_parking_cost"] == {"excl_vat": 35.0, "incl_vat": 43.75}
    assert data["total_cost"] == {"excl_vat": 63.88, "incl_vat": 79.84}
    assert any(d["type"] == "PARKING_TIME" for p in data["charging_periods"] for d in p["dimensions"])
    priced = reprice(data)
    assert priced.total_cost.incl_vat is not None
    assert (float(priced.total_cost.excl_vat), float(priced.total_cost.incl_vat)) == (63.88, 79.84)
    assert stored.total_cost_incl_vat is not None
    assert float(stored.total_cost_incl_vat) == data["total_cost"]["incl_vat"]


def test_a_credit_cdr_conforms_and_cancels_the_original(client, partner):
    session = charged_session(roaming_station(), partner[0])
    original = Cdr.objects.get(session=session)
    cdr_credit(cdr=original, reason="Meter fault", by=make_user("ops"))
    data = {c["id"]: c for c in cdrs_of(client, partner[1]).json()["data"]}
    credit = data[f"{original.ocpi_id}-C"]
    assert validate(credit, CDR) == []
    assert (credit["credit"], credit["credit_reference_id"], credit["remark"]) == (
        True,
        original.ocpi_id,
        "Meter fault",
    )
    assert credit["total_cost"] == {"excl_vat": -19.25, "incl_vat": -24.06}
    assert "credit" not in data[original.ocpi_id]


def test_only_issued_cdrs_of_the_callers_drivers_in_pages(client, partner):
    other, other_token = registered_partner(country_code="DE", party_id="EMD")
    evse = roaming_station()
    mine = [charged_session(evse, partner[0], start=T0 + timedelta(hours=h)) for h in range(3)]
    held = charged_session(evse, partner[0], start=T0 + timedelta(hours=4), kw=Decimal(0))  # zero energy: review
    theirs = charged_session(evse, other, start=T0 + timedelta(hours=6))
    assert Cdr.objects.get(session=held).status == Cdr.Status.REVIEW

    first = cdrs_of(client, partner[1], "?limit=2")
    assert (first["X-Total-Count"], first["X-Limit"]) == ("3", "1000")
    expected = [Cdr.objects.get(session=s).ocpi_id for s in mine]
    ids = [c["id"] for c in first.json()["data"]]
    second = client.get(first["Link"].split(";")[0].strip("<>").removeprefix("http://testserver"), **auth(partner[1]))
    ids += [c["id"] for c in second.json()["data"]]
    assert ids == expected
    assert [c["id"] for c in cdrs_of(client, other_token).json()["data"]] == [Cdr.objects.get(session=theirs).ocpi_id]
