"""The isolation matrix of issue 11: four registered eMSPs, each with pushed tokens, a live and a finished session,
a CDR and a reservation. Every partner tries every module and method, read and write, on every other partner's
objects, and tries to claim the other's party at registration and with PUT /credentials. Nothing of another party
is visible, changed or pushed; the number of cases is printed and asserted.

The actions on tokens, sessions, CDRs and commands are the catalogue of ``test_sessions_isolation`` (which also
shows that the same actions reach one's own objects, so every refusal here is about ownership)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from billing.models import Cdr
from chargepoints.models import ChargingSession
from chargepoints.simulator import ChargerSimulator
from ocpi_api import services
from ocpi_api.models import CommandRequest, Partner
from ocpi_api.push.models import OutboxItem
from ocpi_api.selectors import partner_parties

from .conftest import auth
from .drivers import DriversEmsp
from .test_sessions_isolation import ACTIONS, Side, _state, act, build_world

pytestmark = pytest.mark.django_db
CREDENTIALS = "/ocpi/2.2.1/credentials"
PARTIES = {"A": ("NL", "EMA"), "B": ("DE", "EMB"), "C": ("BE", "EMC"), "D": ("FR", "EMD")}
PAIRS = [(actor, owner) for actor in PARTIES for owner in PARTIES if actor != owner]


@pytest.fixture
def world(client, drivers_emsp, django_capture_on_commit_callbacks) -> dict[str, Side]:
    return build_world(client, drivers_emsp, django_capture_on_commit_callbacks, PARTIES, cards=2)


def _credentials(side: Side, drivers_emsp: DriversEmsp, *parties: tuple[str, str]) -> dict[str, Any]:
    roles = [
        {"role": "EMSP", "business_details": {"name": "Claimer"}, "country_code": cc, "party_id": pid}
        for cc, pid in parties
    ]
    return {"token": f"new-token-of-{side.partner.pk}", "url": drivers_emsp.versions_url, "roles": roles}


def _partner_row(partner: Partner) -> dict[str, Any]:
    return {
        key: value for key, value in Partner.objects.filter(pk=partner.pk).values().get().items() if key != "updated"
    }


def claim_on_put(client, drivers_emsp: DriversEmsp, actor: Side, owner: Side) -> tuple[bool, object]:
    """PUT /credentials naming the owner's party next to its own: refused with 2001, nothing of the actor changes."""
    before = _partner_row(actor.partner), partner_parties(partner=actor.partner)
    body = _credentials(actor, drivers_emsp, actor.party, owner.party)
    response = client.put(CREDENTIALS, body, content_type="application/json", **auth(actor.token))
    answer = response.json()
    refused = answer["status_code"] == 2001 and f"{owner.party[0]}*{owner.party[1]}" in answer["status_message"]
    unchanged = (_partner_row(actor.partner), partner_parties(partner=actor.partner)) == before
    return not (refused and unchanged), answer


def claim_at_registration(client, drivers_emsp: DriversEmsp, actor: Side, owner: Side) -> tuple[bool, object]:
    """A new connection of the actor (token A for a party of its own) registers naming the owner's party."""
    own = (actor.party[0], f"X{actor.party[1][-1]}{owner.party[1][-1]}")
    pending, token_a = services.partner_issue_token_a(country_code=own[0], party_id=own[1], granted_by="tests")
    before = _partner_row(pending)
    body = _credentials(actor, drivers_emsp, own, owner.party)
    response = client.post(CREDENTIALS, body, content_type="application/json", **auth(token_a))
    answer = response.json()
    refused = answer["status_code"] == 2001 and f"{owner.party[0]}*{owner.party[1]}" in answer["status_message"]
    unchanged = _partner_row(pending) == before and partner_parties(partner=pending) == {own}
    return not (refused and unchanged), answer


def unlock_owners_connector(actor: Side, owner: Side) -> tuple[bool, object]:
    body = {
        "location_id": owner.active.cdr_location["id"],
        "evse_uid": owner.active.evse.uid,
        "connector_id": owner.active.connector_id,
    }
    envelope, results = actor.commands.post("UNLOCK_CONNECTOR", body)
    owner.active.refresh_from_db()
    return bool(results and results[-1]["result"] == "ACCEPTED") or not owner.active.is_open, (envelope, results)


def _pushes_to_another_party() -> tuple[int, list[str]]:
    """Every session, CDR and command-result row in the outbox, and those addressed to a partner that does not
    hold the object's party (must be none)."""
    wrong, checked = [], 0
    for item in OutboxItem.objects.select_related("partner").order_by("id"):
        if item.module == "sessions":
            session = ChargingSession.objects.get(ocpi_id=item.object_key.rsplit("/", 1)[1])
            party = (session.token_country_code, session.token_party_id)
        elif item.module == "cdrs":
            cdr = Cdr.objects.get(ocpi_id=item.object_key.removeprefix("cdrs/"))
            party = (cdr.token_country_code, cdr.token_party_id)
        elif item.module == "commands":
            command = CommandRequest.objects.get(pk=int(item.object_key.split("/")[1]))
            party = (command.partner.country_code, command.partner.party_id)
            if command.partner_id != item.partner_id:
                wrong.append(f"{item.object_key} to {item.partner}")
        else:
            continue
        checked += 1
        if party not in partner_parties(partner=item.partner):
            wrong.append(f"{item.module} {item.object_key} of {party} to {item.partner}")
    return checked, wrong


def test_no_partner_sees_changes_or_gets_another_partys_objects(
    client, world, drivers_emsp, django_capture_on_commit_callbacks
):
    cases: list[str] = []
    for actor_name, owner_name in PAIRS:
        actor, owner = world[actor_name], world[owner_name]
        for action in ACTIONS:
            before = _state()
            owner.reservation.refresh_from_db()
            reservation_before = owner.reservation.status
            reached, answer = act(client, actor, owner, action)
            if action == "cancel reservation":  # the owner may have cancelled its own R-SAME in an earlier case
                reached = owner.reservation.status != reservation_before
            assert not reached, (actor_name, owner_name, action, answer)
            if action != "cancel reservation":  # the actor's own R-SAME ends the first time; nobody else's
                assert _state() == before, (actor_name, owner_name, action)
            cases.append(f"{actor_name}->{owner_name} {action}")
        for name, attempt in (
            ("unlock connector", lambda a=actor, o=owner: unlock_owners_connector(a, o)),
            ("claim role on PUT credentials", lambda a=actor, o=owner: claim_on_put(client, drivers_emsp, a, o)),
            ("claim role at registration", lambda a=actor, o=owner: claim_at_registration(client, drivers_emsp, a, o)),
        ):
            before = _state()
            reached, answer = attempt()
            assert not reached, (actor_name, owner_name, name, answer)
            assert _state() == before, (actor_name, owner_name, name)
            cases.append(f"{actor_name}->{owner_name} {name}")
    for side in world.values():
        side.reservation.refresh_from_db()
        assert side.reservation.status == "INVALID"  # each cancelled its own R-SAME, and only that

    # Pushes: more progress on every live session, then stop it: PATCH, PUT and the CDR go to its owner only.
    with django_capture_on_commit_callbacks(execute=True):
        for side in world.values():
            simulator = ChargerSimulator(evse=side.active.evse)
            session = simulator.charge(session=side.active, minutes=5, kw=Decimal(11))
            simulator.stop(session=session, at=session.accounted_until, reason="Stopped by the driver")
    pushed, wrong = _pushes_to_another_party()
    assert not wrong
    assert pushed >= 4 * 5  # per party at least: two sessions' PUTs, a CDR, the reservation's and others' results
    for name, side in world.items():
        pushed_to = {
            p.partner_id for p in OutboxItem.objects.filter(module="cdrs", object_key=f"cdrs/{side.cdr.ocpi_id}")
        }
        assert pushed_to == {side.partner.pk}, name

    expected = len(PAIRS) * (len(ACTIONS) + 3)
    print(
        f"\nISOLATION MATRIX {len(PARTIES)} partners, {len(PAIRS)} pairs, {len(cases)} cases "
        f"({len(ACTIONS) + 3} per pair), {pushed} pushes checked: 0 objects of another party visible, changed "
        "or pushed"
    )
    for case in cases:
        print(f"  refused: {case}")
    assert len(cases) == expected == 12 * 13
