"""Chargers that may connect over OCPP 1.6J, what they told us, and every frame exchanged with them."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chargepoints.models import EVSE, ChargingSession


class Charger(models.Model):
    """A charge point known to us. It authenticates with HTTP Basic (OCPP 1.6 security profile 1)."""

    charge_point_id = models.CharField(_("charge point id"), max_length=48, unique=True)
    password_hash = models.CharField(max_length=128, verbose_name=_("password hash"))
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    vendor = models.CharField(max_length=20, blank=True, verbose_name=_("vendor"))
    model = models.CharField(max_length=20, blank=True, verbose_name=_("charge point model"))
    serial_number = models.CharField(max_length=25, blank=True, verbose_name=_("serial number"))
    firmware_version = models.CharField(max_length=50, blank=True, verbose_name=_("firmware version"))
    firmware_status = models.CharField(max_length=32, blank=True, verbose_name=_("firmware status"))
    diagnostics_status = models.CharField(max_length=32, blank=True, verbose_name=_("diagnostics status"))
    heartbeat_interval = models.PositiveIntegerField(default=300, verbose_name=_("heartbeat interval"))
    # Connector 0: the charge point as a whole (OCPP 1.6 §4.9 StatusNotification).
    status = models.CharField(max_length=16, blank=True, verbose_name=_("status"))
    error_code = models.CharField(max_length=32, blank=True, verbose_name=_("error code"))
    last_boot_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last boot at"))
    last_heartbeat_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last heartbeat at"))
    last_seen_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last seen at"))
    connected_since = models.DateTimeField(null=True, blank=True, verbose_name=_("connected since"))
    # Connected, but nothing heard for several heartbeat intervals (a half-open socket): its EVSEs are UNKNOWN.
    silent_since = models.DateTimeField(null=True, blank=True, verbose_name=_("silent since"))
    # Told to reconnect (close 1012) by a gateway process that shut down: its EVSEs keep their status for
    # OCPP_RELEASE_GRACE_SECONDS, then become UNKNOWN unless it connected again (services.chargers_released_expire).
    released_at = models.DateTimeField(null=True, blank=True, verbose_name=_("released at"))
    # The channel of the connection holding the charger's socket, on whichever gateway process.
    channel_name = models.CharField(max_length=200, blank=True, verbose_name=_("channel name"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("charger")
        verbose_name_plural = _("chargers")
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

    charger = models.ForeignKey(Charger, on_delete=models.CASCADE, related_name="connectors", verbose_name=_("charger"))
    connector_id = models.PositiveSmallIntegerField(verbose_name=_("connector id"))
    evse = models.OneToOneField(EVSE, on_delete=models.PROTECT, related_name="ocpp_connector", verbose_name=_("EVSE"))
    status = models.CharField(max_length=16, blank=True, verbose_name=_("status"))
    error_code = models.CharField(max_length=32, blank=True, verbose_name=_("error code"))
    info = models.CharField(max_length=50, blank=True, verbose_name=_("info"))
    vendor_error_code = models.CharField(max_length=50, blank=True, verbose_name=_("vendor error code"))
    status_at = models.DateTimeField(null=True, blank=True, verbose_name=_("status at"))

    class Meta:
        verbose_name = _("charger EVSE")
        verbose_name_plural = _("charger EVSEs")
        ordering: ClassVar = ["charger", "connector_id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["charger", "connector_id"], name="ocpp_connector_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.charger}#{self.connector_id}"


class ChargerFault(models.Model):
    """A StatusNotification that reported an error (errorCode other than NoError), kept for staff."""

    charger = models.ForeignKey(Charger, on_delete=models.CASCADE, related_name="faults", verbose_name=_("charger"))
    connector_id = models.PositiveSmallIntegerField(verbose_name=_("connector id"))
    status = models.CharField(max_length=16, verbose_name=_("status"))
    error_code = models.CharField(max_length=32, verbose_name=_("error code"))
    info = models.CharField(max_length=50, blank=True, verbose_name=_("info"))
    vendor_id = models.CharField(max_length=255, blank=True, verbose_name=_("vendor id"))
    vendor_error_code = models.CharField(max_length=50, blank=True, verbose_name=_("vendor error code"))
    at = models.DateTimeField(verbose_name=_("at"))

    class Meta:
        verbose_name = _("charger fault")
        verbose_name_plural = _("charger faults")
        ordering: ClassVar = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.charger_id}#{self.connector_id} {self.error_code}"


class ConnectionAttempt(models.Model):
    """A charger that was refused at the upgrade: unknown, disabled, or with the wrong password ("wants to connect")."""

    charge_point_id = models.CharField(max_length=48, unique=True, verbose_name=_("charge point id"))
    reason = models.CharField(max_length=100, verbose_name=_("reason"))
    remote_address = models.CharField(max_length=64, blank=True, verbose_name=_("remote address"))
    attempts = models.PositiveIntegerField(default=1, verbose_name=_("attempts"))
    first_at = models.DateTimeField(default=timezone.now, verbose_name=_("first at"))
    last_at = models.DateTimeField(default=timezone.now, verbose_name=_("last at"))

    class Meta:
        verbose_name = _("connection attempt")
        verbose_name_plural = _("connection attempts")
        ordering: ClassVar = ["-last_at"]

    def __str__(self) -> str:
        return self.charge_point_id


class OcppMessage(models.Model):
    """One frame in or out (OCPP-J 1.6 §4: CALL, CALLRESULT, CALLERROR), as it went over the wire."""

    class Direction(models.TextChoices):
        IN = "IN", _("From the charger")
        OUT = "OUT", _("To the charger")

    charger = models.ForeignKey(Charger, on_delete=models.CASCADE, related_name="messages", verbose_name=_("charger"))
    at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))
    direction = models.CharField(max_length=3, choices=Direction.choices, verbose_name=_("direction"))
    message_type = models.CharField(
        max_length=10, verbose_name=_("message type")
    )  # CALL, CALLRESULT, CALLERROR or INVALID
    unique_id = models.CharField(max_length=64, blank=True, verbose_name=_("unique id"))
    action = models.CharField(max_length=64, blank=True, verbose_name=_("action"))
    error_code = models.CharField(max_length=40, blank=True, verbose_name=_("error code"))
    frame = models.TextField(verbose_name=_("frame"))

    class Meta:
        verbose_name = _("OCPP message")
        verbose_name_plural = _("OCPP messages")
        ordering: ClassVar = ["-id"]
        indexes: ClassVar = [models.Index(fields=["charger", "-id"], name="ocpp_message_charger_newest")]

    def __str__(self) -> str:
        return f"{self.direction} {self.message_type} {self.action} {self.unique_id}"


class Transaction(models.Model):
    """An OCPP transaction. Its id is the transactionId we give the charger (int32, never reused)."""

    id = models.AutoField(primary_key=True, verbose_name=_("id"))
    charger = models.ForeignKey(
        Charger, on_delete=models.PROTECT, related_name="transactions", verbose_name=_("charger")
    )
    connector_id = models.PositiveSmallIntegerField(verbose_name=_("connector id"))
    id_tag = models.CharField(max_length=20, verbose_name=_("id tag"))
    started_at = models.DateTimeField(verbose_name=_("started at"))
    meter_start_wh = models.BigIntegerField(verbose_name=_("meter start wh"))
    reservation_id = models.IntegerField(null=True, blank=True, verbose_name=_("reservation id"))
    id_tag_status = models.CharField(max_length=16, verbose_name=_("id tag status"))
    session = models.OneToOneField(
        ChargingSession,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ocpp_transaction",
        verbose_name=_("session"),
    )
    stopped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("stopped at"))
    meter_stop_wh = models.BigIntegerField(null=True, blank=True, verbose_name=_("meter stop wh"))
    stop_reason = models.CharField(max_length=64, blank=True, verbose_name=_("stop reason"))
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received at"))

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
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

    charger = models.ForeignKey(
        Charger, on_delete=models.CASCADE, related_name="pending_remote_starts", verbose_name=_("charger")
    )
    id_tag = models.CharField(max_length=20, verbose_name=_("id tag"))
    token = models.JSONField(verbose_name=_("token"))  # chargepoints.authorization.DriverToken, as a dict
    authorization_reference = models.CharField(
        max_length=36, null=True, blank=True, verbose_name=_("authorization reference")
    )
    expires_at = models.DateTimeField(verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("pending remote start")
        verbose_name_plural = _("pending remote starts")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["charger", "id_tag"], name="ocpp_pending_remote_start_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.charger} remote start for {self.id_tag}"
