"""What each OCPP 1.6 message from a charger means for the domain, as synchronous database work.

The consumer runs these in a database thread; each returns what the charger must be answered. They call the same
domain services as staff and the OCPI edge: ``evse_set_status``, the session services and the token authority.
Transaction messages never raise for bad content (a CALLERROR would make the charger resend them forever, OCPP-J
1.6 §4.1.1 and TransactionMessageAttempts): what cannot be used is logged and answered.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from chargepoints.authorization import AuthMethod, AuthorizationDecision, DriverToken, get_token_authority
from chargepoints.enums import EvseStatus, TokenType
from chargepoints.models import EVSE, ChargingSession
from chargepoints.services import evse_set_status
from chargepoints.sessions.enums import ChargingState, SessionStatus
from chargepoints.sessions.reservations import reservation_start_charging
from chargepoints.sessions.services import (
    session_meter_values,
    session_set_charging_state,
    session_start,
    session_stop,
)

from .meter import MeterReading
from .models import Charger, ChargerEvse, ChargerFault, ConnectionAttempt, Transaction

logger = logging.getLogger(__name__)

# OCPP 1.6 ChargePointStatus → OCPI 2.2.1 EvseStatus (mod_locations.md §4.4.2). Preparing stays AVAILABLE: the EVSE
# is not taken until a transaction starts (a card presented without a plug frees itself).
OCPI_STATUS = {
    "Available": EvseStatus.AVAILABLE,
    "Preparing": EvseStatus.AVAILABLE,
    "Charging": EvseStatus.CHARGING,
    "SuspendedEV": EvseStatus.CHARGING,
    "SuspendedEVSE": EvseStatus.CHARGING,
    "Finishing": EvseStatus.CHARGING,
    "Reserved": EvseStatus.RESERVED,
    "Unavailable": EvseStatus.INOPERATIVE,
    "Faulted": EvseStatus.OUTOFORDER,
}
# What the vehicle does while a session runs, by connector status.
CHARGING_STATE = {
    "Charging": ChargingState.CHARGING,
    "SuspendedEV": ChargingState.SUSPENDED_EV,
    "SuspendedEVSE": ChargingState.SUSPENDED_EV,
    "Finishing": ChargingState.PARKING,
}
# Connector 0 speaks for the whole charger only when it is out of service.
_WHOLE_CHARGER = {"Unavailable": EvseStatus.INOPERATIVE, "Faulted": EvseStatus.OUTOFORDER}
PASSWORD_BYTES = 24  # 32 characters of URL-safe Base64, within the 16–40 of the 1.6 security whitepaper


def password_generate() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


@transaction.atomic
def charger_add(*, charge_point_id: str, evse_refs: list[str]) -> tuple[Charger, str]:
    """Register a charger serving these EVSEs (ids or uids, in connectorId order 1, 2, …). Returns it and its
    password, which is stored only as a hash."""
    if not charge_point_id or len(charge_point_id) > 48 or "/" in charge_point_id:
        raise ValidationError({"charge_point_id": "A charge point id is 1 to 48 characters, without '/'."})
    if Charger.objects.filter(charge_point_id=charge_point_id).exists():
        raise ValidationError({"charge_point_id": f"Charger '{charge_point_id}' is already registered."})
    if not evse_refs:
        raise ValidationError({"evse": "A charger serves at least one EVSE."})
    evses: list[EVSE] = []
    for ref in evse_refs:
        evse = EVSE.objects.filter(Q(uid=ref) | Q(evse_id=ref)).exclude(status=EvseStatus.REMOVED).first()
        if evse is None:
            raise ValidationError({"evse": f"No EVSE with id or uid '{ref}'."})
        if ChargerEvse.objects.filter(evse=evse).exists() or evse in evses:
            raise ValidationError({"evse": f"EVSE '{ref}' is already served by a charger."})
        evses.append(evse)
    password = password_generate()
    charger = Charger.objects.create(charge_point_id=charge_point_id, password_hash=make_password(password))
    for number, evse in enumerate(evses, start=1):
        ChargerEvse.objects.create(charger=charger, connector_id=number, evse=evse)
    ConnectionAttempt.objects.filter(charge_point_id=charge_point_id).delete()
    return charger, password


@transaction.atomic
def charger_set_password(*, charger: Charger) -> str:
    password = password_generate()
    charger.password_hash = make_password(password)
    charger.save(update_fields=["password_hash"])
    return password


def charger_authenticate(
    *, charge_point_id: str, username: str | None, password: str | None, remote_address: str = ""
) -> Charger | None:
    """Security profile 1 (OCPP 1.6 Security Whitepaper §2): HTTP Basic, user = the URL identity, its password.
    A refusal is recorded for staff as a charger that wants to connect."""
    charger = Charger.objects.filter(charge_point_id=charge_point_id).first()
    reason = ""
    if charger is None:
        reason = "Unknown charge point id"
    elif not charger.enabled:
        reason = "Charger is disabled"
    elif username is None or password is None:
        reason = "No HTTP Basic credentials"
    elif username != charge_point_id:
        reason = "Basic user is not the charge point id"
    elif not check_password(password, charger.password_hash):
        reason = "Wrong password"
    if not reason:
        return charger
    now = timezone.now()
    updated = ConnectionAttempt.objects.filter(charge_point_id=charge_point_id[:48]).update(
        attempts=F("attempts") + 1, last_at=now, reason=reason, remote_address=remote_address[:64]
    )
    if not updated:
        ConnectionAttempt.objects.create(
            charge_point_id=charge_point_id[:48], reason=reason, remote_address=remote_address[:64]
        )
    return None


@transaction.atomic
def charger_connected(*, charger_id: int, channel_name: str) -> None:
    """A connection was accepted: it is the charger's only one from now on. EVSEs take their last known status."""
    now = timezone.now()
    Charger.objects.filter(pk=charger_id).update(connected_since=now, last_seen_at=now, channel_name=channel_name)
    for link in ChargerEvse.objects.filter(charger_id=charger_id).select_related("evse", "charger"):
        if link.status:
            _apply_status(link)


@transaction.atomic
def charger_disconnected(*, charger_id: int, channel_name: str) -> None:
    """The socket closed. Unless a newer connection already took over, the EVSEs' status is UNKNOWN (OCPI 2.2.1
    mod_locations.md §4.4.2: no status information available)."""
    gone = Charger.objects.filter(pk=charger_id, channel_name=channel_name).update(
        connected_since=None, channel_name=""
    )
    if gone:
        for link in ChargerEvse.objects.filter(charger_id=charger_id).select_related("evse"):
            evse_set_status(evse=link.evse, status=EvseStatus.UNKNOWN)


def charger_seen(*, charger_id: int, heartbeat: bool = False) -> None:
    now = timezone.now()
    fields: dict[str, datetime] = {"last_seen_at": now}
    if heartbeat:
        fields["last_heartbeat_at"] = now
    Charger.objects.filter(pk=charger_id).update(**fields)


@dataclass(frozen=True)
class BootFacts:
    vendor: str
    model: str
    serial_number: str = ""
    firmware_version: str = ""


def charger_boot(*, charger_id: int, facts: BootFacts) -> int:
    """BootNotification (OCPP 1.6 §4.2): record what the charger is; returns the heartbeat interval to give it.
    Every boot is a reboot: transactions left open are reconciled when their connector reports in."""
    now = timezone.now()
    charger = Charger.objects.get(pk=charger_id)
    Charger.objects.filter(pk=charger_id).update(
        vendor=facts.vendor[:20],
        model=facts.model[:20],
        serial_number=facts.serial_number[:25],
        firmware_version=facts.firmware_version[:50],
        last_boot_at=now,
        last_seen_at=now,
    )
    return charger.heartbeat_interval


def charger_firmware_status(*, charger_id: int, status: str) -> None:
    Charger.objects.filter(pk=charger_id).update(firmware_status=status[:32], last_seen_at=timezone.now())


def charger_diagnostics_status(*, charger_id: int, status: str) -> None:
    Charger.objects.filter(pk=charger_id).update(diagnostics_status=status[:32], last_seen_at=timezone.now())


def _effective(link: ChargerEvse) -> str:
    """The worst of connector 0's status and the connector's own (OCPP 1.6 §4.9: connector 0 is the whole charger)."""
    own = OCPI_STATUS.get(link.status, EvseStatus.UNKNOWN)
    whole = _WHOLE_CHARGER.get(link.charger.status)
    if whole is not None and own not in (EvseStatus.OUTOFORDER,):
        return whole
    return own


def _open_session(evse: EVSE) -> ChargingSession | None:
    return ChargingSession.objects.filter(evse=evse, status=SessionStatus.ACTIVE).first()


def _apply_status(link: ChargerEvse) -> None:
    session = _open_session(link.evse)
    status = _effective(link)
    if session is not None and status == EvseStatus.AVAILABLE:
        return  # a running session keeps its EVSE taken until it ends (by StopTransaction or reconciliation)
    evse_set_status(evse=link.evse, status=status)


@transaction.atomic
def charger_status(
    *,
    charger_id: int,
    connector_id: int,
    status: str,
    error_code: str,
    at: datetime,
    info: str = "",
    vendor_id: str = "",
    vendor_error_code: str = "",
) -> None:
    """StatusNotification (OCPP 1.6 §4.9) → ``evse_set_status``; errors are kept for staff."""
    charger = Charger.objects.select_for_update().get(pk=charger_id)
    charger.last_seen_at = timezone.now()
    if error_code and error_code != "NoError":
        ChargerFault.objects.create(
            charger=charger,
            connector_id=connector_id,
            status=status,
            error_code=error_code[:32],
            info=info[:50],
            vendor_id=vendor_id[:255],
            vendor_error_code=vendor_error_code[:50],
            at=at,
        )
    if connector_id == 0:
        charger.status, charger.error_code = status, error_code[:32]
        charger.save(update_fields=["status", "error_code", "last_seen_at"])
        for each in charger.connectors.select_related("evse", "charger"):
            if each.status:
                _apply_status(each)
        return
    charger.save(update_fields=["last_seen_at"])
    link = charger.connectors.select_related("evse", "charger").filter(connector_id=connector_id).first()
    if link is None:
        logger.warning("Charger %s reported unknown connector %s", charger, connector_id)
        return
    link.status, link.error_code, link.info, link.vendor_error_code, link.status_at = (
        status,
        error_code[:32],
        info[:50],
        vendor_error_code[:50],
        at,
    )
    link.save(update_fields=["status", "error_code", "info", "vendor_error_code", "status_at"])
    if status == "Available":
        _reconcile_after_reboot(charger, connector_id)
    _apply_status(link)
    session = _open_session(link.evse)
    state = CHARGING_STATE.get(status)
    # Only a change of state is reported: the same state again must not move the session's clock.
    if session is not None and state is not None and state != session.charging_state and at >= session.accounted_until:
        try:
            session_set_charging_state(session=session, state=state, at=at)
        except ValidationError as error:
            logger.info("Charging state of %s not changed: %s", session, error)


def _reconcile_after_reboot(charger: Charger, connector_id: int) -> None:
    """A connector that is Available after the charger rebooted has no transaction any more: one still open from
    before the boot never gets its StopTransaction, so it ends at its last report (OCPP 1.6 §3.x reboot)."""
    if charger.last_boot_at is None:
        return
    stale = Transaction.objects.filter(
        charger=charger, connector_id=connector_id, stopped_at__isnull=True, started_at__lt=charger.last_boot_at
    )
    for tx in stale:
        _close(tx, reason="Ended by us: the charger rebooted and reports the connector available")


def _close(tx: Transaction, *, reason: str) -> None:
    """End a transaction the charger will never stop, at its last report, with the energy seen so far."""
    tx.stopped_at = timezone.now()
    tx.stop_reason = reason[:64]
    tx.save(update_fields=["stopped_at", "stop_reason"])
    session = tx.session
    if session is not None and session.is_open:
        session_stop(session=session, at=session.accounted_until, reason=reason)


# --- Authorization -----------------------------------------------------------------------------------------------


def _first_evse(charger_id: int, connector_id: int | None) -> EVSE | None:
    links = ChargerEvse.objects.filter(charger_id=charger_id).select_related("evse__location")
    if connector_id:
        links = links.filter(connector_id=connector_id)
    link = links.first()
    return link.evse if link is not None else None


def authorize(*, charger_id: int, id_tag: str, connector_id: int | None = None) -> AuthorizationDecision:
    """Authorize (OCPP 1.6 §4.1) → the token authority OCPI uses, real-time authorization included."""
    evse = _first_evse(charger_id, connector_id)
    if evse is None:
        return AuthorizationDecision(allowed=False, reason="The charger serves no EVSE.")
    return get_token_authority().authorize(
        token_uid=id_tag, token_type=TokenType.RFID, location=evse.location, evse=evse
    )


def id_tag_status(decision: AuthorizationDecision) -> str:
    """OCPP 1.6 AuthorizationStatus for a decision: Accepted, or Invalid (we do not tell Blocked from Expired)."""
    return "Accepted" if decision.allowed else "Invalid"


# --- Transactions --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteStart:
    """What a RemoteStartTransaction we sent stands for, claimed by the charger's next StartTransaction with its tag."""

    token: DriverToken
    authorization_reference: str | None


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
        _close(tx, reason="Ended by us: the charger started a new transaction on the connector")
    link = charger.connectors.select_related("evse__location").filter(connector_id=connector_id).first()
    tx = Transaction(**natural, reservation_id=reservation_id, id_tag_status="Invalid")
    if link is None:
        tx.save()
        logger.warning("StartTransaction on unknown connector %s of %s", connector_id, charger)
        return tx
    evse = link.evse
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
    if evse.status != EvseStatus.AVAILABLE and _open_session(evse) is None:
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


@transaction.atomic
def transaction_meter_values(
    *, charger_id: int, connector_id: int, transaction_id: int | None, readings: list[MeterReading]
) -> None:
    """MeterValues (OCPP 1.6 §4.7) → the session's meter, on the samples' own timestamps."""
    tx = _transaction_for(charger_id, transaction_id, connector_id)
    if tx is None or tx.session is None:
        return
    _report(tx.session, readings)


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
