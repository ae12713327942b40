"""Chargers that may connect over OCPP 1.6J, what they told us, and every frame exchanged with them."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chargepoints.models import EVSE, ChargingSession


class Charger(models.Model):
    """A charge point known to us. It authenticates with HTTP Basic (OCPP 1.6 security profile 1)."""

    charge_point_id = models.CharField("charge point id", max_length=48, unique=True)
    password_hash = models.CharField(max_length=128)
    enabled = models.BooleanField(default=True)
    vendor = models.CharField(max_length=20, blank=True)
    model = models.CharField(max_length=20, blank=True)
    serial_number = models.CharField(max_length=25, blank=True)
    firmware_version = models.CharField(max_length=50, blank=True)
    firmware_status = models.CharField(max_length=32, blank=True)
    diagnostics_status = models.CharField(max_length=32, blank=True)
    heartbeat_interval = models.PositiveIntegerField(default=300)
    # Connector 0: the charge point as a whole (OCPP 1.6 §4.9 StatusNotification).
    status = models.CharField(max_length=16, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    last_boot_at = models.DateTimeField(null=True, blank=True)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    connected_since = models.DateTimeField(null=True, blank=True)
    # Connected, but nothing heard for several heartbeat intervals (a half-open socket): its EVSEs are UNKNOWN.
    silent_since = models.DateTimeField(null=True, blank=True)
    # Told to reconnect (close 1012) by a gateway process that shut down: its EVSEs keep their status for
    # OCPP_RELEASE_GRACE_SECONDS, then become UNKNOWN unless it connected again (services.chargers_released_expire).
    released_at = models.DateTimeField(null=True, blank=True)
    # The channel of the connection holding the charger's socket, on whichever gateway process.
    channel_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["charge_point_id"]

    def __str__(self) -> str:
        return self.charge_point_id

    @property
    def group_name(self) -> str:
        """The channel-layer group its connection listens on (ASCII, as channels requires)."""
        return f"ocpp.charger.{self.pk}"

    @property
    def connected(self) -> bool:
        return self.connected_since is not None


class ChargerEvse(models.Model):
    """One OCPP connector (1, 2, …) of a charger is one OCPI EVSE (OCPP 1.6 §3.3: connectorId > 0)."""

    charger = models.ForeignKey(Charger, on_delete=models.CASCADE, related_name="connectors")
    connector_id = models.PositiveSmallIntegerField()
    evse = models.OneToOneField(EVSE, on_delete=models.PROTECT, related_name="ocpp_connector")
    status = models.CharField(max_length=16, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    info = models.CharField(max_length=50, blank=True)
    vendor_error_code = models.CharField(max_length=50, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["charger", "connector_id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["charger", "connector_id"], name="ocpp_connector_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.charger}#{self.connector_id}"


class ChargerFault(models.Model):
    """A StatusNotification that reported an error (errorCode other than NoError), kept for staff."""

    charger = models.ForeignKey(Charger, on_delete=models.CASCADE, related_name="faults")
    connector_id = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16)
    error_code = models.CharField(max_length=32)
    info = models.CharField(max_length=50, blank=True)
    vendor_id = models.CharField(max_length=255, blank=True)
    vendor_error_code = models.CharField(max_length=50, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.charger_id}#{self.connector_id} {self.error_code}"


class ConnectionAttempt(models.Model):
    """A charger that was refused at the upgrade: unknown, disabled, or with the wrong password ("wants to connect")."""

    charge_point_id = models.CharField(max_length=48, unique=True)
    reason = models.CharField(max_length=100)
    remote_address = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=1)
    first_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-last_at"]

    def __str__(self) -> str:
        return self.charge_point_id


class OcppMessage(models.Model):
    """One frame in or out (OCPP-J 1.6 §4: CALL, CALLRESULT, CALLERROR), as it went over the wire."""

    class Direction(models.TextChoices):
        IN = "IN", _("From the charger")
        OUT = "OUT", _("To the charger")

    charger = models.ForeignKey(Charger, on_delete=models.CASCADE, related_name="messages")
    at = models.DateTimeField(default=timezone.now)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    message_type = models.CharField(max_length=10)  # CALL, CALLRESULT, CALLERROR or INVALID
    unique_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    frame = models.TextField()

    class Meta:
        ordering: ClassVar = ["-id"]
        indexes: ClassVar = [models.Index(fields=["charger", "-id"], name="ocpp_message_charger_newest")]

    def __str__(self) -> str:
        return f"{self.direction} {self.message_type} {self.action} {self.unique_id}"


class Transaction(models.Model):
    """An OCPP transaction. Its id is the transactionId we give the charger (int32, never reused)."""

    id = models.AutoField(primary_key=True)
    charger = models.ForeignKey(Charger, on_delete=models.PROTECT, related_name="transactions")
    connector_id = models.PositiveSmallIntegerField()
    id_tag = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    meter_start_wh = models.BigIntegerField()
    reservation_id = models.IntegerField(null=True, blank=True)
    id_tag_status = models.CharField(max_length=16)
    session = models.OneToOneField(
        ChargingSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="ocpp_transaction"
    )
    stopped_at = models.DateTimeField(null=True, blank=True)
    meter_stop_wh = models.BigIntegerField(null=True, blank=True)
    stop_reason = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-id"]
        constraints: ClassVar = [
            # A StartTransaction sent again (its answer was lost) is the same transaction (OCPP-J 1.6 §4.1.1 retries).
            models.UniqueConstraint(
                fields=["charger", "connector_id", "id_tag", "started_at", "meter_start_wh"],
                name="ocpp_transaction_natural_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.charger} transaction {self.pk}"


class PendingRemoteStart(models.Model):
    """A RemoteStartTransaction the charger accepted, waiting for its StartTransaction with the same idTag.

    Kept in the database, not in the connection, so that a charger that reconnects (to any gateway process) before
    it starts still gets the eMSP's token and authorization reference on its session (OCPI 2.2.1 mod_commands.md
    §4.2 START_SESSION: the session carries the command's token).
    """

    charger = models.ForeignKey(Charger, on_delete=models.CASCADE, related_name="pending_remote_starts")
    id_tag = models.CharField(max_length=20)
    token = models.JSONField()  # chargepoints.authorization.DriverToken, as a dict
    authorization_reference = models.CharField(max_length=36, null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["charger", "id_tag"], name="ocpp_pending_remote_start_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.charger} remote start for {self.id_tag}"
