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
    country_code = models.CharField(max_length=2, default=_default_country_code, validators=[v.validate_alpha2_country])
    party_id = models.CharField(max_length=3, default=_default_party_id, validators=[v.validate_party_id])
    ocpi_id = models.CharField(
        "location id",
        max_length=36,
        default=uuid.uuid4,
        validators=[v.validate_ci_string],
        help_text="OCPI Location id: unique on the platform and never changed.",
    )
    publish = models.BooleanField(default=True, help_text="Drivers may see this location in apps and on websites.")
    publish_allowed_to = models.JSONField(default=list, blank=True, validators=[v.validate_publish_allowed_to])
    roaming_enabled = models.BooleanField(
        default=True,
        help_text="Released for roaming. Other locations (private or test sites) are never shared with partners.",
    )
    name = models.CharField(max_length=255, blank=True, validators=[v.validate_no_control_characters])
    address = models.CharField(max_length=255, validators=[v.validate_no_control_characters])
    city = models.CharField(max_length=45, db_index=True, validators=[v.validate_no_control_characters])
    postal_code = models.CharField(max_length=10, blank=True)
    state = models.CharField(max_length=45, blank=True)
    country = models.CharField(max_length=3, validators=[v.validate_alpha3_country], db_index=True)
    latitude = models.CharField(max_length=10, validators=[v.validate_latitude])
    longitude = models.CharField(max_length=11, validators=[v.validate_longitude])
    # Numeric copies of the coordinates for bounding-box and distance queries; derived from the strings on save.
    lat = models.FloatField(editable=False, db_index=True)
    lon = models.FloatField(editable=False, db_index=True)
    related_locations = models.JSONField(default=list, blank=True, validators=[v.validate_related_locations])
    parking_type = models.CharField(max_length=32, choices=ParkingType.choices, blank=True)
    directions = models.JSONField(default=list, blank=True, validators=[v.validate_display_texts])
    operator = models.JSONField(null=True, blank=True, validators=[v.validate_operator])
    suboperator = models.JSONField(null=True, blank=True, validators=[v.validate_suboperator])
    owner = models.JSONField(null=True, blank=True, validators=[v.validate_owner])
    facilities = models.JSONField(
        default=list, blank=True, validators=[v.EnumListValidator("facilities", Facility.values)]
    )
    time_zone = models.CharField(max_length=255, default="Europe/Stockholm", validators=[v.validate_time_zone])
    # Opening hours: null means the source gave none (treated as always open); see RegularHours and
    # ExceptionalPeriod for the rest of the OCPI Hours object.
    twentyfourseven = models.BooleanField(null=True, blank=True, verbose_name="open 24/7")
    charging_when_closed = models.BooleanField(null=True, blank=True)
    images = models.JSONField(default=list, blank=True, validators=[v.validate_images])
    energy_mix = models.JSONField(null=True, blank=True, validators=[v.validate_energy_mix])
    source = models.CharField(max_length=16, blank=True, help_text="Data set this location was imported from.")
    source_ref = models.CharField(max_length=64, blank=True, help_text="The record's id in that data set.")
    # Hash of the source record as last imported (with the import's format and options): a re-import of the same
    # record is "unchanged" without being read again.
    import_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(default=timezone.now, db_index=True)

    objects = NeverDeletedQuerySet.as_manager()

    class Meta:
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

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="repairs")
    rule = models.CharField(max_length=64, db_index=True)
    field = models.CharField(max_length=255, help_text="Path inside the imported Location.")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    derived = models.BooleanField(default=False, help_text="The source had no value; this one was worked out.")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.OPEN, db_index=True)
    imported_at = models.DateTimeField()
    resolved_by = models.CharField(max_length=150, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["location", "id"]

    def __str__(self) -> str:
        return f"{self.rule} at {self.field}"


class RegularHours(models.Model):
    """One opening period on a weekday, in the location's local time. Overnight spans are two rows."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="regular_hours")
    weekday = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(7)], help_text="1 = Monday … 7 = Sunday"
    )
    period_begin = models.CharField(max_length=5, help_text="HH:MM, local time")
    period_end = models.CharField(max_length=5, help_text="HH:MM, local time, later than the beginning")

    class Meta:
        ordering: ClassVar = ["location", "id"]
        verbose_name_plural = "regular hours"

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

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="exceptional_periods")
    kind = models.CharField(max_length=7, choices=Kind.choices)
    period_begin = models.DateTimeField()
    period_end = models.DateTimeField()

    class Meta:
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
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="evses")
    uid = models.CharField(
        max_length=36,
        unique=True,
        default=uuid.uuid4,
        validators=[v.validate_ci_string],
        help_text="Technical id, unique on the whole platform and never reused.",
    )
    evse_id = models.CharField(
        "EVSE ID",
        max_length=48,
        blank=True,
        db_index=True,
        validators=[v.validate_ci_string],
        help_text="eMI3 EVSE ID, such as SE*CPO*E123.",
    )
    # The live status: set only by a live source (a charger, the simulator, staff) through evse_set_status. A data
    # set's status is a snapshot of another network, kept in import_status; until a live source reports, the EVSE is
    # UNKNOWN, published as such (OCPI 2.2.1 mod_locations.asciidoc, Status enum: "No status information available").
    status = models.CharField(max_length=16, choices=EvseStatus.choices, default=EvseStatus.UNKNOWN, db_index=True)
    import_status = models.CharField(
        max_length=16,
        choices=EvseStatus.choices,
        blank=True,
        help_text="The status its data set gave at the last import: not live, never published or counted.",
    )
    status_schedule = models.JSONField(default=list, blank=True, validators=[v.validate_status_schedule])
    capabilities = models.JSONField(
        default=list, blank=True, validators=[v.EnumListValidator("capabilities", Capability.values)]
    )
    floor_level = models.CharField(max_length=4, blank=True)
    latitude = models.CharField(max_length=10, blank=True, validators=[v.validate_latitude])
    longitude = models.CharField(max_length=11, blank=True, validators=[v.validate_longitude])
    physical_reference = models.CharField(max_length=16, blank=True)
    directions = models.JSONField(default=list, blank=True, validators=[v.validate_display_texts])
    parking_restrictions = models.JSONField(
        default=list,
        blank=True,
        validators=[v.EnumListValidator("parking_restrictions", ParkingRestriction.values)],
    )
    images = models.JSONField(default=list, blank=True, validators=[v.validate_images])
    last_updated = models.DateTimeField(default=timezone.now)

    objects = NeverDeletedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["location", "id"]
        verbose_name = "EVSE"
        verbose_name_plural = "EVSEs"

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

    evse = models.ForeignKey(EVSE, on_delete=models.CASCADE, related_name="status_periods")
    status = models.CharField(max_length=16, choices=EvseStatus.choices)
    since = models.DateTimeField()
    until = models.DateTimeField(null=True, blank=True, help_text="Null while the EVSE still holds this status.")

    class Meta:
        ordering: ClassVar = ["evse", "since", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["evse"], condition=models.Q(until__isnull=True), name="status_one_open"),
        ]
        # The charts read a window of time: the periods that end after its start (or are open).
        indexes: ClassVar = [models.Index(fields=["until", "evse"], name="status_period_until")]

    def __str__(self) -> str:
        return f"{self.evse_id} {self.status} from {self.since:%Y-%m-%d %H:%M}"


class Connector(models.Model):
    evse = models.ForeignKey(EVSE, on_delete=models.CASCADE, related_name="connectors")
    connector_id = models.CharField(
        "connector id", max_length=36, validators=[v.validate_ci_string], help_text="Unique within its EVSE."
    )
    standard = models.CharField(max_length=32, choices=ConnectorType.choices, db_index=True)
    format = models.CharField(max_length=8, choices=ConnectorFormat.choices)
    power_type = models.CharField(max_length=16, choices=PowerType.choices, db_index=True)
    max_voltage = models.PositiveIntegerField(help_text="V; line to neutral for AC 3-phase.")
    max_amperage = models.PositiveIntegerField(help_text="A")
    max_electric_power = models.PositiveIntegerField(
        null=True, blank=True, help_text="W; only when lower than voltage and amperage suggest."
    )
    # What the connector can deliver, in W: max_electric_power, or derived from voltage, amperage and phases.
    rated_power_w = models.PositiveIntegerField(editable=False, db_index=True)
    tariff_ids = models.JSONField(default=list, blank=True, validators=[v.validate_tariff_ids])
    terms_and_conditions = models.URLField(max_length=255, blank=True)
    last_updated = models.DateTimeField(default=timezone.now)

    class Meta:
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

    country_code = models.CharField(max_length=2, default=_default_country_code)
    party_id = models.CharField(max_length=3, default=_default_party_id)
    ocpi_id = models.CharField("session id", max_length=36, unique=True, default=_new_session_id)
    status = models.CharField(max_length=12, choices=SessionStatus.choices, db_index=True)
    charging_state = models.CharField(max_length=12, choices=ChargingState.choices, default=ChargingState.CHARGING)
    start_date_time = models.DateTimeField()
    end_date_time = models.DateTimeField(null=True, blank=True)
    kwh = models.DecimalField(max_digits=16, decimal_places=6, default=Decimal(0), help_text="Energy so far, kWh.")
    # CdrToken: the token that started the session.
    token_country_code = models.CharField(max_length=2)
    token_party_id = models.CharField(max_length=3)
    token_uid = models.CharField(max_length=36, db_index=True)
    token_type = models.CharField(max_length=12, choices=TokenType.choices)
    token_contract_id = models.CharField(max_length=36)
    auth_method = models.CharField(max_length=12, choices=AuthMethod.choices)
    authorization_reference = models.CharField(max_length=36, blank=True)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="charging_sessions")
    evse = models.ForeignKey(EVSE, on_delete=models.PROTECT, related_name="charging_sessions")
    connector_id = models.CharField(max_length=36)
    # The location, EVSE and connector as they were at the start (chargepoints.sessions.services.cdr_location_snapshot).
    cdr_location = models.JSONField(default=dict)
    meter_id = models.CharField(max_length=255, blank=True)
    currency = models.CharField(max_length=3, blank=True, help_text="The tariff's currency; blank without a tariff.")
    tariff_id = models.CharField(max_length=36, blank=True, help_text="Tariff in force at the start; prices it all.")
    # That tariff as it was at the start (the tariffs domain's snapshot form): later edits never re-price a session.
    tariff_snapshot = models.JSONField(null=True, blank=True)
    # What the driver owes so far (rounded per the pricing engine's policy); null = unknown (no tariff), not free.
    total_cost_excl_vat = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    total_cost_incl_vat = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    pricing_error = models.CharField(max_length=255, blank=True, help_text="Why the running cost is unknown.")
    meter_start_wh = models.DecimalField(max_digits=16, decimal_places=3, default=Decimal(0))
    meter_wh = models.DecimalField(max_digits=16, decimal_places=3, default=Decimal(0))
    accounted_until = models.DateTimeField()
    # The charger's last power and current sample; it holds until the next one.
    power_w = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    current_a = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    stop_reason = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
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

    session = models.ForeignKey(ChargingSession, on_delete=models.CASCADE, related_name="charging_periods")
    start_date_time = models.DateTimeField()
    end_date_time = models.DateTimeField(null=True, blank=True, help_text="Null while the period is still running.")
    parking = models.BooleanField(default=False, help_text="The vehicle was not requesting power (PARKING_TIME).")
    tariff_id = models.CharField(max_length=36, blank=True)
    energy_kwh = models.DecimalField(max_digits=16, decimal_places=6, default=Decimal(0))
    min_power_kw = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    max_power_kw = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    min_current_a = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    max_current_a = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    # ∫ current dt over the period, for the average CURRENT; the average POWER comes from energy and time.
    ampere_seconds = models.DecimalField(max_digits=20, decimal_places=6, default=Decimal(0))

    class Meta:
        ordering: ClassVar = ["session", "start_date_time", "id"]

    def __str__(self) -> str:
        return f"{self.session} from {self.start_date_time:%H:%M:%S}"


class StaffPreference(models.Model):
    """What a staff user chose for the portal itself, kept across browsers (chargepoints.languages writes it)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_preference")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"
