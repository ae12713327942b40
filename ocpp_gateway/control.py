"""The gateway's implementation of the domain's charger control (chargepoints.control), registered at app load.

Answers are mapped to OCPI CommandResultType as OCPI 2.2.1 mod_commands.md §4.2 describes them: the result says
whether the charger accepted the request; what follows (the session, the CDR) comes from the charger's messages.
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import datetime

from django.db.models import Q

from chargepoints.authorization import DriverToken
from chargepoints.control import ControlOutcome, ControlResult
from chargepoints.enums import EvseStatus
from chargepoints.models import EVSE, ChargingSession

from .commands import Answer, charger_call
from .models import ChargerEvse
from .remote_starts import RemoteStart
from .simulated_charger import SIMULATED_PREFIX
from .timestamps import format_timestamp
from .transactions import open_transaction_id

_OCCUPIED = (EvseStatus.CHARGING, EvseStatus.BLOCKED, EvseStatus.RESERVED)
_OUT_OF_SERVICE = (EvseStatus.OUTOFORDER, EvseStatus.INOPERATIVE)


def id_tag_for(token_uid: str) -> str:
    """The idTag (≤20 characters, OCPP 1.6 §7.16 IdToken) we send for a token: its uid, or a digest of a longer one."""
    if len(token_uid) <= 20:
        return token_uid
    return hashlib.sha256(token_uid.encode()).hexdigest()[:20].upper()


def reservation_number(reservation_key: str) -> int:
    """OCPP's reservationId is an integer; OCPI's reservation_id a string: a stable int32 for it."""
    return zlib.crc32(reservation_key.encode()) & 0x7FFFFFFF


def _outcome(answer: Answer, results: dict[str, ControlResult], what: str) -> ControlOutcome:
    if answer.outcome == "offline":
        return ControlOutcome(ControlResult.FAILED, f"{what}: the charger is not connected.")
    if answer.outcome == "timeout":
        return ControlOutcome(ControlResult.TIMEOUT, f"{what}: the charger did not answer in time.")
    if answer.outcome != "answered":
        return ControlOutcome(ControlResult.FAILED, f"{what}: {answer.summary()}"[:255])
    result = results.get(answer.status, ControlResult.FAILED)
    return ControlOutcome(result, f"{what}: the charger answered {answer.status}.")


class GatewayChargerControl:
    def serves(self, evse: EVSE) -> bool:
        """A charger serves the EVSE; a simulated one (``simulated_charger``) only while it is connected: it leaves
        once its visit is played, and the domain's simulator then plays the EVSE's OCPI commands as before."""
        simulated_and_gone = Q(charger__charge_point_id__startswith=SIMULATED_PREFIX, charger__connected_since=None)
        return ChargerEvse.objects.filter(evse=evse).exclude(simulated_and_gone).exists()

    def _link(self, evse: EVSE) -> ChargerEvse:
        return ChargerEvse.objects.select_related("charger").get(evse=evse)

    def _not_free(self, evse: EVSE) -> ControlOutcome | None:
        if evse.status in _OCCUPIED:
            return ControlOutcome(ControlResult.EVSE_OCCUPIED, f"EVSE {evse} is {evse.status.lower()}.")
        if evse.status in _OUT_OF_SERVICE:
            return ControlOutcome(ControlResult.EVSE_INOPERATIVE, f"EVSE {evse} is {evse.status.lower()}.")
        return None

    def remote_start(self, *, evse: EVSE, token: DriverToken, authorization_reference: str | None) -> ControlOutcome:
        link = self._link(evse)
        busy = self._not_free(evse) if evse.status != EvseStatus.RESERVED else None
        if busy is not None:
            return busy
        answer = charger_call(
            charger=link.charger,
            action="RemoteStartTransaction",
            kwargs={"id_tag": id_tag_for(token.uid), "connector_id": link.connector_id},
            remote_start=RemoteStart(token, authorization_reference),
        )
        results = {"Accepted": ControlResult.ACCEPTED, "Rejected": ControlResult.REJECTED}
        return _outcome(answer, results, "RemoteStartTransaction")

    def remote_stop(self, *, session: ChargingSession) -> ControlOutcome:
        link = self._link(session.evse)
        transaction_id = open_transaction_id(session=session)
        if transaction_id is None:
            return ControlOutcome(ControlResult.FAILED, "The charger has no open transaction for this session.")
        answer = charger_call(
            charger=link.charger, action="RemoteStopTransaction", kwargs={"transaction_id": transaction_id}
        )
        results = {"Accepted": ControlResult.ACCEPTED, "Rejected": ControlResult.REJECTED}
        return _outcome(answer, results, "RemoteStopTransaction")

    def unlock(self, *, evse: EVSE) -> ControlOutcome:
        link = self._link(evse)
        answer = charger_call(
            charger=link.charger, action="UnlockConnector", kwargs={"connector_id": link.connector_id}
        )
        results = {
            "Unlocked": ControlResult.ACCEPTED,
            "UnlockFailed": ControlResult.FAILED,
            "NotSupported": ControlResult.NOT_SUPPORTED,
        }
        return _outcome(answer, results, "UnlockConnector")

    def reserve(self, *, evse: EVSE, reservation_key: str, expiry: datetime, token: DriverToken) -> ControlOutcome:
        link = self._link(evse)
        answer = charger_call(
            charger=link.charger,
            action="ReserveNow",
            kwargs={
                "connector_id": link.connector_id,
                "expiry_date": format_timestamp(expiry),
                "id_tag": id_tag_for(token.uid),
                "reservation_id": reservation_number(reservation_key),
            },
        )
        results = {
            "Accepted": ControlResult.ACCEPTED,
            "Occupied": ControlResult.EVSE_OCCUPIED,
            "Faulted": ControlResult.EVSE_INOPERATIVE,
            "Unavailable": ControlResult.EVSE_INOPERATIVE,
            "Rejected": ControlResult.REJECTED,
        }
        return _outcome(answer, results, "ReserveNow")

    def cancel_reservation(self, *, evse: EVSE, reservation_key: str) -> ControlOutcome:
        link = self._link(evse)
        answer = charger_call(
            charger=link.charger,
            action="CancelReservation",
            kwargs={"reservation_id": reservation_number(reservation_key)},
        )
        results = {"Accepted": ControlResult.ACCEPTED, "Rejected": ControlResult.REJECTED}
        return _outcome(answer, results, "CancelReservation")
