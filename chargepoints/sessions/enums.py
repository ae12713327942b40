"""Enumerations of charging sessions. Values are the OCPI 2.2.1 ones where OCPI has them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionStatus(models.TextChoices):
    ACTIVE = "ACTIVE", _("Active")
    COMPLETED = "COMPLETED", _("Completed")
    INVALID = "INVALID", _("Invalid (not billed)")
    PENDING = "PENDING", _("Pending")
    RESERVATION = "RESERVATION", _("Reservation")


class ChargingState(models.TextChoices):
    """What the vehicle is doing, as the charger reports it (OCPP's Charging / SuspendedEV / Finishing).

    SUSPENDED_EV is a pause the vehicle takes while it still wants energy (battery conditioning, a full-ish battery
    balancing): it stays charging time. PARKING is the vehicle no longer requesting power, which OCPI prices as
    PARKING_TIME (errata definition).
    """

    CHARGING = "CHARGING", _("Charging")
    SUSPENDED_EV = "SUSPENDED_EV", _("Suspended by the vehicle")
    PARKING = "PARKING", _("Parking (not requesting power)")


class CdrDimensionType(models.TextChoices):
    """The quantities a charging period records (OCPI CdrDimensionType). POWER and CURRENT are session-only."""

    CURRENT = "CURRENT"
    ENERGY = "ENERGY"
    MAX_CURRENT = "MAX_CURRENT"
    MIN_CURRENT = "MIN_CURRENT"
    MAX_POWER = "MAX_POWER"
    MIN_POWER = "MIN_POWER"
    PARKING_TIME = "PARKING_TIME"
    POWER = "POWER"
    TIME = "TIME"


SESSION_ONLY_DIMENSIONS = frozenset({CdrDimensionType.CURRENT, CdrDimensionType.POWER})
