"""The CDR page says where each CDR went: delivered (with the eMSP's URL of it), waiting, rejected or given up.

The push outbox knows; the OCPI side registers it with billing (billing.deliveries), so this also checks that wiring.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from billing.deliveries import cdr_delivery_states
from billing.models import Cdr
from chargepoints.roles import FINANCE, OPERATIONS
from ocpi_api.models import CdrDelivery
from ocpi_api.push.models import OutboxItem
from tests.billing.invoice_builders import STANDARD, cdr_at, charger, standard_tariffs, utc
from tests.factories import make_partner, make_user

pytestmark = pytest.mark.django_db
SENT = datetime(2026, 2, 10, 10, 5, tzinfo=UTC)


@pytest.fixture
def cdrs():
    standard_tariffs()
    evse = charger(STANDARD, name="Uppsala Resecentrum", city="Uppsala")
    return {
        "sent": cdr_at(utc(2026, 2, 10, 9), evse=evse),
        "unsent": cdr_at(utc(2026, 2, 11, 9), evse=evse, party=("SE", "EVS")),
        "held": cdr_at(utc(2026, 2, 12, 9), evse=evse, wh=0, issued=False),
    }


def post_of(cdr, partner, status, **fields) -> OutboxItem:
    return OutboxItem.objects.create(
        partner=partner, module="cdrs", object_key=f"cdrs/{cdr.ocpi_id}", method="POST", status=status, **fields
    )


def page(client: Client, cdr: Cdr, group: str) -> str:
    client.force_login(make_user(group.lower().replace(" ", "_"), group=group))
    response = client.get(reverse("billing:cdr_detail", args=[cdr.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_each_partner_s_latest_post_tells_where_the_cdr_stands(client, cdrs):
    cdr = cdrs["sent"]
    hub, _ = make_partner(name="Roaming hub", party_id="EMP")
    emsp, _ = make_partner(name="Direct eMSP", party_id="EM2")
    post_of(cdr, hub, "FAILED", finished_at=SENT, response_message="OCPI 2001: unknown token")
    post_of(cdr, hub, "DELIVERED", finished_at=SENT)  # retried by staff after the eMSP fixed its side
    CdrDelivery.objects.create(cdr=cdr, partner=hub, location_url="https://hub.example/ocpi/cdrs/991")
    post_of(cdr, emsp, "DEAD", finished_at=SENT, response_message="Could not reach the partner for 48 h")

    states = cdr_delivery_states(cdr)
    assert [(s.partner, s.state, s.problem) for s in states] == [
        (str(hub), "Delivered", False),
        (str(emsp), "Gave up", True),
    ]
    assert states[0].detail == "https://hub.example/ocpi/cdrs/991"

    html = page(client, cdr, OPERATIONS)
    assert "Sent to the eMSP" in html
    assert "https://hub.example/ocpi/cdrs/991" in html
    assert "2026-02-10 11:05 CET</time>" in html  # an audit time: in the staff zone (PORTAL_TIME_ZONE), labelled
    assert "Could not reach the partner for 48 h" in html
    assert f"/partners/{hub.pk}/deliveries/object/?key=cdrs%2F{cdr.ocpi_id}" in html
    assert "Every attempt" not in page(client, cdr, FINANCE)  # finance has no delivery pages


def test_a_cdr_nobody_receives_and_one_held_for_review_say_so(client, cdrs):
    assert "Not sent: no registered partner with a CDRs endpoint speaks for SE*EVS." in page(
        client, cdrs["unsent"], OPERATIONS
    )
    assert "Held: it goes out when it is approved." in page(client, cdrs["held"], FINANCE)
