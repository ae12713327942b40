"""The dashboard's "needs attention" cards: sessions charging now, CDRs held for review, failing partner deliveries.

Billing and the push pipeline register their cards (chargepoints.dashboard); each shows only to users who may open
the page it links to.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from chargepoints.dashboard import AttentionCard
from chargepoints.sessions.services import session_stop
from ocpi_api.push.models import OutboxItem
from tests.chargepoints.sessions_support import T0, driver_token, start, station, tariff
from tests.factories import finance_user, make_partner, make_user, operations_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def trouble():
    """One driver charging, one CDR the quality gate held (zero energy), one delivery the partner rejected."""
    tariff_id = tariff()
    start(station(tariff_ids=[tariff_id]), token=driver_token("CHARGING"))
    idle = start(station(tariff_ids=[tariff_id]), token=driver_token("NOTHING"))
    session_stop(session=idle, at=T0 + timedelta(minutes=10), reason="Stopped", energy_wh_total=Decimal(0))
    partner, _token = make_partner()
    OutboxItem.objects.create(partner=partner, module="locations", object_key="locations/L1", method="PUT")
    OutboxItem.objects.create(
        partner=partner, module="locations", object_key="locations/L2", method="PUT", status="FAILED"
    )


def cards(client: Client) -> dict[str, AttentionCard]:
    response = client.get(reverse("stations:dashboard"))
    assert response.status_code == 200
    return {card.label: card for card in response.context["attention"]}


def test_operations_see_every_card_with_its_count_and_link(client, trouble):
    client.force_login(operations_user())
    shown = cards(client)
    assert list(shown) == ["Charging now", "CDRs held for review", "Deliveries to partners"]
    charging, review, deliveries = shown.values()
    assert (charging.value, charging.warn, charging.url) == (1, False, "/sessions/?status=ACTIVE")
    assert (review.value, review.warn, review.url) == (1, True, "/finance/cdrs/?status=REVIEW")
    assert (deliveries.value, deliveries.detail, deliveries.warn) == (1, "rejected or given up · 1 waiting", True)
    page = client.get(reverse("stations:dashboard")).content.decode()
    assert 'href="/finance/cdrs/?status=REVIEW"' in page
    assert "attention-warn" in page


def test_each_card_shows_only_to_users_who_may_open_its_page(client, trouble):
    client.force_login(finance_user())
    assert list(cards(client)) == ["Charging now", "CDRs held for review"]  # finance has no delivery pages
    reader = make_user("reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_location"))  # the dashboard, nothing more
    client.force_login(reader)
    assert cards(client) == {}


def test_nothing_waiting_is_calm(client):
    client.force_login(operations_user())
    review = cards(client)["CDRs held for review"]
    assert (review.value, review.warn, review.detail) == (0, False, "nothing waiting")
