"""Stations as OCPI 2.2.1 sees them: Location 1–n EVSE 1–n Connector.

Every OCPI field has a home here so that a Location can be stored and served back without loss. Small nested
structures that are never queried (images, directions, business details, energy mix) are JSON; everything that staff
or partners filter on (coordinates, status, connector standard, power, opening hours) is a real, indexed column.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import validators as v
from .authorization import AuthMethod
from .enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    EvseStatus,
    Facility,
    ParkingRestriction,
    ParkingType,
    PowerType,
    TokenType,
)
from .sessions.enums import ChargingState, SessionStatus


def _default_country_code() -> str:
    return str(settings.CPO_COUNTRY_CODE)


def _default_party_id() -> str:
    return str(settings.CPO_PARTY_ID)


def touch_location(location_id: int, when: datetime) -> None:
    """OCPI: a change to an EVSE, connector or opening hours is a change of its Location too."""
    Location.objects.filter(pk=location_id).update(last_updated=when)


_M = TypeVar("_M", bound=models.Model, covariant=True)


class NeverDeletedQuerySet(models.QuerySet[_M]):
    """Sessions and CDRs point at stations for years: OCPI retires them by status, never by deletion."""

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValidationError(f"{self.model._meta.verbose_name_plural} are never deleted; set status REMOVED instead.")


class Location(models.Model):
    country_code = models.CharField(
        max_length=2,
        default=_default_country_code,
        validators=[v.validate_alpha2_country],
        verbose_name=_("country code"),
    )
    party_id = models.CharField(
        max_length=3, default=_default_party_id, validators=[v.validate_party_id], verbose_name=_("party id")
    )
    ocpi_id = models.CharField(
        _("location id"),
        max_length=36,
        default=uuid.uuid4,
        validators=[v.validate_ci_string],
        help_text=_("OCPI Location id: unique on the platform and never changed."),
    )
    publish = models.BooleanField(
        default=True, help_text=_("Drivers may see this location in apps and on websites."), verbose_name=_("publish")
    )
    publish_allowed_to = models.JSONField(
        default=list, blank=True, validators=[v.validate_publish_allowed_to], verbose_name=_("publish allowed to")
    )
    roaming_enabled = models.BooleanField(
        default=True,
        help_text=_("Released for roaming. Other locations (private or test sites) are never shared with partners."),
        verbose_name=_("roaming enabled"),
    )
    name = models.CharField(
        max_length=255, blank=True, validators=[v.validate_no_control_characters], verbose_name=_("name")
    )
    address = models.CharField(max_length=255, validators=[v.validate_no_control_characters], verbose_name=_("address"))
    city = models.CharField(
        max_length=45, db_index=True, validators=[v.validate_no_control_characters], verbose_name=_("city")
    )
    postal_code = models.CharField(max_length=10, blank=True, verbose_name=_("postal code"))
    state = models.CharField(max_length=45, blank=True, verbose_name=_("state"))
    country = models.CharField(
        max_length=3, validators=[v.validate_alpha3_country], db_index=True, verbose_name=_("country")
    )
    latitude = models.CharField(max_length=10, validators=[v.validate_latitude], verbose_name=_("latitude"))
    longitude = models.CharField(max_length=11, validators=[v.validate_longitude], verbose_name=_("longitude"))
    # Numeric copies of the coordinates for bounding-box and distance queries; derived from the strings on save.
    lat = models.FloatField(editable=False, db_index=True, verbose_name=_("lat"))
    lon = models.FloatField(editable=False, db_index=True, verbose_name=_("lon"))
    related_locations = models.JSONField(
        default=list, blank=True, validators=[v.validate_related_locations], verbose_name=_("related locations")
    )
    parking_type = models.CharField(
        max_length=32, choices=ParkingType.choices, blank=True, verbose_name=_("parking type")
    )
    directions = models.JSONField(
        default=list, blank=True, validators=[v.validate_display_texts], verbose_name=_("directions")
    )
    operator = models.JSONField(null=True, blank=True, validators=[v.validate_operator], verbose_name=_("operator"))
    suboperator = models.JSONField(
        null=True, blank=True, validators=[v.validate_suboperator], verbose_name=_("suboperator")
    )
    owner = models.JSONField(null=True, blank=True, validators=[v.validate_owner], verbose_name=_("owner"))
    facilities = models.JSONField(
        default=list,
        blank=True,
        validators=[v.EnumListValidator("facilities", Facility.values)],
        verbose_name=_("facilities"),
    )
    time_zone = models.CharField(
        max_length=255, default="Europe/Stockholm", validators=[v.validate_time_zone], verbose_name=_("time zone")
    )
    # Opening hours: null means the source gave none (treated as always open); see RegularHours and
    # ExceptionalPeriod for the rest of the OCPI Hours object.
    twentyfourseven = models.BooleanField(null=True, blank=True, verbose_name=_("open 24/7"))
    charging_when_closed = models.BooleanField(null=True, blank=True, verbose_name=_("charging when closed"))
    images = models.JSONField(default=list, blank=True, validators=[v.validate_images], verbose_name=_("images"))
    energy_mix = models.JSONField(
        null=True, blank=True, validators=[v.validate_energy_mix], verbose_name=_("energy mix")
    )
    source = models.CharField(
        max_length=16, blank=True, help_text=_("Data set this location was imported from."), verbose_name=_("source")
    )
    source_ref = models.CharField(
        max_length=64, blank=True, help_text=_("The record's id in that data set."), verbose_name=_("source ref")
    )
    # Hash of the source record as last imported (with the import's format and options): a re-import of the same
    # record is "unchanged" without being read again.
    import_hash = models.CharField(
        max_length=64, blank=True, db_index=True, editable=False, verbose_name=_("import hash")
    )
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    last_updated = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("last updated"))

    objects = NeverDeletedQuerySet.as_manager()

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["country_code", "party_id", "ocpi_id"], name="location_unique_ocpi_id"),
            models.UniqueConstraint(
                fields=["source", "source_ref"], condition=~models.Q(source=""), name="location_unique_source_ref"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["last_updated", "id"], name="location_sync_order"),
            # The OCPI Locations list (roaming locations only): its count and deep offsets read this index alone.
            models.Index(
                fields=["last_updated", "id"], condition=models.Q(roaming_enabled=True), name="location_roaming_order"
            ),
            # The staff station list's sort orders (chargepoints.search.STATION_SORTS).
            models.Index(fields=["name", "id"], name="location_name_order"),
            models.Index(fields=["city", "name", "id"], name="location_city_order"),
            # The city filter (any case) on the default order.
            models.Index(Upper("city"), models.F("name"), models.F("id"), name="location_city_filter"),
        ]

    def __str__(self) -> str:
        return self.name or self.address

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.lat, self.lon = float(self.latitude), float(self.longitude)
        self.last_updated = timezone.now()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValidationError("Locations are never deleted; take them out of roaming or remove their EVSEs instead.")


class LocationRepair(models.Model):
    """A value the importer repaired or derived (chargepoints.importers.repairs), for staff to confirm or fix."""

    class Status(models.TextChoices):
        OPEN = "open", _("To check")
        CONFIRMED = "confirmed", _("Confirmed")
        FIXED = "fixed", _("Fixed")

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="repairs", verbose_name=_("location"))
    rule = models.CharField(max_length=64, db_index=True, verbose_name=_("rule"))
    field = models.CharField(max_length=255, help_text=_("Path inside the imported Location."), verbose_name=_("field"))
    before = models.JSONField(null=True, blank=True, verbose_name=_("before"))
    after = models.JSONField(null=True, blank=True, verbose_name=_("after"))
    derived = models.BooleanField(
        default=False, help_text=_("The source had no value; this one was worked out."), verbose_name=_("derived")
    )
    status = models.CharField(
        max_length=9, choices=Status.choices, default=Status.OPEN, db_index=True, verbose_name=_("status")
    )
    imported_at = models.DateTimeField(verbose_name=_("imported at"))
    resolved_by = models.CharField(max_length=150, blank=True, verbose_name=_("resolved by"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))

    class Meta:
        verbose_name = _("location repair")
        verbose_name_plural = _("location repairs")
        ordering: ClassVar = ["location", "id"]

    def __str__(self) -> str:
        return f"{self.rule} at {self.field}"


class RegularHours(models.Model):
    """One opening period on a weekday, in the location's local time. Overnight spans are two rows."""

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="regular_hours", verbose_name=_("location")
    )
    weekday = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(7)],
        help_text=_("1 = Monday … 7 = Sunday"),
        verbose_name=_("weekday"),
    )
    period_begin = models.CharField(max_length=5, help_text=_("HH:MM, local time"), verbose_name=_("period begin"))
    period_end = models.CharField(
        max_length=5, help_text=_("HH:MM, local time, later than the beginning"), verbose_name=_("period end")
    )

    class Meta:
        verbose_name = _("regular hours")
        ordering: ClassVar = ["location", "id"]
        verbose_name_plural = _("regular hours")

    def __str__(self) -> str:
        return f"{self.weekday_name} {self.period_begin}-{self.period_end}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        touch_location(self.location_id, timezone.now())

    @property
    def weekday_name(self) -> str:
        return calendar.day_name[self.weekday - 1]

    def clean(self) -> None:
        errors = {}
        for field in ("period_begin", "period_end"):
            if not v.HOUR_MINUTE_RE.match(getattr(self, field)):
                errors[field] = f"{field} must be HH:MM between 00:00 and 23:59."
        if not errors and self.period_end <= self.period_begin:
            errors["period_end"] = "period_end must be later than period_begin; split overnight hours into two days."
        if errors:
            raise ValidationError(errors)


class ExceptionalPeriod(models.Model):
    class Kind(models.TextChoices):
        OPENING = "opening", _("Exceptional opening")
        CLOSING = "closing", _("Exceptional closing")

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="exceptional_periods", verbose_name=_("location")
    )
    kind = models.CharField(max_length=7, choices=Kind.choices, verbose_name=_("kind"))
    period_begin = models.DateTimeField(verbose_name=_("period begin"))
    period_end = models.DateTimeField(verbose_name=_("period end"))

    class Meta:
        verbose_name = _("exceptional period")
        verbose_name_plural = _("exceptional periods")
        ordering: ClassVar = ["location", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_begin:%Y-%m-%d %H:%M}–{self.period_end:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        touch_location(self.location_id, timezone.now())

    def clean(self) -> None:
        if self.period_begin and self.period_end and self.period_end <= self.period_begin:
            raise ValidationError({"period_end": "period_end must be later than period_begin."})


class EVSE(models.Model):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="evses", verbose_name=_("location"))
    uid = models.CharField(
        max_length=36,
        unique=True,
        default=uuid.uuid4,
        validators=[v.validate_ci_string],
        help_text=_("Technical id, unique on the whole platform and never reused."),
        verbose_name=_("UID"),
    )
    evse_id = models.CharField(
        _("EVSE ID"),
        max_length=48,
        blank=True,
        db_index=True,
        validators=[v.validate_ci_string],
        help_text=_("eMI3 EVSE ID, such as SE*CPO*E123."),
    )
    # The live status: set only by a live source (a charger, the simulator, staff) through evse_set_status. A data
    # set's status is a snapshot of another network, kept in import_status; until a live source reports, the EVSE is
    # UNKNOWN, published as such (OCPI 2.2.1 mod_locations.asciidoc, Status enum: "No status information available").
    status = models.CharField(
        max_length=16, choices=EvseStatus.choices, default=EvseStatus.UNKNOWN, db_index=True, verbose_name=_("status")
    )
    import_status = models.CharField(
        max_length=16,
        choices=EvseStatus.choices,
        blank=True,
        help_text=_("The status its data set gave at the last import: not live, never published or counted."),
        verbose_name=_("import status"),
    )
    status_schedule = models.JSONField(
        default=list, blank=True, validators=[v.validate_status_schedule], verbose_name=_("status schedule")
    )
    capabilities = models.JSONField(
        default=list,
        blank=True,
        validators=[v.EnumListValidator("capabilities", Capability.values)],
        verbose_name=_("capabilities"),
    )
    floor_level = models.CharField(max_length=4, blank=True, verbose_name=_("floor level"))
    latitude = models.CharField(max_length=10, blank=True, validators=[v.validate_latitude], verbose_name=_("latitude"))
    longitude = models.CharField(
        max_length=11, blank=True, validators=[v.validate_longitude], verbose_name=_("longitude")
    )
    physical_reference = models.CharField(max_length=16, blank=True, verbose_name=_("physical reference"))
    directions = models.JSONField(
        default=list, blank=True, validators=[v.validate_display_texts], verbose_name=_("directions")
    )
    parking_restrictions = models.JSONField(
        default=list,
        blank=True,
        validators=[v.EnumListValidator("parking_restrictions", ParkingRestriction.values)],
        verbose_name=_("parking restrictions"),
    )
    images = models.JSONField(default=list, blank=True, validators=[v.validate_images], verbose_name=_("images"))
    last_updated = models.DateTimeField(default=timezone.now, verbose_name=_("last updated"))

    objects = NeverDeletedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["location", "id"]
        verbose_name = _("EVSE")
        verbose_name_plural = _("EVSEs")

    def __str__(self) -> str:
        return self.evse_id or self.uid

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.last_updated = timezone.now()
        super().save(*args, **kwargs)
        touch_location(self.location_id, self.last_updated)

    def clean(self) -> None:
        if bool(self.latitude) != bool(self.longitude):
            raise ValidationError({"longitude": "EVSE coordinates need both latitude and longitude."})

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValidationError("EVSEs are never deleted: set status REMOVED so that its uid is never reused.")


class EvseStatusPeriod(models.Model):
    """A stretch of time an EVSE held one live status: the status history behind utilisation and availability.

    Written only by ``chargepoints.services.evse_set_status``, in its transaction: the EVSE's open period (``until``
    null) is closed and the new status's opened. Time before an EVSE's first period is not recorded, not "unknown".
    """

    evse = models.ForeignKey(EVSE, on_delete=models.CASCADE, related_name="status_periods", verbose_name=_("EVSE"))
    status = models.CharField(max_length=16, choices=EvseStatus.choices, verbose_name=_("status"))
    since = models.DateTimeField(verbose_name=_("since"))
    until = models.DateTimeField(
        null=True, blank=True, help_text=_("Null while the EVSE still holds this status."), verbose_name=_("until")
    )

    class Meta:
        verbose_name = _("EVSE status period")
        verbose_name_plural = _("EVSE status periods")
        ordering: ClassVar = ["evse", "since", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["evse"], condition=models.Q(until__isnull=True), name="status_one_open"),
        ]
        # The charts read a window of time: the periods that end after its start (or are open).
        indexes: ClassVar = [models.Index(fields=["until", "evse"], name="status_period_until")]

    def __str__(self) -> str:
        return f"{self.evse_id} {self.status} from {self.since:%Y-%m-%d %H:%M}"


class Connector(models.Model):
    evse = models.ForeignKey(EVSE, on_delete=models.CASCADE, related_name="connectors", verbose_name=_("EVSE"))
    connector_id = models.CharField(
        _("connector id"), max_length=36, validators=[v.validate_ci_string], help_text=_("Unique within its EVSE.")
    )
    standard = models.CharField(max_length=32, choices=ConnectorType.choices, db_index=True, verbose_name=_("standard"))
    format = models.CharField(max_length=8, choices=ConnectorFormat.choices, verbose_name=_("format"))
    power_type = models.CharField(max_length=16, choices=PowerType.choices, db_index=True, verbose_name=_("power type"))
    max_voltage = models.PositiveIntegerField(
        help_text=_("V; line to neutral for AC 3-phase."), verbose_name=_("max voltage")
    )
    max_amperage = models.PositiveIntegerField(help_text=_("A"), verbose_name=_("max amperage"))
    max_electric_power = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("W; only when lower than voltage and amperage suggest."),
        verbose_name=_("max electric power"),
    )
    # What the connector can deliver, in W: max_electric_power, or derived from voltage, amperage and phases.
    rated_power_w = models.PositiveIntegerField(editable=False, db_index=True, verbose_name=_("rated power w"))
    tariff_ids = models.JSONField(
        default=list, blank=True, validators=[v.validate_tariff_ids], verbose_name=_("tariff ids")
    )
    terms_and_conditions = models.URLField(max_length=255, blank=True, verbose_name=_("terms and conditions"))
    last_updated = models.DateTimeField(default=timezone.now, verbose_name=_("last updated"))

    class Meta:
        verbose_name = _("connector")
        verbose_name_plural = _("connectors")
        ordering: ClassVar = ["evse", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["evse", "connector_id"], name="connector_unique_per_evse"),
        ]

    def __str__(self) -> str:
        return f"{self.get_standard_display()} {self.rated_power_w / 1000:g} kW"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.rated_power_w = self.compute_rated_power_w()
        self.last_updated = timezone.now()
        super().save(*args, **kwargs)
        EVSE.objects.filter(pk=self.evse_id).update(last_updated=self.last_updated)
        Location.objects.filter(evses__pk=self.evse_id).update(last_updated=self.last_updated)

    @property
    def power_kw(self) -> float:
        return self.rated_power_w / 1000

    def compute_rated_power_w(self) -> int:
        if self.max_electric_power:
            return self.max_electric_power
        phases = {
            PowerType.AC_3_PHASE.value: 3,
            PowerType.AC_2_PHASE.value: 2,
            PowerType.AC_2_PHASE_SPLIT.value: 2,
        }.get(self.power_type, 1)
        return int(self.max_voltage) * int(self.max_amperage) * phases


# --- Charging sessions ------------------------------------------------------------------------------------------------
# Written only through chargepoints.sessions.services, which keeps periods, totals and the EVSE status in step.


def _new_session_id() -> str:
    return str(uuid.uuid4())


class ChargingSession(models.Model):
    """One driver's use of one EVSE, from start to stop (the OCPI Session).

    The token, auth and location facts are copied at the start and never follow later edits: the CDR must show them
    as they were when the driver plugged in. ``meter_wh`` and ``accounted_until`` are the charger's last report: the
    periods hold every Wh and every second up to ``accounted_until``, and the next report continues from there.
    """

    country_code = models.CharField(max_length=2, default=_default_country_code, verbose_name=_("country code"))
    party_id = models.CharField(max_length=3, default=_default_party_id, verbose_name=_("party id"))
    ocpi_id = models.CharField(_("session id"), max_length=36, unique=True, default=_new_session_id)
    status = models.CharField(max_length=12, choices=SessionStatus.choices, db_index=True, verbose_name=_("status"))
    charging_state = models.CharField(
        max_length=12, choices=ChargingState.choices, default=ChargingState.CHARGING, verbose_name=_("charging state")
    )
    start_date_time = models.DateTimeField(verbose_name=_("start date time"))
    end_date_time = models.DateTimeField(null=True, blank=True, verbose_name=_("end date time"))
    kwh = models.DecimalField(
        max_digits=16, decimal_places=6, default=Decimal(0), help_text=_("Energy so far, kWh."), verbose_name=_("kWh")
    )
    # CdrToken: the token that started the session.
    token_country_code = models.CharField(max_length=2, verbose_name=_("token country code"))
    token_party_id = models.CharField(max_length=3, verbose_name=_("token party id"))
    token_uid = models.CharField(max_length=36, db_index=True, verbose_name=_("token UID"))
    token_type = models.CharField(max_length=12, choices=TokenType.choices, verbose_name=_("token type"))
    token_contract_id = models.CharField(max_length=36, verbose_name=_("token contract id"))
    auth_method = models.CharField(max_length=12, choices=AuthMethod.choices, verbose_name=_("auth method"))
    authorization_reference = models.CharField(max_length=36, blank=True, verbose_name=_("authorization reference"))
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="charging_sessions", verbose_name=_("location")
    )
    evse = models.ForeignKey(EVSE, on_delete=models.PROTECT, related_name="charging_sessions", verbose_name=_("EVSE"))
    connector_id = models.CharField(max_length=36, verbose_name=_("connector id"))
    # The location, EVSE and connector as they were at the start (chargepoints.sessions.services.cdr_location_snapshot).
    cdr_location = models.JSONField(default=dict, verbose_name=_("CDR location"))
    meter_id = models.CharField(max_length=255, blank=True, verbose_name=_("meter id"))
    currency = models.CharField(
        max_length=3,
        blank=True,
        help_text=_("The tariff's currency; blank without a tariff."),
        verbose_name=_("currency"),
    )
    tariff_id = models.CharField(
        max_length=36,
        blank=True,
        help_text=_("Tariff in force at the start; prices it all."),
        verbose_name=_("tariff id"),
    )
    # That tariff as it was at the start (the tariffs domain's snapshot form): later edits never re-price a session.
    tariff_snapshot = models.JSONField(null=True, blank=True, verbose_name=_("tariff snapshot"))
    # What the driver owes so far (rounded per the pricing engine's policy); null = unknown (no tariff), not free.
    total_cost_excl_vat = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, verbose_name=_("total cost excl VAT")
    )
    total_cost_incl_vat = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, verbose_name=_("total cost incl VAT")
    )
    pricing_error = models.CharField(
        max_length=255, blank=True, help_text=_("Why the running cost is unknown."), verbose_name=_("pricing error")
    )
    meter_start_wh = models.DecimalField(
        max_digits=16, decimal_places=3, default=Decimal(0), verbose_name=_("meter start wh")
    )
    meter_wh = models.DecimalField(max_digits=16, decimal_places=3, default=Decimal(0), verbose_name=_("meter wh"))
    accounted_until = models.DateTimeField(verbose_name=_("accounted until"))
    # The charger's last power and current sample; it holds until the next one.
    power_w = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True, verbose_name=_("power w"))
    current_a = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True, verbose_name=_("current a"))
    stop_reason = models.CharField(max_length=255, blank=True, verbose_name=_("stop reason"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    last_updated = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("last updated"))

    class Meta:
        verbose_name = _("charging session")
        verbose_name_plural = _("charging sessions")
        ordering: ClassVar = ["-start_date_time", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["evse"],
                condition=models.Q(status__in=["PENDING", "ACTIVE", "RESERVATION"]),
                name="session_one_open_per_evse",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["last_updated", "id"], name="session_sync_order"),
            models.Index(fields=["token_country_code", "token_party_id"], name="session_token_party"),
            # The staff session list: newest first, filtered by start date, status or party, or a token (any case).
            models.Index(fields=["-start_date_time", "-id"], name="session_newest_first"),
            models.Index(fields=["status", "-start_date_time", "-id"], name="session_status_newest"),
            models.Index(
                fields=["token_country_code", "token_party_id", "-start_date_time", "-id"], name="session_party_newest"
            ),
            models.Index(Upper("token_uid"), name="session_token_uid_upper"),
        ]

    def __str__(self) -> str:
        return self.ocpi_id

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValidationError("Charging sessions are never deleted; an unbillable one is set to INVALID.")

    @property
    def is_open(self) -> bool:
        return self.status in (SessionStatus.PENDING, SessionStatus.ACTIVE, SessionStatus.RESERVATION)

    @property
    def connector_description(self) -> str:
        """The connector as it was at the start, in words: "Type 2, AC 3-phase"."""
        standard = self.cdr_location.get("connector_standard")
        power_type = self.cdr_location.get("connector_power_type")
        if not standard:
            return ""
        labels = dict(ConnectorType.choices) | dict(PowerType.choices)
        return f"{labels.get(standard, standard)}, {labels.get(power_type, power_type)}"

    @property
    def power_kw(self) -> Decimal | None:
        return None if self.power_w is None else self.power_w / 1000


class ChargingPeriod(models.Model):
    """A stretch of a session during which the price rules stay the same (an OCPI ChargingPeriod).

    Stored as Decimal columns rather than a JSON list of {type, volume}: the open period grows at every meter value,
    the totals are sums over columns, and JSON would carry the numbers as floats or strings that every reader must
    convert back. Durations are not stored as hours (1 s is no finite decimal of an hour); TIME and PARKING_TIME come
    from ``start_date_time``/``end_date_time`` exactly when needed. A period is either charging time or parking time.
    """

    session = models.ForeignKey(
        ChargingSession, on_delete=models.CASCADE, related_name="charging_periods", verbose_name=_("session")
    )
    start_date_time = models.DateTimeField(verbose_name=_("start date time"))
    end_date_time = models.DateTimeField(
        null=True, blank=True, help_text=_("Null while the period is still running."), verbose_name=_("end date time")
    )
    parking = models.BooleanField(
        default=False, help_text=_("The vehicle was not requesting power (PARKING_TIME)."), verbose_name=_("parking")
    )
    tariff_id = models.CharField(max_length=36, blank=True, verbose_name=_("tariff id"))
    energy_kwh = models.DecimalField(max_digits=16, decimal_places=6, default=Decimal(0), verbose_name=_("energy kWh"))
    min_power_kw = models.DecimalField(
        max_digits=12, decimal_places=6, null=True, blank=True, verbose_name=_("min power kW")
    )
    max_power_kw = models.DecimalField(
        max_digits=12, decimal_places=6, null=True, blank=True, verbose_name=_("max power kW")
    )
    min_current_a = models.DecimalField(
        max_digits=10, decimal_places=3, null=True, blank=True, verbose_name=_("min current a")
    )
    max_current_a = models.DecimalField(
        max_digits=10, decimal_places=3, null=True, blank=True, verbose_name=_("max current a")
    )
    # ∫ current dt over the period, for the average CURRENT; the average POWER comes from energy and time.
    ampere_seconds = models.DecimalField(
        max_digits=20, decimal_places=6, default=Decimal(0), verbose_name=_("ampere seconds")
    )

    class Meta:
        verbose_name = _("charging period")
        verbose_name_plural = _("charging periods")
        ordering: ClassVar = ["session", "start_date_time", "id"]

    def __str__(self) -> str:
        return f"{self.session} from {self.start_date_time:%H:%M:%S}"


class StaffPreference(models.Model):
    """What a staff user chose for the portal itself, kept across browsers (chargepoints.languages writes it)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_preference", verbose_name=_("user")
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, verbose_name=_("language"))

    class Meta:
        verbose_name = _("staff preference")
        verbose_name_plural = _("staff preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"
