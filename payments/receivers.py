"""Payments listen to sessions and CDRs: link, watch, release, capture. Each defers provider calls to the commit."""

from __future__ import annotations

from typing import Any

from billing.models import Cdr
from chargepoints.enums import TokenType
from chargepoints.models import ChargingSession

from . import services


def on_session_changed(*, session: ChargingSession, created: bool, changed_fields: frozenset[str], **_: Any) -> None:
    if session.token_type != TokenType.AD_HOC_USER:
        return
    if created:
        services.payment_link_session(session=session)
    if session.is_open:
        services.payment_watch(session=session)
    elif "status" in changed_fields:
        services.payment_session_ended(session=session)


def on_cdr_issued(*, cdr: Cdr, **_: Any) -> None:
    services.payment_cdr_issued(cdr=cdr)
