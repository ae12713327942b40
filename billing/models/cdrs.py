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

    country_code = models.CharField(max_length=2, default=_default_country_code)
    party_id = models.CharField(max_length=3, default=_default_party_id)
    ocpi_id = models.CharField("CDR id", max_length=39, unique=True, default=new_cdr_id)
    status = models.CharField(max_length=6, choices=Status.choices, db_index=True)
    session = models.ForeignKey(ChargingSession, on_delete=models.PROTECT, related_name="cdrs")
    start_date_time = models.DateTimeField()
    end_date_time = models.DateTimeField()
    # CdrToken
    token_country_code = models.CharField(max_length=2)
    token_party_id = models.CharField(max_length=3)
    token_uid = models.CharField(max_length=36)
    token_type = models.CharField(max_length=12, choices=TokenType.choices)
    token_contract_id = models.CharField(max_length=36)
    auth_method = models.CharField(max_length=12, choices=AuthMethod.choices)
    authorization_reference = models.CharField(max_length=36, blank=True)
    # CdrLocation, as it was when the session started; OCPI's limits applied (see billing.services.cdrs).
    location_id = models.CharField(max_length=36)
    location_name = models.CharField(max_length=255, blank=True)
    location_address = models.CharField(max_length=45)
    location_city = models.CharField(max_length=45)
    location_postal_code = models.CharField(max_length=10, blank=True)
    location_state = models.CharField(max_length=20, blank=True)
    location_country = models.CharField(max_length=3)
    location_latitude = models.CharField(max_length=10)
    location_longitude = models.CharField(max_length=11)
    evse_uid = models.CharField(max_length=36)
    evse_id = models.CharField(max_length=48)
    connector_id = models.CharField(max_length=36)
    connector_standard = models.CharField(max_length=32, choices=ConnectorType.choices)
    connector_format = models.CharField(max_length=8, choices=ConnectorFormat.choices)
    connector_power_type = models.CharField(max_length=16, choices=PowerType.choices)
    meter_id = models.CharField(max_length=255, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    tariff_id = models.CharField(max_length=36, blank=True, help_text="The tariff that priced this CDR.")
    # The tariff as it was at the session's start, in the tariffs domain's snapshot form; null without a tariff.
    tariff_snapshot = models.JSONField(null=True, blank=True)
    # Exact copies of the session's periods (chargepoints.sessions.pricing.PeriodFacts.to_json), re-priceable as-is.
    charging_periods = models.JSONField(default=list)
    # Totals. Costs are null when the CDR could not be priced (it is then held for review).
    total_cost_excl_vat = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    total_cost_incl_vat = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    total_fixed_cost_excl_vat = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    total_fixed_cost_incl_vat = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    total_energy = models.DecimalField(max_digits=16, decimal_places=6, help_text="kWh")
    total_energy_cost_excl_vat = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    total_energy_cost_incl_vat = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    total_time = models.DecimalField(max_digits=16, decimal_places=6, help_text="hours, charging and parking")
    total_time_cost_excl_vat = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    total_time_cost_incl_vat = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    total_parking_time = models.DecimalField(max_digits=16, decimal_places=6, help_text="hours")
    total_parking_cost_excl_vat = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    total_parking_cost_incl_vat = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    total_reservation_cost_excl_vat = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    total_reservation_cost_incl_vat = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    remark = models.CharField(max_length=255, blank=True)
    invoice_reference_id = models.CharField(
        max_length=39,
        blank=True,
        help_text="OCPI invoice_reference_id (mod_cdrs.asciidoc, CDR object): the driver's receipt number of an ad "
        "hoc payment.",
    )
    credit = models.BooleanField(default=False)
    credit_reference_id = models.CharField(max_length=39, blank=True)
    credit_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_cdr", editable=False
    )
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by", editable=False
    )
    # The review queue: why the quality gate held it, and the staff decision.
    review_reasons = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(default=timezone.now)
    issued_at = models.DateTimeField(null=True, blank=True)
    # OCPI 2.2.1: a CDR's last_updated is when it was made available, i.e. when it was issued.
    last_updated = models.DateTimeField(default=timezone.now, db_index=True)

    objects = CdrQuerySet.as_manager()

    class Meta:
        verbose_name = "CDR"
        verbose_name_plural = "CDRs"
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
        verbose_name = "CDR in review"
        verbose_name_plural = "CDR review queue"
