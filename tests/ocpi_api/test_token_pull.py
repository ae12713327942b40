"""Pulling an eMSP's token list (OCPI 2.2.1 mod_tokens.asciidoc, Sender Interface) from a real loopback eMSP that serves
a paginated Tokens Sender list."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.celery import app
from ocpi_api import tasks, token_pull
from ocpi_api.core.envelope import format_datetime
from ocpi_api.grants import party_grant, party_holder
from ocpi_api.models import EmspToken, Partner
from tests.browser import log_in
from tests.factories import finance_user, make_partner, operations_user
from tests.loopback import LoopbackServer, Reply, Request, envelope, token_in

OUR_TOKEN = "token-c-the-emsp-gave-us"
ROLES = [
    {"role": "EMSP", "country_code": "NL", "party_id": "EMS", "business_details": {"name": "Test eMSP"}},
    {"role": "EMSP", "country_code": "NL", "party_id": "EM2", "business_details": {"name": "Test eMSP two"}},
]


def token(uid: str, *, party: str = "EMS", last_updated: str = "2024-05-01T10:00:00Z", **fields: Any) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": party,
        "uid": uid,
        "type": "RFID",
        "contract_id": f"NL-EMS-C{uid}",
        "issuer": "Test eMSP",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": last_updated,
        **fields,
    }


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


@dataclass
class Asked:
    query: dict[str, str]  # each parameter's first value
    headers: dict[str, str]


@dataclass
class TokenSender(LoopbackServer):
    """An eMSP's Tokens Sender: GET {url}?date_from&date_to&offset&limit, oldest first, at most ``page_size`` a page
    (its X-Limit), with Link, X-Total-Count and X-Limit. ``link`` replaces its Link for a broken eMSP (page number →
    header value); ``fail_at_offset`` answers HTTP 500 there; ``on_request`` runs before each answer."""

    tokens: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    link: Callable[[int], str] | None = None
    fail_at_offset: int | None = None
    on_request: Callable[[TokenSender], None] | None = None
    requests: list[Asked] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.base_url}/ocpi/emsp/2.2.1/tokens"

    def answer(self, request: Request) -> Reply:
        if request.method != "GET" or request.route != urlsplit(self.url).path:
            return Reply(404, envelope(2000, message="Unknown"))
        query = {name: values[0] for name, values in request.query.items()}
        self.requests.append(Asked(query, request.headers))
        if self.on_request is not None:
            self.on_request(self)
        if not token_in(request.headers.get("Authorization", ""), {OUR_TOKEN}, raw=False):
            return Reply(401, envelope(2000, message="Unauthorized"))
        offset, limit = int(query.get("offset", 0)), min(int(query.get("limit", 1000)), self.page_size)
        if offset == self.fail_at_offset:
            return Reply(500, envelope(3000, message="Database on fire"))
        window = [
            t
            for t in sorted(self.tokens, key=lambda t: t["last_updated"])
            if ("date_from" not in query or _parse(t["last_updated"]) >= _parse(query["date_from"]))
            and ("date_to" not in query or _parse(t["last_updated"]) < _parse(query["date_to"]))
        ]
        page = window[offset : offset + limit]
        headers = {"X-Total-Count": str(len(window)), "X-Limit": str(self.page_size)}
        if self.link is not None:
            headers["Link"] = self.link(len(self.requests))
        elif offset + limit < len(window):
            headers["Link"] = (
                f'<{self.url}?{urlencode({**query, "offset": offset + limit, "limit": limit})}>; rel="next"'
            )
        return Reply(200, envelope(1000, data=page), headers)


@pytest.fixture
def sender() -> Iterator[TokenSender]:
    server = TokenSender().start()
    yield server
    server.stop()


def pulling_partner(sender: TokenSender, **fields: Any) -> Partner:
    defaults: dict[str, Any] = {
        "roles": ROLES,
        "outbound_token": OUR_TOKEN,
        "endpoints": [
            {"identifier": "credentials", "role": "SENDER", "url": "http://127.0.0.1:9/ocpi/2.2.1/credentials"},
            {"identifier": "tokens", "role": "SENDER", "url": sender.url},
        ],
    }
    partner = make_partner(**{**defaults, **fields})[0]
    # Its second role is a party staff granted it too: roles alone would not let it act for EM2.
    if party_holder(country_code="NL", party_id="EM2") is None:
        party_grant(partner=partner, country_code="NL", party_id="EM2", reason="Second brand", granted_by="tests")
    return partner


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/ocpi/emsp/2.2.1/tokens"


def stored(uid: str) -> EmspToken:
    return EmspToken.objects.get(uid=uid)


@pytest.mark.django_db
def test_pages_through_the_whole_list_by_link(sender) -> None:
    sender.tokens = [token(f"UID{n}", last_updated=f"2024-05-0{n}T10:00:00Z") for n in range(1, 6)]
    partner = pulling_partner(sender)

    result = token_pull.partner_tokens_pull(partner.pk)

    assert (result.pages, result.received, result.created, result.updated, result.skipped) == (3, 5, 5, 0, 0)
    assert result.complete
    assert result.problem == ""
    assert set(EmspToken.objects.filter(partner=partner).values_list("uid", flat=True)) == {
        f"UID{n}" for n in range(1, 6)
    }
    first, *rest = sender.requests
    assert first.query == {"limit": "500", "date_to": format_datetime(result.started_at)}
    # The next pages are the eMSP's Link URLs: its page size (X-Limit 2), our filters kept.
    assert [(r.query["offset"], r.query["limit"], r.query["date_to"]) for r in rest] == [
        ("2", "2", first.query["date_to"]),
        ("4", "2", first.query["date_to"]),
    ]
    assert first.headers["OCPI-to-party-id"] == "EMS"
    assert first.headers["X-Request-ID"]
    partner.refresh_from_db()
    assert partner.tokens_pulled_at == result.started_at
    assert partner.tokens_pull["created"] == 5
    assert partner.last_success_at is not None
    assert partner.last_success_at >= result.started_at  # the partner page shows the pull as a successful call


@pytest.mark.django_db
def test_the_next_pull_asks_only_for_changes_since_the_last_one(sender) -> None:
    sender.tokens = [token("OLD1"), token("OLD2")]
    partner = pulling_partner(sender)
    first = token_pull.partner_tokens_pull(partner.pk)
    assert first.created == 2

    # Changed at the eMSP a minute before our first pull started, by its clock: inside the margin for clock skew.
    changed = format_datetime(first.started_at - timedelta(minutes=1))
    sender.tokens = [
        token("OLD1"),
        token("OLD2", valid=False, last_updated=changed),
        token("NEW3", last_updated=changed),
    ]
    sender.requests.clear()
    second = token_pull.partner_tokens_pull(partner.pk)

    asked_from = _parse(sender.requests[0].query["date_from"])
    assert abs(asked_from - (first.started_at - token_pull.CLOCK_MARGIN)) < timedelta(milliseconds=1)
    assert (second.received, second.created, second.updated) == (2, 1, 1)
    assert stored("OLD2").valid is False
    assert stored("NEW3").contract_id == "NL-EMS-CNEW3"
    partner.refresh_from_db()
    assert partner.tokens_pulled_at == second.started_at

    # An explicit ``since`` later than our mark leaves a gap before it, so the mark stays.
    later = token_pull.partner_tokens_pull(partner.pk, since=timezone.now() - timedelta(seconds=1))
    assert later.complete
    partner.refresh_from_db()
    assert partner.tokens_pulled_at == second.started_at


@pytest.mark.django_db
def test_a_token_of_a_party_that_is_not_the_partners_is_refused(sender) -> None:
    sender.tokens = [token("MINE1"), token("MINE2", party="EM2"), {**token("THEIRS"), "country_code": "DE"}]
    partner = pulling_partner(sender)

    result = token_pull.partner_tokens_pull(partner.pk)

    assert (result.received, result.created, result.skipped) == (3, 2, 1)
    assert result.complete
    assert result.skips[0].uid == "THEIRS"
    assert "party DE*EMS is not one of" in result.skips[0].reason
    assert not EmspToken.objects.filter(uid="THEIRS").exists()
    assert stored("MINE2").party_id == "EM2"


@pytest.mark.django_db
def test_an_invalid_token_is_skipped_with_the_field_named(sender) -> None:
    no_contract = token("NOCONTRACT")
    del no_contract["contract_id"]
    sender.tokens = [
        token("GOOD1"),
        token("BADLIST", whitelist="SOMETIMES"),
        no_contract,
        token("BADENERGY", energy_contract={"contract_id": "X"}),
    ]
    partner = pulling_partner(sender)

    result = token_pull.partner_tokens_pull(partner.pk)

    assert (result.received, result.created, result.skipped) == (4, 1, 3)
    assert result.complete
    reasons = {skip.uid: skip.reason for skip in result.skips}
    assert reasons["BADLIST"].startswith("invalid: whitelist: ")
    assert reasons["NOCONTRACT"].startswith("invalid: contract_id: ")
    assert reasons["BADENERGY"].startswith("invalid: energy_contract.supplier_name: ")
    assert list(EmspToken.objects.values_list("uid", flat=True)) == ["GOOD1"]
    assert Partner.objects.get(pk=partner.pk).tokens_pull["skips"][0]["uid"] == "BADLIST"


@pytest.mark.django_db
def test_an_older_remote_copy_does_not_overwrite_a_newer_local_one(sender) -> None:
    partner = pulling_partner(sender)
    EmspToken.objects.create(
        partner=partner,
        **{**token("CARD1", last_updated="2024-06-01T00:00:00Z"), "contract_id": "PUSHED-LATER"},
    )
    sender.tokens = [token("card1", last_updated="2024-01-01T00:00:00Z", valid=False)]

    result = token_pull.partner_tokens_pull(partner.pk)

    assert (result.received, result.created, result.updated, result.skipped) == (1, 0, 0, 1)
    assert "older than our copy" in result.skips[0].reason
    card = stored("CARD1")
    assert (card.contract_id, card.valid) == ("PUSHED-LATER", True)


@pytest.mark.django_db
def test_a_partner_without_a_tokens_sender_endpoint_gets_a_clear_message(sender) -> None:
    partner = pulling_partner(
        sender, endpoints=[{"identifier": "locations", "role": "RECEIVER", "url": "http://127.0.0.1:9/locations"}]
    )

    result = token_pull.partner_tokens_pull(partner.pk)

    assert not result.complete
    assert "advertises no Tokens Sender endpoint" in result.problem
    assert sender.requests == []
    partner.refresh_from_db()
    assert partner.tokens_pulled_at is None
    assert "no Tokens Sender endpoint" in partner.tokens_pull["problem"]


@pytest.mark.django_db
def test_an_unreachable_emsp_loses_nothing(sender) -> None:
    mark = timezone.now() - timedelta(days=1)
    partner = pulling_partner(sender, tokens_pulled_at=mark)
    partner.endpoints = [{"identifier": "tokens", "role": "SENDER", "url": closed_port_url()}]
    partner.save()
    EmspToken.objects.create(partner=partner, **token("KEPT"))

    result = token_pull.partner_tokens_pull(partner.pk)

    assert not result.complete
    assert result.problem.startswith("Page 1 failed: Could not reach http://127.0.0.1:")
    assert stored("KEPT").valid
    partner.refresh_from_db()
    assert partner.tokens_pulled_at == mark


@pytest.mark.django_db
def test_a_failure_part_way_keeps_the_pages_read_and_the_old_mark(sender) -> None:
    sender.tokens = [token(f"UID{n}", last_updated=f"2024-05-0{n}T10:00:00Z") for n in range(1, 6)]
    sender.fail_at_offset = 2
    partner = pulling_partner(sender)

    result = token_pull.partner_tokens_pull(partner.pk)

    assert (result.pages, result.created) == (1, 2)
    assert result.problem.startswith("Page 2 failed: ")
    assert "HTTP 500" in result.problem
    assert EmspToken.objects.count() == 2
    partner.refresh_from_db()
    assert partner.tokens_pulled_at is None


@pytest.mark.django_db
def test_a_broken_link_stops_the_pull_safely(sender, monkeypatch) -> None:
    sender.tokens = [token(f"UID{n}", last_updated=f"2024-05-0{n}T10:00:00Z") for n in range(1, 6)]
    partner = pulling_partner(sender)

    # Back to the first page, with its parameters in another order.
    sender.link = lambda n: f'<{sender.url}?date_to={sender.requests[0].query["date_to"]}&limit=500>; rel="next"'
    looped = token_pull.partner_tokens_pull(partner.pk)
    assert (looped.pages, looped.complete) == (1, False)
    assert "leads back to a page already read" in looped.problem

    # Another server would get our token.
    sender.requests.clear()
    sender.link = lambda n: '<http://emsp.invalid/tokens?offset=2>; rel="next"'
    elsewhere = token_pull.partner_tokens_pull(partner.pk)
    assert (elsewhere.pages, len(sender.requests)) == (1, 1)
    assert "points to another server" in elsewhere.problem

    # No Link although X-Total-Count announced more.
    sender.link = lambda n: ""
    cut_short = token_pull.partner_tokens_pull(partner.pk)
    assert (cut_short.pages, cut_short.received) == (1, 2)
    assert "They announced 5 objects (X-Total-Count) but sent 2." in cut_short.problem

    # A Link that never ends.
    sender.link = lambda n: f'<{sender.url}?offset={n * 2}&limit=2>; rel="next"'
    monkeypatch.setattr(token_pull, "MAX_PAGES", 3)
    endless = token_pull.partner_tokens_pull(partner.pk)
    assert endless.pages == 3
    assert "page limit" in endless.problem
    partner.refresh_from_db()
    assert partner.tokens_pulled_at is None


@pytest.mark.django_db
def test_a_list_that_shrinks_while_read_is_read_again_next_time(sender) -> None:
    sender.tokens = [token(f"UID{n}", last_updated=f"2024-05-0{n}T10:00:00Z") for n in range(1, 6)]

    def move_one_out(emsp: TokenSender) -> None:
        if len(emsp.requests) == 2:  # after the first page, UID1 changes and leaves the window
            emsp.tokens[0] = token("UID1", last_updated="2099-01-01T00:00:00Z")

    sender.on_request = move_one_out
    partner = pulling_partner(sender)

    result = token_pull.partner_tokens_pull(partner.pk)

    assert not result.complete
    assert "X-Total-Count went from 5 to 4" in result.problem
    partner.refresh_from_db()
    assert partner.tokens_pulled_at is None


@pytest.mark.django_db
def test_tasks_and_the_schedule(sender) -> None:
    sender.tokens = [token("UID1"), token("UID2")]
    partner = pulling_partner(sender)
    pulling_partner(sender, country_code="DE", party_id="XYZ", roles=[], status=Partner.Status.UNREGISTERED)
    pulling_partner(sender, country_code="BE", party_id="NOP", roles=[], endpoints=[])

    assert tasks.tokens_pull_all_task() == 1
    assert EmspToken.objects.filter(partner=partner).count() == 2
    tasks.tokens_pull_task(partner.pk)  # again: nothing new, nothing doubled
    assert EmspToken.objects.count() == 2
    assert Partner.objects.get(pk=partner.pk).tokens_pull["created"] == 0

    schedule = PeriodicTask.objects.get(name="OCPI: pull eMSP token lists")
    assert schedule.enabled
    assert (schedule.interval.every, schedule.interval.period) == (1, "hours")
    assert schedule.task in app.tasks


@pytest.mark.django_db
def test_pull_tokens_button(client, sender, django_capture_on_commit_callbacks) -> None:
    sender.tokens = [token("UID1"), token("BAD", whitelist="SOMETIMES")]
    partner = pulling_partner(sender)
    url = f"/partners/{partner.pk}/pull-tokens/"

    assert client.post(url).status_code == 302  # to the login page
    client.force_login(finance_user())
    assert client.post(url).status_code == 403
    assert sender.requests == []

    client.force_login(operations_user())
    before = client.get(f"/partners/{partner.pk}/").content.decode()
    assert "Pull tokens" in before
    assert "Never pulled." in before
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Token pull started" in page
    card = page[page.index('id="token-pull"') :]
    assert re.search(r"Pages / tokens</dt><dd[^>]*>1 / 2<", card)
    assert re.search(r"New / updated</dt><dd[^>]*>1 / 0<", card)
    assert "<code>BAD</code> invalid: whitelist:" in card
    assert "The next pull asks for changes since" in card
    assert stored("UID1").partner == partner


SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_staff_pull_tokens_in_a_browser(live_server, page, sender) -> None:
    sender.tokens = [
        token("04A1B2C3D4", last_updated="2024-05-01T10:00:00Z"),
        token("04E5F6A7B8", party="EM2", last_updated="2024-05-02T10:00:00Z"),
        {**token("04FOREIGN1", last_updated="2024-05-03T10:00:00Z"), "country_code": "DE"},
        token("04BADTYPE1", whitelist="SOMETIMES", last_updated="2024-05-04T10:00:00Z"),
        token("04C0FFEE00", last_updated="2024-05-05T10:00:00Z"),
    ]
    partner = pulling_partner(sender)
    operations_user()
    log_in(page, f"{live_server.url}/partners/{partner.pk}/", "ops")
    page.click("text=Pull tokens")
    page.wait_for_selector("text=Token pull started")
    card = page.locator("#token-pull").inner_text()
    assert "3 / 5" in card  # pages / tokens
    assert "04FOREIGN1" in card
    assert "04BADTYPE1" in card
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "partner_token_pull.png"), full_page=True)
