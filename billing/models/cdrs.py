"""CDRs (charge detail records): every invoice line is built from issued CDRs."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chargepoints.authorization import AuthMethod
from chargepoints.enums import ConnectorFormat, ConnectorType, PowerType, TokenType
from chargepoints.models import ChargingSession
from chargepoints.sessions.pricing import PeriodFacts

# --- CDRs ---------------------------------------------------------------------------------------------------------
# Written only through billing.services.cdrs.


def _default_country_code() -> str:
    return str(settings.CPO_COUNTRY_CODE)


def _default_party_id() -> str:
    return str(settings.CPO_PARTY_ID)


def new_cdr_id() -> str:
    """36 characters, so a credit CDR's id (original + "-C") stays within OCPI's 39."""
    return str(uuid.uuid4())


class CdrQuerySet(models.QuerySet["Cdr"]):
    def update(self, **kwargs: Any) -> int:
        if self.exclude(status=Cdr.Status.REVIEW).exists():
            raise ValidationError("Issued and voided CDRs never change; credit an issued one and issue a new one.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValidationError("CDRs are never deleted.")


class Cdr(models.Model):
    """A charge detail record (OCPI CDR): the billable, sealed account of one finished session.

    Everything is copied in when the CDR is made (token, location as at the session's start, tariff, periods and
    totals), so later edits elsewhere never change it. Only a CDR in REVIEW may still change (by being released or
    voided); ISSUED and VOID ones are immutable, enforced here and in the admin. A correction is a credit CDR (same
    data, ``credit``, costs negated) plus a new CDR that ``replaces`` the corrected one.
    """

    class Status(models.TextChoices):
        REVIEW = "REVIEW", _("Held for review")
        ISSUED = "ISSUED", _("Issued")
        VOID = "VOID", _("Void (never issued)")

    country_code = models.CharField(max_length=2, default=_default_country_code, verbose_name=_("country code"))
    party_id = models.CharField(max_length=3, default=_default_party_id, verbose_name=_("party id"))
    ocpi_id = models.CharField(_("CDR id"), max_length=39, unique=True, default=new_cdr_id)
    status = models.CharField(max_length=6, choices=Status.choices, db_index=True, verbose_name=_("status"))
    session = models.ForeignKey(
        ChargingSession, on_delete=models.PROTECT, related_name="cdrs", verbose_name=_("session")
    )
    start_date_time = models.DateTimeField(verbose_name=_("start date time"))
    end_date_time = models.DateTimeField(verbose_name=_("end date time"))
    # CdrToken
    token_country_code = models.CharField(max_length=2, verbose_name=_("token country code"))
    token_party_id = models.CharField(max_length=3, verbose_name=_("token party id"))
    token_uid = models.CharField(max_length=36, verbose_name=_("token UID"))
    token_type = models.CharField(max_length=12, choices=TokenType.choices, verbose_name=_("token type"))
    token_contract_id = models.CharField(max_length=36, verbose_name=_("token contract id"))
    auth_method = models.CharField(max_length=12, choices=AuthMethod.choices, verbose_name=_("auth method"))
    authorization_reference = models.CharField(max_length=36, blank=True, verbose_name=_("authorization reference"))
    # CdrLocation, as it was when the session started; OCPI's limits applied (see billing.services.cdrs).
    location_id = models.CharField(max_length=36, verbose_name=_("location id"))
    location_name = models.CharField(max_length=255, blank=True, verbose_name=_("location name"))
    location_address = models.CharField(max_length=45, verbose_name=_("location address"))
    location_city = models.CharField(max_length=45, verbose_name=_("location city"))
    location_postal_code = models.CharField(max_length=10, blank=True, verbose_name=_("location postal code"))
    location_state = models.CharField(max_length=20, blank=True, verbose_name=_("location state"))
    location_country = models.CharField(max_length=3, verbose_name=_("location country"))
    location_latitude = models.CharField(max_length=10, verbose_name=_("location latitude"))
    location_longitude = models.CharField(max_length=11, verbose_name=_("location longitude"))
    evse_uid = models.CharField(max_length=36, verbose_name=_("EVSE UID"))
    evse_id = models.CharField(max_length=48, verbose_name=_("EVSE id"))
    connector_id = models.CharField(max_length=36, verbose_name=_("connector id"))
    connector_standard = models.CharField(
        max_length=32, choices=ConnectorType.choices, verbose_name=_("connector standard")
    )
    connector_format = models.CharField(
        max_length=8, choices=ConnectorFormat.choices, verbose_name=_("connector format")
    )
    connector_power_type = models.CharField(
        max_length=16, choices=PowerType.choices, verbose_name=_("connector power type")
    )
    meter_id = models.CharField(max_length=255, blank=True, verbose_name=_("meter id"))
    currency = models.CharField(max_length=3, blank=True, verbose_name=_("currency"))
    tariff_id = models.CharField(
        max_length=36, blank=True, help_text=_("The tariff that priced this CDR."), verbose_name=_("tariff id")
    )
    # The tariff as it was at the session's start, in the tariffs domain's snapshot form; null without a tariff.
    tariff_snapshot = models.JSONField(null=True, blank=True, verbose_name=_("tariff snapshot"))
    # Exact copies of the session's periods (chargepoints.sessions.pricing.PeriodFacts.to_json), re-priceable as-is.
    charging_periods = models.JSONField(default=list, verbose_name=_("charging periods"))
    # Totals. Costs are null when the CDR could not be priced (it is then held for review).
    total_cost_excl_vat = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, verbose_name=_("total cost excl VAT")
    )
    total_cost_incl_vat = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, verbose_name=_("total cost incl VAT")
    )
    total_fixed_cost_excl_vat = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, verbose_name=_("total fixed cost excl VAT")
    )
    total_fixed_cost_incl_vat = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, verbose_name=_("total fixed cost incl VAT")
    )
    total_energy = models.DecimalField(
        max_digits=16, decimal_places=6, help_text=_("kWh"), verbose_name=_("total energy")
    )
    total_energy_cost_excl_vat = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, verbose_name=_("total energy cost excl VAT")
    )
    total_energy_cost_incl_vat = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, verbose_name=_("total energy cost incl VAT")
    )
    total_time = models.DecimalField(
        max_digits=16, decimal_places=6, help_text=_("hours, charging and parking"), verbose_name=_("total time")
    )
    total_time_cost_excl_vat = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, verbose_name=_("total time cost excl VAT")
    )
    total_time_cost_incl_vat = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, verbose_name=_("total time cost incl VAT")
    )
    total_parking_time = models.DecimalField(
        max_digits=16, decimal_places=6, help_text=_("hours"), verbose_name=_("total parking time")
    )
    total_parking_cost_excl_vat = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, verbose_name=_("total parking cost excl VAT")
    )
    total_parking_cost_incl_vat = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, verbose_name=_("total parking cost incl VAT")
    )
    total_reservation_cost_excl_vat = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, verbose_name=_("total reservation cost excl VAT")
    )
    total_reservation_cost_incl_vat = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, verbose_name=_("total reservation cost incl VAT")
    )
    remark = models.CharField(max_length=255, blank=True, verbose_name=_("remark"))
    invoice_reference_id = models.CharField(
        max_length=39,
        blank=True,
        help_text=_(
            "OCPI invoice_reference_id (mod_cdrs.asciidoc, CDR object): the driver's receipt number of an ad "
            "hoc payment."
        ),
        verbose_name=_("invoice reference id"),
    )
    credit = models.BooleanField(default=False, verbose_name=_("credit"))
    credit_reference_id = models.CharField(max_length=39, blank=True, verbose_name=_("credit reference id"))
    credit_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_cdr",
        editable=False,
        verbose_name=_("credit of"),
    )
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        editable=False,
        verbose_name=_("replaces"),
    )
    # The review queue: why the quality gate held it, and the staff decision.
    review_reasons = models.JSONField(default=list, blank=True, verbose_name=_("review reasons"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.CharField(max_length=255, blank=True, verbose_name=_("decision note"))
    created = models.DateTimeField(default=timezone.now, verbose_name=_("created"))
    issued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("issued at"))
    # OCPI 2.2.1: a CDR's last_updated is when it was made available, i.e. when it was issued.
    last_updated = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("last updated"))

    objects = CdrQuerySet.as_manager()

    class Meta:
        verbose_name = _("CDR")
        verbose_name_plural = _("CDRs")
        ordering: ClassVar = ["-created", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["session"],
                condition=models.Q(credit=False, replaces__isnull=True),
                name="cdr_one_original_per_session",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["last_updated", "id"], name="cdr_sync_order"),
            models.Index(fields=["token_country_code", "token_party_id"], name="cdr_token_party"),
            # The staff CDR list: newest session end first, by status or party, and by month (a range of ends).
            models.Index(fields=["-end_date_time", "-id"], name="cdr_newest_end_first"),
            models.Index(fields=["status", "-end_date_time", "-id"], name="cdr_status_newest"),
            models.Index(
                fields=["token_country_code", "token_party_id", "-end_date_time", "-id"], name="cdr_party_newest"
            ),
        ]

    def __str__(self) -> str:
        return self.ocpi_id

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = Cdr.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored is not None and stored != Cdr.Status.REVIEW:
                raise ValidationError(f"CDR {self.ocpi_id} is {stored.lower()} and can no longer change.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValidationError("CDRs are never deleted.")

    def period_facts(self) -> list[PeriodFacts]:
        """The charging periods; ``dimensions(session_only=False)`` on each gives its OCPI CdrDimensions."""
        return [PeriodFacts.from_json(period) for period in self.charging_periods]


class CdrInReview(Cdr):
    """The review queue: CDRs the quality gate held back, for staff to release or void."""

    class Meta:
        proxy = True
        verbose_name = _("CDR in review")
        verbose_name_plural = _("CDR review queue")
