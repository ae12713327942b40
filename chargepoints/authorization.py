"""May this driver token charge here? The question the session side asks, and the answer it needs.

The station domain does not know where tokens come from: eMSPs push them over OCPI, are asked in real time, or (later)
a local card list answers. Whoever knows implements :class:`TokenAuthority` and registers it once at start-up with
:func:`set_token_authority` (the OCPI app does so in its ``AppConfig.ready()``). Until then every token is refused with
the reason "no token authority configured": a charger must never hand out energy nobody will pay for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import TokenType

if TYPE_CHECKING:
    from .models import EVSE, Location


class AuthMethod(models.TextChoices):
    """How a session's token was authorized (OCPI AuthMethod)."""

    AUTH_REQUEST = "AUTH_REQUEST", _("Real-time request to the eMSP")
    COMMAND = "COMMAND", _("Remote start or reservation by the eMSP")
    WHITELIST = "WHITELIST", _("Local whitelist")


class WhitelistType(models.TextChoices):
    """What the token's owner lets us decide locally (OCPI WhitelistType)."""

    ALWAYS = "ALWAYS", _("Always decide locally")
    ALLOWED = "ALLOWED", _("Locally, real-time allowed")
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE", _("Real-time, allow when unreachable")
    NEVER = "NEVER", _("Always ask in real time")


@dataclass(frozen=True)
class DriverToken:
    """The facts about a driver's token that sessions and CDRs carry (OCPI Token, without transport details).

    ``expired`` is None when the token's owner did not say; True when they told us it has expired.
    """

    country_code: str
    party_id: str
    uid: str
    type: TokenType | str
    contract_id: str
    issuer: str
    valid: bool
    whitelist: WhitelistType | str
    visual_number: str = ""
    group_id: str = ""
    expired: bool | None = None
    language: str = ""


@dataclass(frozen=True)
class AuthorizationDecision:
    """The answer to "may this token charge at this EVSE now?".

    ``token`` holds the token's facts when they are known (always when allowed: the session needs them for its
    CdrToken). ``authorization_reference`` is the eMSP's reference to copy into the session and CDR, if it gave one.
    ``reason`` explains the decision to staff, in plain words, whatever the outcome.
    """

    allowed: bool
    reason: str
    auth_method: AuthMethod | None = None
    token: DriverToken | None = None
    authorization_reference: str | None = None

    def __post_init__(self) -> None:
        if self.allowed and (self.token is None or self.auth_method is None):
            raise ValueError("An allowed decision needs the token's facts and the auth method used.")


class TokenAuthority(Protocol):
    def authorize(
        self, *, token_uid: str, token_type: TokenType | str, location: Location, evse: EVSE
    ) -> AuthorizationDecision: ...


class NoTokenAuthority:
    """The authority in force until one is registered: refuses every token, and says why."""

    REASON = "no token authority configured"

    def authorize(
        self, *, token_uid: str, token_type: TokenType | str, location: Location, evse: EVSE
    ) -> AuthorizationDecision:
        return AuthorizationDecision(allowed=False, reason=self.REASON)


_authority: TokenAuthority = NoTokenAuthority()


def set_token_authority(authority: TokenAuthority) -> TokenAuthority:
    """Register the authority every authorization goes to. Returns the previous one, so tests can put it back."""
    global _authority
    previous, _authority = _authority, authority
    return previous


def get_token_authority() -> TokenAuthority:
    return _authority
