"""Partner platforms we exchange OCPI with, and the credentials of each connection (OCPI 2.2.1 credentials.asciidoc)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chargepoints.authorization import AuthMethod, DriverToken, WhitelistType
from chargepoints.enums import TokenType
from chargepoints.models import ChargingSession, Location


class Partner(models.Model):
    """One OCPI connection with another platform (an eMSP, a hub, a navigation provider…).

    ``token_hash`` is the SHA-256 of the token the partner presents to us: token A while the connection is pending and
    we are the server of the handshake, token B when we initiated it, token C afterwards. ``previous_token_hash`` keeps
    the token before a rotation valid until the partner has used the new one, so a lost answer never locks it out.
    ``outbound_token`` is what we present to them; we must send it, so it cannot be hashed.
    """

    class Status(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        REGISTERED = "REGISTERED", _("Registered")
        UNREGISTERED = "UNREGISTERED", _("Unregistered")

    name = models.CharField(max_length=100, blank=True, verbose_name=_("name"))
    country_code = models.CharField(
        max_length=2,
        blank=True,
        help_text=_("Main party of the partner (ISO 3166 alpha-2)."),
        verbose_name=_("country code"),
    )
    party_id = models.CharField(max_length=3, blank=True, verbose_name=_("party id"))
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True, verbose_name=_("status")
    )
    versions_url = models.URLField(_("their versions URL"), max_length=255, blank=True)
    version = models.CharField(_("OCPI version in use"), max_length=10, blank=True)
    endpoints = models.JSONField(
        default=list, blank=True, help_text=_("Their modules: identifier, role and URL."), verbose_name=_("endpoints")
    )
    roles = models.JSONField(
        default=list, blank=True, help_text=_("Their CredentialsRoles from the handshake."), verbose_name=_("roles")
    )
    token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False, verbose_name=_("token hash")
    )
    previous_token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False, verbose_name=_("previous token hash")
    )
    outbound_token = models.CharField(max_length=64, blank=True, editable=False, verbose_name=_("outbound token"))
    auth_header_base64 = models.BooleanField(
        _("send tokens Base64-encoded"),
        default=True,
        help_text=_("OCPI 2.2.1 encodes the token; many older peers expect it raw. Found out during the handshake."),
    )
    realtime_authorization = models.BooleanField(
        _("ask in real time for ALLOWED tokens"),
        default=False,
        help_text=_(
            "Tokens with whitelist ALLOWED are decided locally unless this is set; then we ask the eMSP first "
            "and fall back to the local copy when it cannot answer."
        ),
    )
    last_success_at = models.DateTimeField(_("last successful call to them"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last request from them"), null=True, blank=True)
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    tokens_pulled_at = models.DateTimeField(
        _("their token list read up to"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the last complete pull of their token list started; the next pull asks for changes since."),
    )
    tokens_pull = models.JSONField(_("last token pull"), default=dict, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering: ClassVar = ["name", "id"]

    def __str__(self) -> str:
        party = f"{self.country_code}*{self.party_id}" if self.country_code else f"#{self.pk}"
        return f"{self.name or 'Partner'} ({party})"

    @property
    def is_registered(self) -> bool:
        return self.status == self.Status.REGISTERED

    def endpoint_url(self, identifier: str, role: str | None = None) -> str | None:
        for endpoint in self.endpoints:
            if endpoint.get("identifier") == identifier and (role is None or endpoint.get("role") in (role, None)):
                return str(endpoint["url"])
        return None

    def role_labels(self) -> list[str]:
        return [f"{r.get('role')} {r.get('country_code')}*{r.get('party_id')}" for r in self.roles]

    def record_success(self) -> None:
        self.last_success_at = timezone.now()
        self.last_error = ""

    def mark_success(self, **extra: Any) -> None:
        self.record_success()
        for key, value in extra.items():
            setattr(self, key, value)
        self.save(update_fields=["last_success_at", "last_error", "updated", *extra])


class PartyGrant(models.Model):
    """A party (country_code, party_id) that staff allow a partner to act for: its tokens, sessions, CDRs, commands.

    Parties are granted, never claimed: the roles a partner names in its credentials must all be granted, or the
    handshake is refused. The party of a token A is granted when the token A is made; staff grant more on the partner
    page. A grant is never deleted: revoking keeps who granted it, when and why, next to who revoked it. One party has
    at most one grant in force, whoever holds it (a database constraint), so no party belongs to two partners.
    """

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="grants", verbose_name=_("partner"))
    country_code = models.CharField(max_length=2, verbose_name=_("country code"))
    party_id = models.CharField(max_length=3, verbose_name=_("party id"))
    reason = models.CharField(
        max_length=255, help_text=_("Why staff granted it (contract, ticket…)."), verbose_name=_("reason")
    )
    granted_by = models.CharField(
        max_length=150, help_text=_("The staff user, or the command that granted it."), verbose_name=_("granted by")
    )
    granted_at = models.DateTimeField(default=timezone.now, verbose_name=_("granted at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    revoked_by = models.CharField(max_length=150, blank=True, verbose_name=_("revoked by"))
    revoke_reason = models.CharField(max_length=255, blank=True, verbose_name=_("revoke reason"))

    class Meta:
        verbose_name = _("party grant")
        verbose_name_plural = _("party grants")
        ordering: ClassVar = ["country_code", "party_id", "-granted_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["country_code", "party_id"],
                condition=Q(revoked_at__isnull=True),
                name="partygrant_one_holder_per_party",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["partner", "revoked_at"], name="partygrant_partner")]

    def __str__(self) -> str:
        state = f"revoked {self.revoked_at:%Y-%m-%d}" if self.revoked_at else "in force"
        return f"{self.country_code}*{self.party_id} for {self.partner} ({state})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# --- Drivers' tokens, authorization decisions and commands (OCPI 2.2.1 mod_tokens, mod_commands) ----------------------


class ProfileType(models.TextChoices):
    CHEAP = "CHEAP"
    FAST = "FAST"
    GREEN = "GREEN"
    REGULAR = "REGULAR"


class EmspToken(models.Model):
    """A driver's token as its eMSP pushed it to us (OCPI 2.2.1 mod_tokens.asciidoc, Token Object): our cache for local
    authorization.

    The eMSP owns it: only the partner with that party may change it, and it is never deleted (``valid: false``
    retires it). ``uid`` is a CiString, so (country_code, party_id, uid, type) is unique regardless of case.
    """

    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="tokens",
        help_text=_("Who pushed it."),
        verbose_name=_("partner"),
    )
    country_code = models.CharField(max_length=2, verbose_name=_("country code"))
    party_id = models.CharField(max_length=3, verbose_name=_("party id"))
    uid = models.CharField(max_length=36, verbose_name=_("UID"))
    type = models.CharField(max_length=12, choices=TokenType.choices, verbose_name=_("type"))
    contract_id = models.CharField(max_length=36, verbose_name=_("contract id"))
    visual_number = models.CharField(max_length=64, blank=True, verbose_name=_("visual number"))
    issuer = models.CharField(max_length=64, verbose_name=_("issuer"))
    group_id = models.CharField(max_length=36, blank=True, verbose_name=_("group id"))
    valid = models.BooleanField(verbose_name=_("valid"))
    whitelist = models.CharField(max_length=16, choices=WhitelistType.choices, verbose_name=_("whitelist"))
    language = models.CharField(max_length=2, blank=True, verbose_name=_("language"))
    default_profile_type = models.CharField(
        max_length=8, choices=ProfileType.choices, blank=True, verbose_name=_("default profile type")
    )
    energy_contract = models.JSONField(
        null=True, blank=True, help_text=_("supplier_name and contract_id."), verbose_name=_("energy contract")
    )
    last_updated = models.DateTimeField(help_text=_("The eMSP's last_updated."), verbose_name=_("last updated"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        verbose_name_plural = _("eMSP tokens")
        verbose_name = _("eMSP token")
        ordering: ClassVar = ["country_code", "party_id", "uid", "type"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                Upper("uid"), "country_code", "party_id", "type", name="emsptoken_unique_per_party"
            ),
        ]
        indexes: ClassVar = [models.Index(Upper("uid"), name="emsptoken_uid")]

    def __str__(self) -> str:
        return f"{self.country_code}*{self.party_id} {self.type} {self.uid}"

    def facts(self) -> DriverToken:
        return DriverToken(
            country_code=self.country_code,
            party_id=self.party_id,
            uid=self.uid,
            type=self.type,
            contract_id=self.contract_id,
            issuer=self.issuer,
            valid=self.valid,
            whitelist=self.whitelist,
            visual_number=self.visual_number,
            group_id=self.group_id,
            language=self.language,
        )


class AuthorizationRecord(models.Model):
    """One answer to "may this token charge here?", kept so that staff can see why a driver could or could not."""

    class Source(models.TextChoices):
        LOCAL = "LOCAL", _("Our copy of the token")
        REAL_TIME = "REAL_TIME", _("Real-time answer of the eMSP")
        FALLBACK = "FALLBACK", _("Our copy: the eMSP could not answer")
        COMMAND = "COMMAND", _("Pre-authorized by the eMSP's command")
        CONFLICT = "CONFLICT", _("Refused: the uid is held by several eMSPs")

    created = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("created"))
    token_uid = models.CharField(max_length=36, db_index=True, verbose_name=_("token UID"))
    token_type = models.CharField(max_length=12, verbose_name=_("token type"))
    token = models.ForeignKey(
        EmspToken,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authorizations",
        verbose_name=_("token"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("partner")
    )
    location_id = models.CharField(max_length=36, verbose_name=_("location id"))
    evse_uid = models.CharField(max_length=36, verbose_name=_("EVSE UID"))
    allowed = models.BooleanField(verbose_name=_("allowed"))
    source = models.CharField(max_length=10, choices=Source.choices, verbose_name=_("source"))
    allowed_type = models.CharField(
        max_length=12,
        blank=True,
        help_text=_("The eMSP's AllowedType when it answered in real time."),
        verbose_name=_("allowed type"),
    )
    auth_method = models.CharField(max_length=12, choices=AuthMethod.choices, blank=True, verbose_name=_("auth method"))
    authorization_reference = models.CharField(max_length=36, blank=True, verbose_name=_("authorization reference"))
    reason = models.CharField(max_length=255, verbose_name=_("reason"))
    exchange = models.CharField(
        max_length=255,
        blank=True,
        help_text=_("The real-time call: what the eMSP answered, or why it could not."),
        verbose_name=_("exchange"),
    )

    class Meta:
        verbose_name = _("authorization record")
        verbose_name_plural = _("authorization records")
        ordering: ClassVar = ["-created", "-id"]
        # The Tokens page: the latest decisions, and those of one uid in any case (token uids are case-insensitive).
        indexes: ClassVar = [
            models.Index(fields=["-created", "-id"], name="authorization_newest"),
            models.Index(Upper("token_uid"), F("created").desc(), F("id").desc(), name="authorization_uid_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.token_uid} {'allowed' if self.allowed else 'refused'} at {self.created:%Y-%m-%d %H:%M:%S}"


class CommandRequest(models.Model):
    """A command an eMSP sent us (OCPI 2.2.1 mod_commands.asciidoc): what we answered at once, and the charger's result
    we sent later."""

    # OCPI codes (mod_commands.asciidoc §CommandType, §CommandResponseType, §CommandResultType), shown as they are.
    class Command(models.TextChoices):
        CANCEL_RESERVATION = "CANCEL_RESERVATION", "CANCEL_RESERVATION"
        RESERVE_NOW = "RESERVE_NOW", "RESERVE_NOW"
        START_SESSION = "START_SESSION", "START_SESSION"
        STOP_SESSION = "STOP_SESSION", "STOP_SESSION"
        UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR", "UNLOCK_CONNECTOR"

    class Response(models.TextChoices):
        ACCEPTED = "ACCEPTED", "ACCEPTED"
        NOT_SUPPORTED = "NOT_SUPPORTED", "NOT_SUPPORTED"
        REJECTED = "REJECTED", "REJECTED"
        UNKNOWN_SESSION = "UNKNOWN_SESSION", "UNKNOWN_SESSION"

    class Result(models.TextChoices):
        ACCEPTED = "ACCEPTED", "ACCEPTED"
        CANCELED_RESERVATION = "CANCELED_RESERVATION", "CANCELED_RESERVATION"
        EVSE_OCCUPIED = "EVSE_OCCUPIED", "EVSE_OCCUPIED"
        EVSE_INOPERATIVE = "EVSE_INOPERATIVE", "EVSE_INOPERATIVE"
        FAILED = "FAILED", "FAILED"
        NOT_SUPPORTED = "NOT_SUPPORTED", "NOT_SUPPORTED"
        REJECTED = "REJECTED", "REJECTED"
        TIMEOUT = "TIMEOUT", "TIMEOUT"
        UNKNOWN_RESERVATION = "UNKNOWN_RESERVATION", "UNKNOWN_RESERVATION"

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="commands", verbose_name=_("partner"))
    command = models.CharField(max_length=20, choices=Command.choices, verbose_name=_("command"))
    received_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("received at"))
    response_url = models.CharField(max_length=255, verbose_name=_("response URL"))
    payload = models.JSONField(help_text=_("The command as the eMSP sent it."), verbose_name=_("payload"))
    location_id = models.CharField(max_length=36, blank=True, verbose_name=_("location id"))
    evse_uid = models.CharField(max_length=36, blank=True, verbose_name=_("EVSE UID"))
    connector_id = models.CharField(max_length=36, blank=True, verbose_name=_("connector id"))
    reservation_id = models.CharField(
        max_length=36, blank=True, help_text=_("The eMSP's id, only valid for it."), verbose_name=_("reservation id")
    )
    expiry_date = models.DateTimeField(
        null=True, blank=True, help_text=_("RESERVE_NOW: when the reservation ends."), verbose_name=_("expiry date")
    )
    session = models.ForeignKey(
        ChargingSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commands",
        verbose_name=_("session"),
    )
    response = models.CharField(max_length=16, choices=Response.choices, verbose_name=_("response"))
    response_message = models.CharField(max_length=255, blank=True, verbose_name=_("response message"))
    timeout = models.PositiveIntegerField(
        help_text=_("Seconds the eMSP waits for the result."), verbose_name=_("timeout")
    )
    result = models.CharField(max_length=20, choices=Result.choices, blank=True, verbose_name=_("result"))
    result_message = models.CharField(max_length=255, blank=True, verbose_name=_("result message"))
    result_at = models.DateTimeField(null=True, blank=True, verbose_name=_("result at"))

    class Meta:
        verbose_name = _("command request")
        verbose_name_plural = _("command requests")
        ordering: ClassVar = ["-received_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["partner", "reservation_id"], name="command_reservation")]

    def __str__(self) -> str:
        return f"{self.command} from {self.partner} at {self.received_at:%Y-%m-%d %H:%M:%S}"

    @property
    def deadline(self) -> datetime:
        return self.received_at + timedelta(seconds=self.timeout)


class CdrDelivery(models.Model):
    """Where a CDR we POSTed lives at the eMSP: the ``Location`` header of its answer (OCPI 2.2.1 mod_cdrs.asciidoc,
    Receiver Interface)."""

    cdr = models.ForeignKey("billing.Cdr", on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("CDR"))
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="cdr_deliveries", verbose_name=_("partner")
    )
    location_url = models.CharField(_("their URL of the CDR"), max_length=512, blank=True)
    delivered_at = models.DateTimeField(default=timezone.now, verbose_name=_("delivered at"))

    class Meta:
        verbose_name = _("CDR delivery")
        verbose_name_plural = _("CDR deliveries")
        ordering: ClassVar = ["-delivered_at", "-id"]
        constraints: ClassVar = [models.UniqueConstraint(fields=["cdr", "partner"], name="cdrdelivery_once")]

    def __str__(self) -> str:
        return f"{self.cdr} at {self.partner}"


class LocationDocument(models.Model):
    """A roaming location's OCPI 2.2.1 Location object, encoded as the Locations module serves it, so that a page
    of the list is its stored documents joined (``ocpi_api.location_documents``).

    ``last_updated`` is the location's own ``last_updated`` when the document was built. Every change below a
    location touches that timestamp (``chargepoints.models.touch_location``), so a document whose stamp differs
    from its location's is out of date and is not served.
    """

    location = models.OneToOneField(
        Location, on_delete=models.CASCADE, primary_key=True, related_name="ocpi_document", verbose_name=_("location")
    )
    last_updated = models.DateTimeField(verbose_name=_("last updated"))
    body = models.BinaryField(verbose_name=_("body"))

    class Meta:
        verbose_name = _("location document")
        verbose_name_plural = _("location documents")

    def __str__(self) -> str:
        return f"OCPI document of location {self.location_id}"
