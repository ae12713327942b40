"""OCPP 1.6 transactions (§4.8 StartTransaction, §4.7 MeterValues, §4.10 StopTransaction) → the session services.

Run in the consumer's database thread, like ``services``. Transaction messages never raise for bad content (a
CALLERROR would make the charger resend them forever, OCPP-J 1.6 §4.1.1 and TransactionMessageAttempts): what cannot
be used is logged and answered. Late messages from a charger that was offline are priced on their own timestamps.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chargepoints.authorization import AuthMethod, AuthorizationDecision, DriverToken, get_token_authority
from chargepoints.enums import EvseStatus, TokenType
from chargepoints.models import EVSE, ChargingSession
from chargepoints.services import evse_set_status
from chargepoints.sessions.enums import SessionStatus
from chargepoints.sessions.reservations import reservation_start_charging
from chargepoints.sessions.services import session_meter_values, session_start, session_stop

from .meter import MeterReading
from .models import Charger, ChargerEvse, Transaction
from .remote_starts import RemoteStart, remote_start_claim

logger = logging.getLogger(__name__)


def open_session(evse: EVSE) -> ChargingSession | None:
    return ChargingSession.objects.filter(evse=evse, status=SessionStatus.ACTIVE).first()


def transaction_close(tx: Transaction, *, reason: str) -> None:
    """End a transaction the charger will never stop, at its last report, with the energy seen so far."""
    tx.stopped_at = timezone.now()
    tx.stop_reason = reason[:64]
    tx.save(update_fields=["stopped_at", "stop_reason"])
    session = tx.session
    if session is not None and session.is_open:
        session_stop(session=session, at=session.accounted_until, reason=reason)


@transaction.atomic
def transaction_start(
    *,
    charger_id: int,
    connector_id: int,
    id_tag: str,
    meter_start_wh: int,
    at: datetime,
    reservation_id: int | None = None,
    remote: RemoteStart | None = None,
    decision: AuthorizationDecision | None = None,
) -> Transaction:
    """StartTransaction (OCPP 1.6 §4.8). The same start sent again gets the same transaction; a transaction still
    open on the connector is ended first. Priced on its own timestamp, however late it arrives."""
    charger = Charger.objects.select_for_update().get(pk=charger_id)  # one start per charger at a time
    natural = {
        "charger": charger,
        "connector_id": connector_id,
        "id_tag": id_tag,
        "started_at": at,
        "meter_start_wh": meter_start_wh,
    }
    existing = Transaction.objects.filter(**natural).first()
    if existing is not None:
        return existing
    for tx in Transaction.objects.filter(charger=charger, connector_id=connector_id, stopped_at__isnull=True):
        transaction_close(tx, reason="Ended by us: the charger started a new transaction on the connector")
    link = charger.connectors.select_related("evse__location").filter(connector_id=connector_id).first()
    tx = Transaction(**natural, reservation_id=reservation_id, id_tag_status="Invalid")
    if link is None:
        tx.save()
        logger.warning("StartTransaction on unknown connector %s of %s", connector_id, charger)
        return tx
    evse = link.evse
    # This connection's own record of the remote start comes first; the stored one (after a reconnect) is used
    # up either way.
    stored = remote_start_claim(charger_id=charger_id, id_tag=id_tag)
    remote = remote or stored
    if remote is not None:
        token, method, reference = remote.token, AuthMethod.COMMAND, remote.authorization_reference
    else:
        decision = decision or get_token_authority().authorize(
            token_uid=id_tag, token_type=TokenType.RFID, location=evse.location, evse=evse
        )
        if not decision.allowed or decision.token is None or decision.auth_method is None:
            tx.save()
            return tx
        token, method, reference = decision.token, decision.auth_method, decision.authorization_reference
    tx.id_tag_status = "Accepted"
    try:
        with transaction.atomic():
            tx.session = _session_begin(evse, link, token, method, reference, at, meter_start_wh)
    except ValidationError as error:
        logger.warning("StartTransaction of %s not turned into a session: %s", charger, error)
    tx.save()
    return tx


def _session_begin(
    evse: EVSE,
    link: ChargerEvse,
    token: DriverToken,
    method: AuthMethod | str,
    reference: str | None,
    at: datetime,
    meter_start_wh: int,
) -> ChargingSession:
    connector = evse.connectors.order_by("id").first()
    if connector is None:
        raise ValidationError(f"{evse} has no connector.")
    reservation = ChargingSession.objects.filter(evse=evse, status=SessionStatus.RESERVATION).first()
    if reservation is not None and reservation.token_uid.upper() == token.uid.upper():
        return reservation_start_charging(
            session=reservation,
            at=at,
            auth_method=method,
            authorization_reference=reference,
            meter_start_wh=Decimal(meter_start_wh),
            meter_id=link.charger.charge_point_id,
        )
    if evse.status != EvseStatus.AVAILABLE and open_session(evse) is None:
        # The charger says energy flows: its word beats a status it could not report (offline, or a status sent
        # just before the start).
        evse_set_status(evse=evse, status=EvseStatus.AVAILABLE)
    return session_start(
        evse=evse,
        connector_id=connector.connector_id,
        token_facts=token,
        auth_method=method,
        authorization_reference=reference,
        at=at,
        meter_start_wh=Decimal(meter_start_wh),
        meter_id=link.charger.charge_point_id,
    )


def _transaction_for(charger_id: int, transaction_id: int | None, connector_id: int | None) -> Transaction | None:
    """The transaction a message is about; firmwares that send 0 or -1 are matched by connector."""
    found = None
    if transaction_id and transaction_id > 0:
        found = Transaction.objects.filter(charger_id=charger_id, pk=transaction_id).select_related("session").first()
    if found is None and connector_id:
        found = (
            Transaction.objects.filter(charger_id=charger_id, connector_id=connector_id, stopped_at__isnull=True)
            .select_related("session")
            .first()
        )
    return found


def _report(session: ChargingSession, readings: list[MeterReading]) -> None:
    for reading in sorted(readings, key=lambda r: r.at):
        session.refresh_from_db(fields=["accounted_until", "meter_wh", "status"])
        if not session.is_open or reading.at < session.accounted_until:
            continue  # sent again, or older than what we have: already accounted
        energy = reading.energy_wh if reading.energy_wh is not None and reading.energy_wh >= session.meter_wh else None
        if energy is None and reading.power_w is None and reading.current_a is None:
            continue
        try:
            with transaction.atomic():
                session_meter_values(
                    session=session,
                    at=reading.at,
                    energy_wh_total=energy if energy is not None else session.meter_wh,
                    power_w=reading.power_w,
                    current_a=reading.current_a,
                )
        except ValidationError as error:
            logger.info("Meter value of %s skipped: %s", session, error)


def transaction_meter_values(
    *, charger_id: int, connector_id: int, transaction_id: int | None, readings: list[MeterReading]
) -> bool:
    """MeterValues (OCPP 1.6 §4.7) → the session's meter, on the samples' own timestamps. Each reading is its own
    transaction; values outside a transaction (clock-aligned) cost one read and no transaction at all. Returns
    whether they belong to a transaction."""
    tx = _transaction_for(charger_id, transaction_id, connector_id)
    if tx is None:
        return False
    if tx.session is not None:
        _report(tx.session, readings)
    return True


@transaction.atomic
def transaction_stop(
    *,
    charger_id: int,
    transaction_id: int,
    meter_stop_wh: int,
    at: datetime,
    reason: str,
    readings: list[MeterReading],
) -> Transaction | None:
    """StopTransaction (OCPP 1.6 §4.10) → the session ends on the charger's timestamp; billing makes the CDR.
    A stop sent again changes nothing; an unknown one is logged and answered all the same."""
    Charger.objects.filter(pk=charger_id).update(last_seen_at=timezone.now())
    tx = _transaction_for(charger_id, transaction_id, None)
    if tx is None:
        logger.warning("StopTransaction for unknown transaction %s of charger %s", transaction_id, charger_id)
        return None
    tx = Transaction.objects.select_for_update(of=("self",)).select_related("session").get(pk=tx.pk)
    if tx.stopped_at is not None and tx.meter_stop_wh is not None:
        return tx
    tx.stopped_at, tx.meter_stop_wh, tx.stop_reason = at, meter_stop_wh, (reason or "Local")[:64]
    tx.save(update_fields=["stopped_at", "meter_stop_wh", "stop_reason"])
    session = tx.session
    if session is None or not session.is_open:
        return tx
    _report(session, readings)
    session.refresh_from_db()
    energy = Decimal(meter_stop_wh) if meter_stop_wh >= session.meter_wh else None  # meterStop 0: meter not wired
    try:
        with transaction.atomic():
            session_stop(
                session=session,
                at=max(at, session.accounted_until),
                reason=f"Charger: {reason or 'Local'}",
                energy_wh_total=energy,
            )
    except ValidationError as error:
        logger.warning("StopTransaction of %s did not end %s: %s", charger_id, session, error)
    return tx


def open_transaction_id(*, session: ChargingSession) -> int | None:
    tx = Transaction.objects.filter(session=session, stopped_at__isnull=True).first()
    return tx.pk if tx is not None else None
