"""Reservations: an EVSE held for one driver's token (OCPP ReserveNow / CancelReservation; OCPI RESERVE_NOW).

A reservation is a session with status RESERVATION, as OCPI has it (OCPI 2.2.1 mod_sessions.asciidoc, SessionStatus
enum): it starts when the EVSE is reserved and holds no charging periods. When the driver with the same token starts
charging there, the same session becomes ACTIVE and is priced from that moment with the tariff then in force. When the
reservation is cancelled or expires unused, it ends as INVALID: our tariffs do not price reservations, so there is
nothing to bill.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..authorization import AuthMethod, DriverToken
from ..enums import EvseStatus
from ..models import EVSE, ChargingPeriod, ChargingSession
from ..services import evse_set_status
from ..signals import session_changed
from .enums import ChargingState, SessionStatus
from .services import ALL_FIELDS, _reprice, cdr_location_snapshot, cdr_token_fields
from .tariffs import tariff_in_force


@transaction.atomic
def reservation_create(
    *,
    evse: EVSE,
    token_facts: DriverToken,
    at: datetime,
    authorization_reference: str | None = None,
    connector_id: str | None = None,
) -> ChargingSession:
    """Reserve an AVAILABLE EVSE for ``token_facts`` from ``at``: a RESERVATION session, the EVSE RESERVED."""
    evse = EVSE.objects.select_for_update().select_related("location").get(pk=evse.pk)
    if evse.status != EvseStatus.AVAILABLE:
        raise ValidationError({"evse": f"{evse} is {evse.get_status_display()}, not available to reserve."})
    connectors = evse.connectors.all()
    connector = connectors.filter(connector_id=connector_id).first() if connector_id else connectors.first()
    if connector is None:
        raise ValidationError({"connector_id": f"{evse} has no connector '{connector_id or ''}'."})
    session = ChargingSession.objects.create(
        status=SessionStatus.RESERVATION,
        charging_state=ChargingState.CHARGING,
        start_date_time=at,
        **cdr_token_fields(token_facts),
        auth_method=AuthMethod.COMMAND,
        authorization_reference=authorization_reference or "",
        location=evse.location,
        evse=evse,
        connector_id=connector.connector_id,
        cdr_location=cdr_location_snapshot(evse=evse, connector=connector),
        accounted_until=at,
    )
    evse_set_status(evse=evse, status=EvseStatus.RESERVED)
    session_changed.send(sender=ChargingSession, session=session, created=True, changed_fields=ALL_FIELDS)
    return session


def _locked_reservation(session: ChargingSession) -> ChargingSession:
    locked = ChargingSession.objects.select_for_update().select_related("location", "evse").get(pk=session.pk)
    if locked.status != SessionStatus.RESERVATION:
        raise ValidationError(f"Session {locked} is {locked.get_status_display()}, not a reservation.")
    return locked


@transaction.atomic
def reservation_end(*, session: ChargingSession, at: datetime, reason: str) -> ChargingSession:
    """The reservation was cancelled or expired unused: INVALID (not billed), and the EVSE free again."""
    session = _locked_reservation(session)
    session.status = SessionStatus.INVALID
    session.end_date_time = max(at, session.start_date_time)
    session.stop_reason = reason[:255]
    session.last_updated = timezone.now()
    session.save(update_fields=["status", "end_date_time", "stop_reason", "last_updated"])
    if session.evse.status == EvseStatus.RESERVED:
        evse_set_status(evse=session.evse, status=EvseStatus.AVAILABLE)
    session_changed.send(
        sender=ChargingSession,
        session=session,
        created=False,
        changed_fields=frozenset({"status", "end_date_time", "stop_reason", "last_updated"}),
    )
    return session


@transaction.atomic
def reservation_start_charging(
    *,
    session: ChargingSession,
    at: datetime,
    auth_method: AuthMethod | str = AuthMethod.COMMAND,
    authorization_reference: str | None = None,
    meter_start_wh: Decimal = Decimal(0),
    meter_id: str = "",
) -> ChargingSession:
    """The driver who reserved the EVSE plugs in: the reservation becomes the ACTIVE session, started at ``at``.

    It is priced from ``at`` with the tariff then in force on its connector, like any session. The latest auth
    method and authorization reference count (OCPI 2.2.1 mod_sessions.asciidoc, Session Object).
    """
    session = _locked_reservation(session)
    if at < session.start_date_time:
        raise ValidationError({"at": "Charging cannot start before the reservation did."})
    if auth_method not in AuthMethod.values:
        raise ValidationError({"auth_method": f"'{auth_method}' is not an auth method."})
    connector = session.evse.connectors.get(connector_id=session.connector_id)
    found = tariff_in_force(connector=connector, at=at)
    session.status = SessionStatus.ACTIVE
    session.start_date_time = session.accounted_until = at
    session.auth_method = auth_method
    if authorization_reference:
        session.authorization_reference = authorization_reference
    session.meter_start_wh = session.meter_wh = meter_start_wh
    session.meter_id = meter_id
    session.currency = found.tariff.currency if found else ""
    session.tariff_id = found.tariff.id if found else ""
    session.tariff_snapshot = found.snapshot if found else None
    session.last_updated = timezone.now()
    ChargingPeriod.objects.create(session=session, start_date_time=at, tariff_id=session.tariff_id)
    _reprice(session, found.tariff if found else None)
    session.save()
    evse_set_status(evse=session.evse, status=EvseStatus.CHARGING)
    session_changed.send(sender=ChargingSession, session=session, created=False, changed_fields=ALL_FIELDS)
    return session
