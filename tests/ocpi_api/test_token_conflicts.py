"""Token identity is (country_code, party_id, uid): two eMSPs with the same card uid, a start at the charger, and the
documented outcome (``ocpi_api.authority``): no copy decides, the start is refused as a CONFLICT and staff see it.
Neither eMSP can flip the other's decision, whatever it pushes, and neither can touch the other's copy."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chargepoints.models import ChargingSession
from chargepoints.simulator import ChargerSimulator, SimulationPlan
from ocpi_api.models import AuthorizationRecord, EmspToken
from tests.chargepoints.sessions_support import T0
from tests.factories import operations_user

from .conftest import auth
from .drivers import registered_partner, roaming_station, token_body

pytestmark = pytest.mark.django_db
UID = "BBB0000001"
BASE = "/ocpi/cpo/2.2.1/tokens"


def push(client, token: str, party_id: str, method: str = "PUT", **fields) -> int:
    url = f"{BASE}/NL/{party_id}/{UID}"
    body = token_body(UID, party_id=party_id, **fields)
    if method == "PATCH":
        body = {key: body[key] for key in fields}
    response = getattr(client, method.lower())(url, body, content_type="application/json", **auth(token))
    status_code: int = response.json()["status_code"]
    return status_code


def start_at_charger(evse):
    return ChargerSimulator(evse=evse).run(SimulationPlan(token_uid=UID, start=T0, minutes=10, kw=Decimal(11)))


def test_a_uid_under_two_parties_is_refused_at_the_charger_and_neither_emsp_can_flip_it(client):
    evse = roaming_station()
    a, token_a = registered_partner(party_id="AAA")
    b, token_b = registered_partner(party_id="BBB")
    assert push(client, token_b, "BBB") == 1000
    alone = start_at_charger(evse)
    assert alone.session is not None
    assert alone.session.token_party_id == "BBB"
    b_copy = EmspToken.objects.get(party_id="BBB")

    # A pushes B's card uid under its own party, newer and invalid, then newer and valid (the attack of issue 11).
    outcomes = []
    for valid, last_updated in ((False, "2030-01-01T00:00:00Z"), (True, "2030-01-02T00:00:00Z")):
        assert push(client, token_a, "AAA", valid=valid, last_updated=last_updated) == 1000
        outcomes.append(start_at_charger(evse))
    # B changes its copy too: still no flip.
    assert push(client, token_b, "BBB", "PATCH", whitelist="ALWAYS", last_updated="2030-02-01T00:00:00Z") == 1000
    outcomes.append(start_at_charger(evse))

    for outcome in outcomes:
        assert outcome.session is None
        assert outcome.decision.reason.startswith("conflict: uid held by 2 eMSPs (NL*BBB, NL*AAA)")
    conflicts = AuthorizationRecord.objects.filter(token_uid=UID, source=AuthorizationRecord.Source.CONFLICT)
    assert conflicts.count() == 3
    assert not conflicts.filter(allowed=True).exists()
    assert {r.token_id for r in conflicts} == {None}  # decided by no copy
    # Only B's first start made a session, and it is B's; A's copy never gave it a session or a CDR.
    assert list(ChargingSession.objects.values_list("token_party_id", flat=True)) == ["BBB"]

    # Neither can touch the other's copy: the other party is answered like an unknown token.
    assert push(client, token_a, "BBB", valid=False, last_updated="2031-01-01T00:00:00Z") == 2000
    assert push(client, token_b, "AAA", "PATCH", valid=False, last_updated="2031-01-01T00:00:00Z") == 2000
    b_copy.refresh_from_db()
    assert (b_copy.valid, b_copy.whitelist, b_copy.partner_id) == (True, "ALWAYS", b.pk)
    assert EmspToken.objects.get(party_id="AAA").partner_id == a.pk

    # Staff see the conflict on the token decisions page, with both holders.
    client.force_login(operations_user())
    page = client.get("/partners/tokens/").content.decode()
    assert f'data-conflict="{UID}"' in page
    assert "NL*AAA" in page
    assert "NL*BBB" in page
    assert "conflict: uid held by 2 eMSPs" in page
