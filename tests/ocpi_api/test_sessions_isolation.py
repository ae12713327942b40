"""Isolation between eMSPs, the whole matrix: partner A never sees, pulls or changes partner B's tokens, sessions,
CDRs or reservations, and B never A's, through any of the tokens, sessions, CDRs and commands endpoints. The same
actions on one's own objects work, so every refusal below is about ownership."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from billing.models import Cdr
from chargepoints.models import ChargingSession
from ocpi_api.core.envelope import format_datetime
from ocpi_api.models import EmspToken, Partner

from .conftest import auth
from .drivers import Commands, charged_session, registered_partner, roaming_station, token_body

pytestmark = pytest.mark.django_db
BASE = "/ocpi/cpo/2.2.1"
PARTIES = {"A": ("NL", "EMA"), "B": ("DE", "EMB")}


@dataclass
class Side:
    partner: Partner
    token: str
    commands: Commands
    uid: str
    active: ChargingSession
    cdr: Cdr
    reservation: ChargingSession

    @property
    def party(self) -> tuple[str, str]:
        return self.partner.country_code, self.partner.party_id

    def token_url(self) -> str:
        return f"{BASE}/tokens/{self.party[0]}/{self.party[1]}/{self.uid}"

    def token_body(self, **changes: Any) -> dict[str, Any]:
        return token_body(self.uid, country_code=self.party[0], party_id=self.party[1], **changes)


def build_world(
    client, emsp, capture_on_commit, parties: dict[str, tuple[str, str]], *, cards: int = 1
) -> dict[str, Side]:
    """Per party: a registered eMSP that pushed ``cards`` tokens, with a finished session (and its CDR), a live one
    and a reservation, all made through the real services; the first card is the one the sessions use."""
    sides = {}
    for name, (country_code, party_id) in parties.items():
        partner, token = registered_partner(emsp, country_code=country_code, party_id=party_id)
        commands = Commands(client, token, emsp, capture_on_commit)
        uid = f"CARD-{name}"
        for card in [uid, *(f"{uid}-{n}" for n in range(2, cards + 1))]:
            body = token_body(card, country_code=country_code, party_id=party_id)
            put = client.put(
                f"{BASE}/tokens/{country_code}/{party_id}/{card}", body, content_type="application/json", **auth(token)
            )
            assert put.status_code == 201
        with capture_on_commit(execute=True):
            completed = charged_session(roaming_station(), partner, uid=uid, minutes=10)
            active = charged_session(
                roaming_station(), partner, uid=uid, minutes=10, stop=False, start=timezone.now() - timedelta(hours=1)
            )
        evse = roaming_station()
        reserve = {
            "token": token_body(uid, country_code=country_code, party_id=party_id),
            "expiry_date": format_datetime(timezone.now() + timedelta(hours=1)),
            "reservation_id": "R-SAME",  # every eMSP uses the same id: it must stay theirs
            "location_id": evse.location.ocpi_id,
            "evse_uid": evse.uid,
        }
        assert commands.post("RESERVE_NOW", reserve)[0]["data"]["result"] == "ACCEPTED"
        reservation = ChargingSession.objects.get(evse=evse)
        sides[name] = Side(partner, token, commands, uid, active, Cdr.objects.get(session=completed), reservation)
    return sides


@pytest.fixture
def world(client, drivers_emsp, django_capture_on_commit_callbacks) -> dict[str, Side]:
    return build_world(client, drivers_emsp, django_capture_on_commit_callbacks, PARTIES)


def _state() -> list[object]:
    tokens = list(EmspToken.objects.order_by("id").values_list("uid", "valid", "whitelist", "last_updated"))
    sessions = list(ChargingSession.objects.order_by("id").values_list("ocpi_id", "status", "kwh"))
    return [tokens, sessions, Cdr.objects.count()]


def act(client, actor: Side, owner: Side, action: str) -> tuple[bool, object]:
    """Do ``action`` as ``actor`` on ``owner``'s object. Returns (whether it reached the object, the answer)."""
    headers = auth(actor.token)
    if action == "get token":
        response = client.get(owner.token_url(), **headers)
        return response.status_code == 200, response.json()
    if action == "put token":
        body = owner.token_body(valid=False, last_updated="2030-01-01T00:00:00Z")
        response = client.put(owner.token_url(), body, content_type="application/json", **headers)
        return response.json()["status_code"] == 1000, response.json()
    if action == "patch token":
        body = {"whitelist": "ALWAYS", "last_updated": "2030-01-01T00:00:00Z"}
        response = client.patch(owner.token_url(), body, content_type="application/json", **headers)
        return response.json()["status_code"] == 1000, response.json()
    if action == "pull sessions":
        response = client.get(f"{BASE}/sessions?date_from=2000-01-01T00:00:00Z", **headers)
        ids = {s["id"] for s in response.json()["data"]}
        return bool(ids & {owner.active.ocpi_id, owner.reservation.ocpi_id}), ids
    if action == "pull cdrs":
        response = client.get(f"{BASE}/cdrs", **headers)
        ids = {c["id"] for c in response.json()["data"]}
        return owner.cdr.ocpi_id in ids, ids
    if action == "charging preferences":
        url = f"{BASE}/sessions/{owner.active.ocpi_id}/charging_preferences"
        response = client.put(url, {"profile_type": "FAST"}, content_type="application/json", **headers)
        # Our stations cannot take preferences: reaching the session gives 2001, not reaching it 2000.
        return response.json()["status_code"] == 2001, response.json()
    if action == "stop session":
        envelope, results = actor.commands.post("STOP_SESSION", {"session_id": owner.active.ocpi_id})
        return envelope["data"]["result"] == "ACCEPTED", (envelope, results)
    if action == "cancel reservation":
        envelope, results = actor.commands.post("CANCEL_RESERVATION", {"reservation_id": "R-SAME"})
        owner.reservation.refresh_from_db()
        return owner.reservation.status != "RESERVATION", (envelope, results)
    if action == "start with token":
        evse = roaming_station()
        body = {"token": owner.token_body(), "location_id": evse.location.ocpi_id, "evse_uid": evse.uid}
        envelope, results = actor.commands.post("START_SESSION", body)
        return envelope["data"]["result"] == "ACCEPTED", (envelope, results)
    if action == "reserve with token":
        evse = roaming_station()
        body = {
            "token": owner.token_body(),
            "expiry_date": format_datetime(timezone.now() + timedelta(hours=1)),
            "reservation_id": "R-NEW",
            "location_id": evse.location.ocpi_id,
            "evse_uid": evse.uid,
        }
        envelope, results = actor.commands.post("RESERVE_NOW", body)
        return envelope["data"]["result"] == "ACCEPTED", (envelope, results)
    raise AssertionError(action)


ACTIONS = [
    "get token",
    "put token",
    "patch token",
    "pull sessions",
    "pull cdrs",
    "charging preferences",
    "stop session",
    "cancel reservation",
    "start with token",
    "reserve with token",
]


@pytest.mark.parametrize(("actor", "owner"), [("A", "B"), ("B", "A")])
def test_a_partner_never_reaches_the_other_partners_objects(client, world, actor, owner):
    for action in ACTIONS:
        before = _state()
        reached, answer = act(client, world[actor], world[owner], action)
        assert not reached, (action, answer)
        if action != "cancel reservation":
            assert _state() == before, action
    # Cancelling "R-SAME" ended the actor's own reservation, and only that.
    world[actor].reservation.refresh_from_db()
    world[owner].reservation.refresh_from_db()
    assert (world[actor].reservation.status, world[owner].reservation.status) == ("INVALID", "RESERVATION")


def test_the_same_actions_on_ones_own_objects_reach_them(client, world):
    for action in ACTIONS:
        reached, answer = act(client, world["A"], world["A"], action)
        assert reached, (action, answer)
