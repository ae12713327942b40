"""Charger control: how the domain asks a real charger to act, without knowing how chargers are reached.

The OCPI commands (START_SESSION, STOP_SESSION, UNLOCK_CONNECTOR, RESERVE_NOW, CANCEL_RESERVATION) are carried out
through this interface. A charger gateway (``ocpp_gateway``) implements :class:`ChargerControl` and registers it
with :func:`set_charger_control` when its app loads, as the OCPI app registers the token authority. An EVSE that no
registered charger serves (``serves`` is False) is played by the charge point simulator, as in the demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.db import models

if TYPE_CHECKING:
    from .authorization import DriverToken
    from .models import EVSE, ChargingSession


class ControlResult(models.TextChoices):
    """What the charger answered, in the words of OCPI's CommandResultType (OCPI 2.2.1 mod_commands.md §4.2)."""

    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    TIMEOUT = "TIMEOUT"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    EVSE_OCCUPIED = "EVSE_OCCUPIED"
    EVSE_INOPERATIVE = "EVSE_INOPERATIVE"
    UNKNOWN_RESERVATION = "UNKNOWN_RESERVATION"


@dataclass(frozen=True)
class ControlOutcome:
    result: ControlResult
    message: str


class ChargerControl(Protocol):
    def serves(self, evse: EVSE) -> bool:
        """Whether a registered charger serves this EVSE (connected or not)."""
        ...

    def remote_start(
        self, *, evse: EVSE, token: DriverToken, authorization_reference: str | None
    ) -> ControlOutcome: ...

    def remote_stop(self, *, session: ChargingSession) -> ControlOutcome: ...

    def unlock(self, *, evse: EVSE) -> ControlOutcome: ...

    def reserve(self, *, evse: EVSE, reservation_key: str, expiry: datetime, token: DriverToken) -> ControlOutcome: ...

    def cancel_reservation(self, *, evse: EVSE, reservation_key: str) -> ControlOutcome: ...


class NoChargerControl:
    """In force until a gateway registers: no EVSE is served by a real charger, the simulator plays them all."""

    def serves(self, evse: EVSE) -> bool:
        return False

    def _none(self) -> ControlOutcome:
        return ControlOutcome(ControlResult.FAILED, "No charger gateway is configured.")

    def remote_start(self, *, evse: EVSE, token: DriverToken, authorization_reference: str | None) -> ControlOutcome:
        return self._none()

    def remote_stop(self, *, session: ChargingSession) -> ControlOutcome:
        return self._none()

    def unlock(self, *, evse: EVSE) -> ControlOutcome:
        return self._none()

    def reserve(self, *, evse: EVSE, reservation_key: str, expiry: datetime, token: DriverToken) -> ControlOutcome:
        return self._none()

    def cancel_reservation(self, *, evse: EVSE, reservation_key: str) -> ControlOutcome:
        return self._none()


_control: ChargerControl = NoChargerControl()


def set_charger_control(control: ChargerControl) -> ChargerControl:
    """Register the charger control. Returns the previous one, so tests can put it back."""
    global _control
    previous, _control = _control, control
    return previous


def get_charger_control() -> ChargerControl:
    return _control


def serving_control(evse: EVSE) -> ChargerControl | None:
    """The control of the real charger that serves ``evse`` (its answer is the outcome); None when no charger does,
    and the simulator plays the EVSE."""
    return _control if _control.serves(evse) else None
