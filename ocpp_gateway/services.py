"""What each OCPP 1.6 message from a charger means for the domain, as synchronous database work.

The consumer runs these in a database thread; each returns what the charger must be answered. They call the same
domain services as staff and the OCPI edge: ``evse_set_status`` and the token authority. Transactions are in
``transactions``.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chargepoints.authorization import AuthorizationDecision, get_token_authority
from chargepoints.enums import EvseStatus, TokenType
from chargepoints.models import EVSE, ChargingSession
from chargepoints.services import evse_set_status
from chargepoints.sessions.enums import ChargingState
from chargepoints.sessions.services import (
    session_set_charging_state,
)

from .models import Charger, ChargerEvse, ChargerFault, ConnectionAttempt, Transaction
from .remote_starts import remote_start_expected
from .transactions import open_session, transaction_close

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
SEEN_WRITE_SECONDS = 30.0  # the gateway records a talking charger's "last seen" at most this often (``seen``)
SEEN_FLUSH_SECONDS = 1.0  # and writes what it recorded in one batch this often (``seen``)
PASSWORD_BYTES = 24  # 32 characters of URL-safe Base64, within the 16–40 of the 1.6 security whitepaper


def password_generate() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


@transaction.atomic
def charger_add(*, charge_point_id: str, evse_refs: list[str]) -> tuple[Charger, str]:
    """Register a charger serving these EVSEs (ids or uids, in connectorId order 1, 2, …). Returns it and its
    password, which is stored only as a hash."""
    if not charge_point_id or len(charge_point_id) > 48 or "/" in charge_point_id:
        raise ValidationError({"charge_point_id": _("A charge point id is 1 to 48 characters, without '/'.")})
    if Charger.objects.filter(charge_point_id=charge_point_id).exists():
        raise ValidationError(
            {"charge_point_id": _("Charger '%(id)s' is already registered.") % {"id": charge_point_id}}
        )
    if not evse_refs:
        raise ValidationError({"evse": _("A charger serves at least one EVSE.")})
    evses: list[EVSE] = []
    for ref in evse_refs:
        evse = EVSE.objects.filter(Q(uid=ref) | Q(evse_id=ref)).exclude(status=EvseStatus.REMOVED).first()
        if evse is None:
            raise ValidationError({"evse": _("No EVSE with id or uid '%(ref)s'.") % {"ref": ref}})
        if ChargerEvse.objects.filter(evse=evse).exists() or evse in evses:
            raise ValidationError({"evse": _("EVSE '%(ref)s' is already served by a charger.") % {"ref": ref}})
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
def charger_connected(*, charger_id: int, channel_name: str) -> set[int]:
    """A connection was accepted: it is the charger's only one from now on. EVSEs take their last known status.
    Returns the connectors without an open transaction."""
    now = timezone.now()
    Charger.objects.filter(pk=charger_id).update(
        connected_since=now, last_seen_at=now, channel_name=channel_name, silent_since=None, released_at=None
    )
    connectors = _apply_reported_statuses(charger_id)
    open_ = Transaction.objects.filter(charger_id=charger_id, stopped_at__isnull=True)
    return connectors - set(open_.values_list("connector_id", flat=True))


@transaction.atomic
def charger_disconnected(*, charger_id: int, channel_name: str) -> None:
    """The socket closed. Unless a newer connection already took over, the EVSEs' status is UNKNOWN (OCPI 2.2.1
    mod_locations.md §4.4.2: no status information available)."""
    gone = Charger.objects.filter(pk=charger_id, channel_name=channel_name).update(
        connected_since=None, channel_name="", silent_since=None, released_at=None
    )
    if gone:
        _evses_unknown(charger_id)


def chargers_released(*, connections: list[tuple[int, str]]) -> int:
    """The gateway process is shutting down and told these chargers (charger id, channel) to reconnect: they are
    disconnected in one statement, whatever their number, and their EVSEs keep their status until
    ``chargers_released_expire`` (a stop would otherwise wait for a thousand chargers' EVSE updates, and partners
    would see each EVSE go UNKNOWN and back within seconds). A charger already connected elsewhere is left alone.
    Returns how many were released."""
    if not connections:
        return 0
    held = Q()
    for charger_id, channel_name in connections:
        held |= Q(pk=charger_id, channel_name=channel_name)
    return Charger.objects.filter(held).update(
        connected_since=None, channel_name="", silent_since=None, released_at=timezone.now()
    )


def chargers_released_expire(*, now: datetime | None = None) -> int:
    """Released chargers that have not connected again within OCPP_RELEASE_GRACE_SECONDS: their EVSEs become UNKNOWN
    (OCPI 2.2.1 mod_locations.md §4.4.2, no status information available), as if they had disconnected then.
    Returns how many."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.OCPP_RELEASE_GRACE_SECONDS)
    expired = 0
    for charger_id in Charger.objects.filter(released_at__lte=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            # The row stays locked until the EVSEs are written: a charger connecting now applies its statuses after.
            if Charger.objects.filter(pk=charger_id, released_at__lte=cutoff).update(released_at=None):
                _evses_unknown(charger_id)
                expired += 1
    return expired


def chargers_seen(*, charger_ids: list[int], heartbeat_ids: list[int]) -> None:
    """Chargers that sent something (``heartbeat_ids``: a Heartbeat among it), written in one batch (``seen``). One
    that had fallen silent speaks again: its EVSEs take their status back."""
    now = timezone.now()
    if heartbeat_ids:
        Charger.objects.filter(pk__in=heartbeat_ids).update(last_seen_at=now, last_heartbeat_at=now)
    others = sorted(set(charger_ids) - set(heartbeat_ids))
    if others:
        Charger.objects.filter(pk__in=others).update(last_seen_at=now)
    silent = Charger.objects.filter(pk__in=charger_ids, silent_since__isnull=False).values_list("pk", flat=True)
    for charger_id in list(silent):
        if Charger.objects.filter(pk=charger_id, silent_since__isnull=False).update(silent_since=None):
            with transaction.atomic():
                Charger.objects.select_for_update().get(pk=charger_id)  # after any StatusNotification in progress
                _apply_reported_statuses(charger_id)


def silence_deadline(charger: Charger, now: datetime) -> datetime:
    """When a connected charger counts as silent: OCPP_SILENT_AFTER_HEARTBEATS heartbeat intervals after it was last
    seen, plus the gateway's write interval and delay for "last seen" (OCPP 1.6 §4.6: the interval is the charger's
    promise)."""
    writes = SEEN_WRITE_SECONDS + SEEN_FLUSH_SECONDS
    seconds = charger.heartbeat_interval * settings.OCPP_SILENT_AFTER_HEARTBEATS + writes
    return (charger.last_seen_at or now) + timedelta(seconds=seconds)


def chargers_mark_silent(*, now: datetime | None = None) -> int:
    """Connected chargers that stopped talking without closing their socket: their EVSEs become UNKNOWN (OCPI 2.2.1
    mod_locations.md §4.4.2, no status information available) until they speak again. Returns how many."""
    now = now or timezone.now()
    marked = 0
    for charger in Charger.objects.filter(connected_since__isnull=False, silent_since__isnull=True):
        if silence_deadline(charger, now) > now:
            continue
        with transaction.atomic():
            if not Charger.objects.filter(pk=charger.pk, silent_since__isnull=True).update(silent_since=now):
                continue
            _evses_unknown(charger.pk)
        logger.warning("Charger %s is silent: nothing heard since %s", charger, charger.last_seen_at)
        marked += 1
    return marked


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


def _apply_reported_statuses(charger_id: int) -> set[int]:
    """Every EVSE of the charger takes the status its connector last reported (those never reported stay as they
    are). Returns the charger's connector ids."""
    connectors = set()
    for link in ChargerEvse.objects.filter(charger_id=charger_id).select_related("evse", "charger"):
        connectors.add(link.connector_id)
        if link.status:
            _apply_status(link)
    return connectors


def _evses_unknown(charger_id: int) -> None:
    """No status information from the charger (OCPI 2.2.1 mod_locations.md §4.4.2: UNKNOWN)."""
    for link in ChargerEvse.objects.filter(charger_id=charger_id).select_related("evse"):
        evse_set_status(evse=link.evse, status=EvseStatus.UNKNOWN)


def _apply_status(link: ChargerEvse) -> ChargingSession | None:
    """The EVSE takes the connector's status; returns the EVSE's open session."""
    session = open_session(link.evse)
    status = _effective(link)
    if session is not None and status == EvseStatus.AVAILABLE:
        return session  # a running session keeps its EVSE taken until it ends (by StopTransaction or reconciliation)
    evse_set_status(evse=link.evse, status=status)
    return session


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
    # The charger row is locked: statuses re-applied for a charger that speaks again (``chargers_seen``) wait for
    # this one. Its "last seen" is the frame's, written in batches (``seen``). The connector, its EVSE and the charger
    # come in one query (connector 0 is the charger's own).
    links = ChargerEvse.objects.select_related("evse", "charger").select_for_update(of=("charger",))
    link = links.filter(charger_id=charger_id, connector_id=connector_id).first() if connector_id else None
    charger = link.charger if link is not None else Charger.objects.select_for_update().get(pk=charger_id)
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
        charger.save(update_fields=["status", "error_code"])
        _apply_reported_statuses(charger_id)
        return
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
    state = CHARGING_STATE.get(status)
    if state is None and link.evse.status == _effective(link):
        return  # the EVSE shows this already and no session's state follows from it (most reports: two queries less)
    session = _apply_status(link)
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
        transaction_close(tx, reason="Ended by us: the charger rebooted and reports the connector available")


# --- Authorization -----------------------------------------------------------------------------------------------


def _first_evse(charger_id: int, connector_id: int | None) -> EVSE | None:
    links = ChargerEvse.objects.filter(charger_id=charger_id).select_related("evse__location")
    if connector_id:
        links = links.filter(connector_id=connector_id)
    link = links.first()
    return link.evse if link is not None else None


def authorize(*, charger_id: int, id_tag: str, connector_id: int | None = None) -> AuthorizationDecision | None:
    """Authorize (OCPP 1.6 §4.1) → the token authority OCPI uses, real-time authorization included. None for a tag
    we sent in a RemoteStartTransaction ourselves: the eMSP's START_SESSION authorized it already."""
    if remote_start_expected(charger_id=charger_id, id_tag=id_tag):
        return None
    evse = _first_evse(charger_id, connector_id)
    if evse is None:
        return AuthorizationDecision(allowed=False, reason="The charger serves no EVSE.")
    return get_token_authority().authorize(
        token_uid=id_tag, token_type=TokenType.RFID, location=evse.location, evse=evse
    )


def id_tag_status(decision: AuthorizationDecision | None) -> str:
    """OCPP 1.6 AuthorizationStatus for a decision: Accepted, or Invalid (we do not tell Blocked from Expired)."""
    return "Accepted" if decision is None or decision.allowed else "Invalid"
