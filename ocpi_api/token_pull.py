"""Pulling an eMSP's token list (OCPI 2.2.1 mod_tokens.asciidoc, Sender Interface): for partners that do not push, and
to repair our copy.

We GET the eMSP's Tokens Sender list page by page and merge each token exactly as if it had been pushed
(``token_input`` and ``token_put``, like the Receiver module): a token of a party the partner does not speak for is
refused, a token older than our copy leaves the copy as it is, and an invalid token is skipped and reported while the
rest of the list goes on. Tokens are never deleted (mod_tokens.asciidoc, Flow and Lifecycle), so a token missing from
the list stays as it is.

Incremental: every pull asks for ``date_to`` = the time it started. A pull that read the whole list stores that time,
and the next pull asks from it (minus ``CLOCK_MARGIN``, for clocks that disagree). A pull that failed or stopped part
way keeps what it stored but not the time, so the next pull reads that window again.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ValidationError

from .core.client import OcpiClientError
from .core.envelope import format_datetime
from .core.exceptions import field_errors
from .core.pull import ListReader
from .core.status import InterfaceRole, ModuleID
from .core.v211 import is_211, named_as_211
from .core.v211.tokens import token_from_211
from .driver_tokens import NotYourParty, token_put
from .models import Partner
from .modules.tokens.serializers import token_input
from .services import partner_client, partner_routing

logger = logging.getLogger(__name__)

PAGE_SIZE = 500  # what we ask for; the eMSP's X-Limit may make pages smaller
MAX_PAGES = 1000
CLOCK_MARGIN = timedelta(minutes=5)
SKIPS_KEPT = 25  # skipped tokens listed with their reason in the stored result; all are counted


@dataclass(frozen=True)
class SkippedToken:
    uid: str
    reason: str


@dataclass
class TokenPullResult:
    started_at: datetime
    date_from: datetime | None
    pages: int = 0
    received: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    skips: list[SkippedToken] = field(default_factory=list)
    complete: bool = False
    problem: str = ""  # why the pull failed or stopped part way; empty when it read the whole list

    def skip(self, uid: str, reason: str) -> None:
        self.skipped += 1
        if len(self.skips) < SKIPS_KEPT:
            self.skips.append(SkippedToken(uid, reason[:255]))

    def summary(self) -> str:
        counts = (
            f"{self.pages} page(s), {self.received} token(s): "
            f"{self.created} new, {self.updated} updated, {self.skipped} skipped."
        )
        return f"{counts} {self.problem}" if self.problem else counts

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = format_datetime(self.started_at)
        data["date_from"] = format_datetime(self.date_from) if self.date_from else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenPullResult:
        started_at = parse_datetime(data["started_at"])
        if started_at is None:
            raise ValueError(f"Not a date-time: {data['started_at']!r}")
        return cls(
            **{
                **data,
                "started_at": started_at,
                "date_from": parse_datetime(data["date_from"]) if data["date_from"] else None,
                "skips": [SkippedToken(**skip) for skip in data["skips"]],
            }
        )


def partners_to_pull() -> list[int]:
    """Registered partners that advertise a Tokens Sender endpoint."""
    registered = Partner.objects.filter(status=Partner.Status.REGISTERED).exclude(outbound_token="")
    return [partner.pk for partner in registered if partner.endpoint_url(ModuleID.TOKENS, InterfaceRole.SENDER)]


def tokens_pull_last(*, partner: Partner) -> TokenPullResult | None:
    return TokenPullResult.from_json(partner.tokens_pull) if partner.tokens_pull else None


def partner_tokens_pull(partner_id: int, *, since: datetime | None = None) -> TokenPullResult:
    """Read the partner's token list changed since ``since`` (default: since the last complete pull, or all of it)
    and merge it into our copy. Never raises for what the partner sends or fails to send: the result says it, and is
    stored on the partner for the staff page. Must run outside a transaction, like every call to a partner."""
    partner = Partner.objects.get(pk=partner_id)
    resume_from = partner.tokens_pulled_at - CLOCK_MARGIN if partner.tokens_pulled_at else None
    result = TokenPullResult(started_at=timezone.now(), date_from=since or resume_from)
    url = partner.endpoint_url(ModuleID.TOKENS, InterfaceRole.SENDER)
    if not partner.is_registered or not partner.outbound_token:
        result.problem = f"{partner} is not registered, so we have no token to call it with."
    elif not url:
        result.problem = (
            f"{partner} advertises no Tokens Sender endpoint, so there is no token list to pull; "
            "it can only push its tokens to us. Test connection reads its endpoints again."
        )
    else:
        _pull(partner, url, result)
    # An explicit ``since`` after our mark leaves a gap before it: only a window that reaches back to the mark moves it.
    covers_mark = since is None or (resume_from is not None and since <= resume_from)
    Partner.objects.filter(pk=partner.pk).update(tokens_pull=result.as_json())
    if result.complete:
        partner.mark_success()
    if result.complete and covers_mark:
        Partner.objects.filter(Q(tokens_pulled_at__isnull=True) | Q(tokens_pulled_at__lt=result.started_at)).filter(
            pk=partner.pk
        ).update(tokens_pulled_at=result.started_at)
    log = logger.info if result.complete else logger.warning
    log("Token pull from %s: %s", partner, result.summary())
    return result


def _pull(partner: Partner, url: str, result: TokenPullResult) -> None:
    params = {"limit": str(PAGE_SIZE), "date_to": format_datetime(result.started_at)}
    if result.date_from is not None:
        params["date_from"] = format_datetime(result.date_from)
    reader = ListReader(
        partner_client(partner=partner),
        url,
        params=params,
        routing=partner_routing(partner=partner),
        max_pages=MAX_PAGES,
    )
    try:
        for page in reader.pages():
            result.pages = page.number
            for item in page.items:
                _merge(partner, item, result)
    except OcpiClientError as error:
        kept = " What the pages before brought is kept." if result.pages else ""
        result.problem = f"Page {result.pages + 1} failed: {error}.{kept}"
        return
    result.problem = reader.incomplete
    result.complete = not reader.incomplete


def _merge(partner: Partner, item: Any, result: TokenPullResult) -> None:
    result.received += 1
    uid = str(item.get("uid") or "(no uid)")[:36] if isinstance(item, dict) else "(not an object)"

    def skip(reason: str) -> None:
        logger.warning("Token pull from %s skipped token %s: %s", partner, uid, reason)
        result.skip(uid, reason)

    try:
        if is_211(partner.version) and isinstance(item, dict):
            # 2.1.1 tokens name no party (mod_tokens.md §3.2): they are the partner's own.
            item = token_from_211(item, country_code=partner.country_code, party_id=partner.party_id)
            with named_as_211({"contract_id": "auth_id"}):
                data = token_input(item)
        else:
            data = token_input(item)
    except ValidationError as error:
        skip(f"invalid: {'; '.join(field_errors(error.detail))}")
        return
    try:
        write = token_put(partner=partner, data=data)  # type: ignore[arg-type]
    except NotYourParty:
        party = f"{data['country_code'].upper()}*{data['party_id'].upper()}"
        skip(f"refused: party {party} is not one of {partner}'s parties")
        return
    if not write.applied:
        theirs, ours = format_datetime(data["last_updated"]), format_datetime(write.token.last_updated)
        skip(f"older than our copy (their last_updated {theirs}, ours {ours}); ours kept")
    elif write.created:
        result.created += 1
    else:
        result.updated += 1
