"""Shared builders for the session, simulator and CDR tests: a real token authority, tariffs, stations, sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from chargepoints.authorization import (
    AuthMethod,
    AuthorizationDecision,
    DriverToken,
    WhitelistType,
    set_token_authority,
)
from chargepoints.models import EVSE, ChargingSession, Location
from chargepoints.sessions.services import session_start
from tests.factories import connector_data, evse_data, make_location

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Stockholm


def driver_token(uid: str = "04A1B2C3", **overrides: Any) -> DriverToken:
    values: dict[str, Any] = {
        "country_code": "NL",
        "party_id": "EMP",
        "uid": uid,
        "type": "RFID",
        "contract_id": f"NL-EMP-C{uid[:8]}",
        "issuer": "Example eMSP",
        "valid": True,
        "whitelist": WhitelistType.ALLOWED,
    }
    values.update(overrides)
    return DriverToken(**values)


class CardListAuthority:
    """A token authority that knows a fixed list of cards and decides locally, the way a whitelist does.

    Unknown, invalid and expired cards are refused; cards the eMSP never lets us whitelist (NEVER) are refused too,
    as this authority cannot ask anyone in real time. It also records every question it was asked.
    """

    def __init__(self, *tokens: DriverToken) -> None:
        self.tokens = {(t.uid.upper(), str(t.type)): t for t in tokens}
        self.asked: list[tuple[str, str, str]] = []

    def authorize(self, *, token_uid: str, token_type: Any, location: Location, evse: EVSE) -> AuthorizationDecision:
        self.asked.append((token_uid, str(token_type), evse.uid))
        token = self.tokens.get((token_uid.upper(), str(token_type)))
        if token is None:
            return AuthorizationDecision(allowed=False, reason=f"unknown token {token_uid}")
        if not token.valid:
            return AuthorizationDecision(allowed=False, reason="token is not valid", token=token)
        if token.expired:
            return AuthorizationDecision(allowed=False, reason="token has expired", token=token)
        if token.whitelist == WhitelistType.NEVER:
            return AuthorizationDecision(allowed=False, reason="token needs real-time authorization", token=token)
        return AuthorizationDecision(
            allowed=True,
            reason="on the card list",
            auth_method=AuthMethod.WHITELIST,
            token=token,
            authorization_reference=f"REF-{token.uid}",
        )


@contextmanager
def token_authority(authority: Any) -> Iterator[Any]:
    previous = set_token_authority(authority)
    try:
        yield authority
    finally:
        set_token_authority(previous)


def station(*, tariff_ids: list[str] | None = None, power_type: str = "AC_3_PHASE", **connector: Any) -> EVSE:
    """A location with one available EVSE and one connector (22 kW AC by default)."""
    data = connector_data(power_type=power_type, tariff_ids=tariff_ids or [], **connector)
    location = make_location(evses=[evse_data(connectors=[data])])
    return location.evses.get()


def start(evse: EVSE, *, at: datetime = T0, token: DriverToken | None = None, **extra: Any) -> ChargingSession:
    return session_start(
        evse=evse,
        connector_id="1",
        token_facts=token or driver_token(),
        auth_method=AuthMethod.WHITELIST,
        at=at,
        **extra,
    )


def kwh(value: str) -> Decimal:
    return Decimal(value)


def tariff(tariff_id: str = "T-ENERGY", *, elements: list[dict[str, Any]] | None = None, **extra: Any) -> str:
    """Store one of our tariffs through the tariffs domain and return its id. Default: 0.25 SEK/kWh + 25 % VAT."""
    from tariffs.services import tariff_replace

    data: dict[str, Any] = {
        "country_code": "SE",
        "party_id": "CPO",
        "id": tariff_id,
        "currency": "SEK",
        "elements": elements
        or [{"price_components": [{"type": "ENERGY", "price": Decimal("0.25"), "vat": Decimal(25), "step_size": 1}]}],
    }
    data.update(extra)
    tariff_replace(data=data)  # type: ignore[arg-type]
    return tariff_id


def component(kind: str, price: str, *, vat: str | None = "25", step_size: int = 1) -> dict[str, Any]:
    item: dict[str, Any] = {"type": kind, "price": Decimal(price), "step_size": step_size}
    if vat is not None:
        item["vat"] = Decimal(vat)
    return item
