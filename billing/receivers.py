"""Billing listens to the station domain: a completed session gets its CDR in the same transaction."""

from typing import Any

from chargepoints.models import ChargingSession
from chargepoints.sessions.enums import SessionStatus

from .services.cdrs import cdr_create_for_session


def create_cdr_when_session_completes(
    *, session: ChargingSession, created: bool, changed_fields: frozenset[str], **_: Any
) -> None:
    if "status" in changed_fields and session.status == SessionStatus.COMPLETED:
        cdr_create_for_session(session=session)
