"""The drivers' demo seeder: a demo eMSP with tokens, two months of finished sessions with issued CDRs at Swedish
and German stations, nothing pushed, and safe to run again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import Cdr
from chargepoints.models import ChargingSession
from ocpi_api.demo import SESSIONS, seed_drivers
from ocpi_api.models import AuthorizationRecord, EmspToken, Partner
from ocpi_api.push.models import OutboxItem
from tests.factories import connector_data, evse_data, make_location

from .drivers import demo_tariff

pytestmark = pytest.mark.django_db


def stations() -> None:
    for country, zone, city in (("SWE", "Europe/Stockholm", "Uppsala"), ("DEU", "Europe/Berlin", "Berlin")):
        ac = connector_data(tariff_ids=[demo_tariff(country, "AC")])
        dc = connector_data(
            standard="IEC_62196_T2_COMBO",
            format="CABLE",
            power_type="DC",
            max_voltage=500,
            max_amperage=300,
            max_electric_power=150000,
            tariff_ids=[demo_tariff(country, "DC")],
        )
        make_location(
            country=country,
            time_zone=zone,
            city=city,
            evses=[evse_data(connectors=[ac]), evse_data(connectors=[dict(ac)]), evse_data(connectors=[dc])],
        )


def test_the_demo_emsp_gets_tokens_sessions_and_cdrs_once():
    stations()
    lines = seed_drivers("http://127.0.0.1:8000")

    partner = Partner.objects.get(country_code="SE", party_id="EMS")
    assert partner.is_registered
    assert partner.endpoints == []  # nothing can be pushed to it
    assert EmspToken.objects.filter(partner=partner).count() == 5
    sessions = ChargingSession.objects.filter(token_party_id="EMS")
    completed = sessions.filter(status="COMPLETED")
    assert completed.count() == SESSIONS + 1  # with the car that drew nothing
    assert sessions.filter(status="INVALID").count() == 1  # the aborted start
    assert sessions.filter(status="ACTIVE").count() == 1  # a driver still charging
    cost_so_far = sessions.get(status="ACTIVE").total_cost_incl_vat
    assert cost_so_far is not None
    assert cost_so_far > 0
    now = timezone.now()
    assert all(
        now - timedelta(days=61) < s.start_date_time and s.end_date_time is not None and s.end_date_time < now
        for s in completed
    )
    cdrs = Cdr.objects.filter(token_party_id="EMS")
    assert cdrs.filter(status="ISSUED").count() == SESSIONS
    assert cdrs.get(status="REVIEW").review_reasons == ["zero energy: the vehicle drew nothing"]
    assert {c.currency for c in cdrs} == {"SEK", "EUR"}
    assert {c.location_country for c in cdrs} == {"SWE", "DEU"}
    assert {c.tariff_id for c in cdrs} == {"SE-AC-STANDARD", "SE-DC-FAST", "DE-AC-STANDARD", "DE-DC-FAST"}
    assert not OutboxItem.objects.filter(partner=partner).exists()
    reasons = set(AuthorizationRecord.objects.values_list("reason", flat=True))
    assert "the eMSP marked the token invalid" in reasons
    assert "whitelist NEVER needs the eMSP's answer, and the eMSP could not answer" in reasons
    assert lines[0] == "OCPI versions URL: http://127.0.0.1:8000/ocpi/versions"
    assert any("ocpi_token_a" in line for line in lines)

    again = seed_drivers("http://127.0.0.1:8000")
    assert Partner.objects.filter(party_id="EMS").count() == 1
    assert EmspToken.objects.count() == 5
    assert ChargingSession.objects.filter(token_party_id="EMS").count() == SESSIONS + 3
    assert again[3] == lines[3]
