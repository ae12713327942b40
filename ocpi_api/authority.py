"""The token authority of the station domain, answered from eMSP tokens (OCPI 2.2.1 mod_tokens.asciidoc, Token Object;
real-time authorization).

Registered in ``OcpiApiConfig.ready()``. How a token presented at a charger is decided:

* Unknown to us (no eMSP pushed it): refused. We do not spread a driver's card number over every partner to find
  its owner. Only copies of parties granted to a partner count (``selectors.token_copies``): a party whose grant was
  revoked has nobody to speak for it, so its tokens no longer charge.
* The same uid (and type) under more than one party: refused, whatever each copy says, and recorded as a CONFLICT
  that the staff token page lists. A charger reads only the uid, so it cannot tell whose card it is: a token's
  identity is (country_code, party_id, uid), and no eMSP's copy may decide for another's card. Because no copy
  decides, neither eMSP can flip the outcome (valid or not, newer ``last_updated`` or not); their drivers still start
  through their eMSP's app, whose START_SESSION names the full token. Staff resolve a conflict with the eMSPs; a
  revoked grant takes that party's copy out.
* ``ALWAYS``: decided on our copy, never asked in real time.
* ``ALLOWED``: decided on our copy; if the partner has ``realtime_authorization`` set, the eMSP is asked first and
  our copy only decides when it cannot answer.
* ``ALLOWED_OFFLINE``: the eMSP is asked; when it cannot answer, our copy decides (so a valid token charges).
* ``NEVER``: the eMSP is asked; when it cannot answer, the token is refused.
* Our copy refuses a token the eMSP marked ``valid: false``. In real time, whatever the eMSP answers other than
  ALLOWED (BLOCKED, EXPIRED, NO_CREDIT, NOT_ALLOWED, unknown token, not enough information) refuses it, as does an
  ALLOWED restricted to other EVSEs of the location.

"Cannot answer" means: no registered partner with a Tokens Sender endpoint, no connection, no answer within
``OCPI_REALTIME_AUTHORIZATION_TIMEOUT`` (connect, read; 2 s and 3 s by default: a driver is waiting at the charger),
an HTTP 5xx or OCPI 3xxx, or an answer that is not an AuthorizationInfo (garbage). Every decision is recorded as an
``AuthorizationRecord`` with its reason, for the staff token page.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.conf import settings
from rest_framework.exceptions import ValidationError

from chargepoints.authorization import AuthMethod, AuthorizationDecision, DriverToken, WhitelistType
from chargepoints.enums import TokenType

from .core.client import OcpiClient, OcpiClientError, join_url
from .core.headers import Party, Routing
from .core.status import InterfaceRole, ModuleID, OcpiStatus
from .models import AuthorizationRecord, EmspToken, Partner
from .modules.tokens.serializers import authorization_info
from .selectors import partners_for_party, token_copies, token_get

if TYPE_CHECKING:
    from chargepoints.models import EVSE, Location

logger = logging.getLogger(__name__)
Source = AuthorizationRecord.Source


@dataclass(frozen=True)
class RealTimeAnswer:
    """What the eMSP said. ``allowed_type`` is None when it could not answer; "UNKNOWN" when it does not know the
    token (HTTP 404 or OCPI 2004) and "NOT_ENOUGH_INFORMATION" for OCPI 2002."""

    allowed_type: str | None
    exchange: str
    authorization_reference: str | None = None
    evse_uids: list[str] = field(default_factory=list)
    info: str = ""


@dataclass(frozen=True)
class _Outcome:
    decision: AuthorizationDecision
    source: str
    allowed_type: str = ""
    exchange: str = ""


def realtime_timeout() -> tuple[float, float]:
    connect, read = settings.OCPI_REALTIME_AUTHORIZATION_TIMEOUT
    return float(connect), float(read)


def ask_emsp(*, partner: Partner, token: EmspToken, location: Location, evse: EVSE) -> RealTimeAnswer:
    """POST {eMSP tokens}/{uid}/authorize?type= with LocationReferences for this EVSE."""
    base = partner.endpoint_url(ModuleID.TOKENS, InterfaceRole.SENDER)
    if not partner.is_registered or not base or not partner.outbound_token:
        return RealTimeAnswer(None, f"{partner} is not registered or has no Tokens Sender endpoint to ask")
    url = join_url(base, quote(token.uid, safe=""), "authorize")
    client = OcpiClient(
        token=partner.outbound_token, base64_header=partner.auth_header_base64, timeout=realtime_timeout()
    )
    routing = Routing(from_party=Party.ours(), to_party=Party(token.country_code, token.party_id))
    body = {"location_id": location.ocpi_id, "evse_uids": [evse.uid]}
    started = time.monotonic()

    def took() -> str:
        return f"{(time.monotonic() - started) * 1000:.0f} ms"

    try:
        reply = client.post(url, body, params={"type": token.type}, routing=routing)
    except OcpiClientError as error:
        if error.http_status == 404 or error.status_code == OcpiStatus.UNKNOWN_TOKEN:
            return RealTimeAnswer("UNKNOWN", f"HTTP {error.http_status}, OCPI {error.status_code} in {took()}")
        if error.status_code == OcpiStatus.NOT_ENOUGH_INFORMATION:
            return RealTimeAnswer("NOT_ENOUGH_INFORMATION", f"OCPI 2002 in {took()}")
        return _failed(token, f"{error} (after {took()})")
    try:
        info: dict[str, Any] = authorization_info(reply.data)
    except ValidationError as error:
        return _failed(token, f"HTTP {reply.http_status}, answer is no AuthorizationInfo: {error.detail}")
    location_refs = info.get("location") or {}
    return RealTimeAnswer(
        info["allowed"],
        f"HTTP {reply.http_status}, OCPI {reply.status_code}, {info['allowed']} in {took()}",
        authorization_reference=info.get("authorization_reference") or None,
        evse_uids=list(location_refs.get("evse_uids") or []),
        info=(info.get("info") or {}).get("text", ""),
    )


def _failed(token: EmspToken, exchange: str) -> RealTimeAnswer:
    logger.warning("Real-time authorization of token %s failed: %s", token, exchange)
    return RealTimeAnswer(None, exchange[:255])


def _local(token: EmspToken, *, source: str, prefix: str = "", exchange: str = "") -> _Outcome:
    facts = token.facts()
    if not token.valid:
        reason = f"{prefix}the eMSP marked the token invalid"
        return _Outcome(AuthorizationDecision(allowed=False, reason=reason, token=facts), source, exchange=exchange)
    reason = f"{prefix}whitelist {token.whitelist}: valid on our copy of the eMSP's token"
    decision = AuthorizationDecision(allowed=True, reason=reason, auth_method=AuthMethod.WHITELIST, token=facts)
    return _Outcome(decision, source, exchange=exchange)


def _from_answer(answer: RealTimeAnswer, facts: DriverToken, evse: EVSE) -> _Outcome:
    allowed_type = str(answer.allowed_type)
    info = f" ({answer.info})" if answer.info else ""
    if allowed_type == "ALLOWED" and answer.evse_uids and evse.uid not in answer.evse_uids:
        reason = f"the eMSP allows the token only at other EVSEs of this location{info}"
        allowed = False
    elif allowed_type == "ALLOWED":
        reason = f"the eMSP allowed the token in real time{info}"
        allowed = True
    elif allowed_type == "UNKNOWN":
        reason = "the eMSP does not know this token"
        allowed = False
    elif allowed_type == "NOT_ENOUGH_INFORMATION":
        reason = "the eMSP says it has not enough information to decide"
        allowed = False
    else:
        reason = f"the eMSP answered {allowed_type}{info}"
        allowed = False
    decision = AuthorizationDecision(
        allowed=allowed,
        reason=reason[:255],
        auth_method=AuthMethod.AUTH_REQUEST if allowed else None,
        token=facts,
        authorization_reference=answer.authorization_reference if allowed else None,
    )
    return _Outcome(decision, Source.REAL_TIME, allowed_type=allowed_type, exchange=answer.exchange)


def decide(*, token: EmspToken, location: Location, evse: EVSE) -> _Outcome:
    whitelist = token.whitelist
    # The partner speaking for the token's party now (it may have registered again since it pushed the token).
    speaking = partners_for_party(country_code=token.country_code, party_id=token.party_id)
    partner = speaking[0] if speaking else token.partner
    if whitelist == WhitelistType.ALWAYS or (whitelist == WhitelistType.ALLOWED and not partner.realtime_authorization):
        return _local(token, source=Source.LOCAL)
    answer = ask_emsp(partner=partner, token=token, location=location, evse=evse)
    if answer.allowed_type is not None:
        return _from_answer(answer, token.facts(), evse)
    if whitelist == WhitelistType.NEVER:
        reason = "whitelist NEVER needs the eMSP's answer, and the eMSP could not answer"
        decision = AuthorizationDecision(allowed=False, reason=reason, token=token.facts())
        return _Outcome(decision, Source.FALLBACK, exchange=answer.exchange)
    return _local(token, source=Source.FALLBACK, prefix="the eMSP could not answer; ", exchange=answer.exchange)


class OcpiTokenAuthority:
    """Implements ``chargepoints.authorization.TokenAuthority`` from the tokens eMSPs pushed to us."""

    def authorize(
        self, *, token_uid: str, token_type: TokenType | str, location: Location, evse: EVSE
    ) -> AuthorizationDecision:
        copies = token_copies(uid=token_uid, token_type=str(token_type))
        token = copies[0] if len(copies) == 1 else None
        if not copies:
            reason = "unknown token: no eMSP has sent it to us"
            outcome = _Outcome(AuthorizationDecision(allowed=False, reason=reason), Source.LOCAL)
        elif token is None:
            parties = ", ".join(f"{copy.country_code}*{copy.party_id}" for copy in copies)
            reason = f"conflict: uid held by {len(copies)} eMSPs ({parties}); no copy decides for another's card"
            outcome = _Outcome(AuthorizationDecision(allowed=False, reason=reason[:255]), Source.CONFLICT)
        else:
            outcome = decide(token=token, location=location, evse=evse)
        decision = outcome.decision
        AuthorizationRecord.objects.create(
            token_uid=token_uid,
            token_type=str(token_type),
            token=token,
            partner=token.partner if token else None,
            location_id=location.ocpi_id,
            evse_uid=evse.uid,
            allowed=decision.allowed,
            source=outcome.source,
            allowed_type=outcome.allowed_type,
            auth_method=decision.auth_method or "",
            authorization_reference=decision.authorization_reference or "",
            reason=decision.reason[:255],
            exchange=outcome.exchange[:255],
        )
        return decision


def authorization_record_command(
    *, partner: Partner, token: DriverToken, location_id: str, evse_uid: str, command: str
) -> AuthorizationRecord:
    """A token an eMSP's command brought: pre-authorized by the eMSP, not checked again by us (OCPI 2.2.1
    mod_commands.asciidoc)."""
    stored = token_get(
        country_code=token.country_code, party_id=token.party_id, uid=token.uid, token_type=str(token.type)
    )
    return AuthorizationRecord.objects.create(
        token_uid=token.uid,
        token_type=str(token.type),
        token=stored,
        partner=partner,
        location_id=location_id,
        evse_uid=evse_uid,
        allowed=True,
        source=Source.COMMAND,
        auth_method=AuthMethod.COMMAND,
        reason=f"pre-authorized by the eMSP with {command}",
    )
