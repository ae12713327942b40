"""Tariffs as OCPI 2.2.1 sees them: Tariff 1–n TariffElement (with its restrictions) 1–n PriceComponent.

Every OCPI field has a home here, so that a tariff can be stored and served back without loss. Restrictions live on
the element (OCPI has at most one TariffRestrictions per element). Small structures that are never queried
(alternative texts, energy mix) are JSON. Connectors refer to a tariff by its OCPI id (``Connector.tariff_ids``).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import validators as rules
from .pricing import DayOfWeek, Dimension, ReservationRestriction


def _default_country_code() -> str:
    return str(settings.CPO_COUNTRY_CODE)


def _default_party_id() -> str:
    return str(settings.CPO_PARTY_ID)


def _validate_country_code(value: str) -> None:
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise ValidationError(f"country_code '{value}' must be an ISO 3166-1 alpha-2 code such as SE.")


def _validate_party_id(value: str) -> None:
    if not re.fullmatch(r"[A-Z0-9]{3}", value):
        raise ValidationError(f"party_id '{value}' must be three capital letters or digits, such as CPO.")


def _validate_ocpi_id(value: str) -> None:
    if not value or not all(0x20 <= ord(ch) <= 0x7E for ch in value):
        raise ValidationError("The tariff id may only hold printable ASCII characters (OCPI CiString).")


def _validate_currency(value: str) -> None:
    problem = rules.currency_errors(value).get("currency")
    if problem:
        raise ValidationError(problem)


def touch_tariff(tariff_id: int) -> None:
    """OCPI: a change to an element or component is a change of its Tariff (last_updated drives partners' syncs)."""
    Tariff.objects.filter(pk=tariff_id).update(last_updated=timezone.now())


class TariffType(models.TextChoices):
    AD_HOC_PAYMENT = "AD_HOC_PAYMENT", _("Ad hoc payment (card terminal at the charger)")
    PROFILE_CHEAP = "PROFILE_CHEAP", _("Charging preference CHEAP")
    PROFILE_FAST = "PROFILE_FAST", _("Charging preference FAST")
    PROFILE_GREEN = "PROFILE_GREEN", _("Charging preference GREEN")
    REGULAR = "REGULAR", _("Regular (RFID, app, no preference)")


DIMENSION_CHOICES = [(d.value, d.value) for d in Dimension]
_DAY_NAMES = {
    "MONDAY": _("Monday"),
    "TUESDAY": _("Tuesday"),
    "WEDNESDAY": _("Wednesday"),
    "THURSDAY": _("Thursday"),
    "FRIDAY": _("Friday"),
    "SATURDAY": _("Saturday"),
    "SUNDAY": _("Sunday"),
}
DAY_CHOICES = [(d.value, _DAY_NAMES[d.value]) for d in DayOfWeek]
RESERVATION_CHOICES = [(r.value, r.value) for r in ReservationRestriction]
_MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 4}
_NUMBER: dict[str, Any] = {"max_digits": 12, "decimal_places": 4, "null": True, "blank": True}


class Tariff(models.Model):
    country_code = models.CharField(
        max_length=2, default=_default_country_code, validators=[_validate_country_code], verbose_name=_("country code")
    )
    party_id = models.CharField(
        max_length=3, default=_default_party_id, validators=[_validate_party_id], verbose_name=_("party id")
    )
    ocpi_id = models.CharField(
        _("tariff id"),
        max_length=36,
        validators=[_validate_ocpi_id],
        help_text=_("OCPI Tariff id, unique for this operator. Connectors list it in their tariff ids."),
    )
    currency = models.CharField(
        max_length=3,
        validators=[_validate_currency],
        help_text=_("ISO 4217, e.g. SEK or EUR."),
        verbose_name=_("currency"),
    )
    type = models.CharField(
        max_length=16,
        choices=TariffType.choices,
        blank=True,
        help_text=_("Empty: valid for every session. Otherwise the payment method or charging preference it is for."),
        verbose_name=_("type"),
    )
    tariff_alt_text = models.JSONField(
        _("alternative text"),
        default=list,
        blank=True,
        validators=[rules.validate_display_texts],
        help_text=_('List of {"language": "en", "text": "…"}. Extra information only: not the prices in the elements.'),
    )
    tariff_alt_url = models.URLField(_("alternative URL"), max_length=255, blank=True)
    min_price_excl_vat = models.DecimalField(**_NUMBER, verbose_name=_("min price excl VAT"))
    min_price_incl_vat = models.DecimalField(**_NUMBER, verbose_name=_("min price incl VAT"))
    max_price_excl_vat = models.DecimalField(**_NUMBER, verbose_name=_("max price excl VAT"))
    max_price_incl_vat = models.DecimalField(**_NUMBER, verbose_name=_("max price incl VAT"))
    start_date_time = models.DateTimeField(
        null=True, blank=True, help_text=_("Valid from (UTC). Empty: no start."), verbose_name=_("start date time")
    )
    end_date_time = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("No longer valid after (UTC). Empty: no end."),
        verbose_name=_("end date time"),
    )
    energy_mix = models.JSONField(
        null=True, blank=True, validators=[rules.validate_energy_mix], verbose_name=_("energy mix")
    )
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    last_updated = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("last updated"))

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        ordering: ClassVar = ["country_code", "party_id", "ocpi_id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["country_code", "party_id", "ocpi_id"], name="tariff_unique_ocpi_id"),
        ]
        indexes: ClassVar = [models.Index(fields=["last_updated", "id"], name="tariff_sync_order")]

    def __str__(self) -> str:
        return f"{self.ocpi_id} ({self.currency})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.last_updated = timezone.now()
        super().save(*args, **kwargs)

    @property
    def min_price(self) -> dict[str, Any] | None:
        return _price(self.min_price_excl_vat, self.min_price_incl_vat)

    @property
    def max_price(self) -> dict[str, Any] | None:
        return _price(self.max_price_excl_vat, self.max_price_incl_vat)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name in ("min_price", "max_price"):
            if getattr(self, f"{name}_incl_vat") is not None and getattr(self, f"{name}_excl_vat") is None:
                errors[f"{name}_excl_vat"] = f"{name} needs its amount excl. VAT; incl. VAT alone is not an OCPI Price."
        if self.currency:
            found = rules.tariff_errors(
                currency=self.currency,
                start_date_time=self.start_date_time,
                end_date_time=self.end_date_time,
                min_price=self.min_price,
                max_price=self.max_price,
            )
            mapping = {"min_price": "min_price_excl_vat", "max_price": "max_price_excl_vat"}
            errors.update({mapping.get(field, field): message for field, message in found.items()})
        if errors:
            raise ValidationError(errors)


def _price(excl: Any, incl: Any) -> dict[str, Any] | None:
    if excl is None:
        return None
    return {"excl_vat": excl, "incl_vat": incl}


class TariffElement(models.Model):
    """One element and its restrictions (all empty = applies always)."""

    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="elements", verbose_name=_("tariff"))
    position = models.PositiveSmallIntegerField(
        default=0,
        help_text=_("Order in the tariff: the first matching element prices each dimension."),
        verbose_name=_("position"),
    )
    start_time = models.TimeField(
        null=True,
        blank=True,
        help_text=_("Local time HH:MM from which the element applies."),
        verbose_name=_("start time"),
    )
    end_time = models.TimeField(
        null=True,
        blank=True,
        help_text=_(
            "Local time until which it applies (exclusive). Before the start time: the window runs past "
            "midnight. 00:00: until midnight."
        ),
        verbose_name=_("end time"),
    )
    start_date = models.DateField(
        null=True,
        blank=True,
        help_text=_("Local date from which it applies (inclusive)."),
        verbose_name=_("start date"),
    )
    end_date = models.DateField(
        null=True, blank=True, help_text=_("Local date until which it applies (exclusive)."), verbose_name=_("end date")
    )
    min_kwh = models.DecimalField(_("min kWh"), **_NUMBER, help_text=_("Applies once the session charged this much."))
    max_kwh = models.DecimalField(
        _("max kWh"), **_NUMBER, help_text=_("Applies while the session charged less than this.")
    )
    min_current = models.DecimalField(
        **_NUMBER, help_text=_("A, sum over phases: applies while at least this."), verbose_name=_("min current")
    )
    max_current = models.DecimalField(
        **_NUMBER, help_text=_("A, sum over phases: applies while below this."), verbose_name=_("max current")
    )
    min_power = models.DecimalField(
        **_NUMBER, help_text=_("kW: applies while at least this."), verbose_name=_("min power")
    )
    max_power = models.DecimalField(
        **_NUMBER, help_text=_("kW: applies while below this."), verbose_name=_("max power")
    )
    min_duration = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Seconds since the session started: applies from then on."),
        verbose_name=_("min duration"),
    )
    max_duration = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Seconds since the session started: applies until then."),
        verbose_name=_("max duration"),
    )
    day_of_week = models.JSONField(
        default=list,
        blank=True,
        validators=[rules.validate_days],
        help_text=_("Local weekdays; empty: every day."),
        verbose_name=_("day of week"),
    )
    reservation = models.CharField(
        max_length=19,
        choices=RESERVATION_CHOICES,
        blank=True,
        help_text=_("Set when this element prices a reservation (only FLAT and TIME then; TIME = reservation time)."),
        verbose_name=_("reservation"),
    )

    class Meta:
        verbose_name = _("tariff element")
        verbose_name_plural = _("tariff elements")
        ordering: ClassVar = ["tariff", "position", "id"]

    def __str__(self) -> str:
        return f"{self.tariff.ocpi_id} element {self.position + 1}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        touch_tariff(self.tariff_id)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        tariff_id = self.tariff_id
        result = super().delete(*args, **kwargs)
        touch_tariff(tariff_id)
        return result

    def restrictions(self) -> dict[str, Any]:
        """The restrictions that are set, under their OCPI names."""
        values = {name: getattr(self, name) for name in RESTRICTION_FIELDS}
        return {k: v for k, v in values.items() if v not in (None, "", [])}

    def clean(self) -> None:
        errors = rules.restriction_errors(self.restrictions())
        if errors:
            raise ValidationError(errors)


RESTRICTION_FIELDS = (
    "start_time",
    "end_time",
    "start_date",
    "end_date",
    "min_kwh",
    "max_kwh",
    "min_current",
    "max_current",
    "min_power",
    "max_power",
    "min_duration",
    "max_duration",
    "day_of_week",
    "reservation",
)


class PriceComponent(models.Model):
    element = models.ForeignKey(
        TariffElement, on_delete=models.CASCADE, related_name="price_components", verbose_name=_("element")
    )
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))
    type = models.CharField(max_length=12, choices=DIMENSION_CHOICES, verbose_name=_("type"))
    price = models.DecimalField(
        **_MONEY,
        help_text=_("Excl. VAT: per kWh (ENERGY), per hour (TIME, PARKING_TIME) or per session (FLAT)."),
        verbose_name=_("price"),
    )
    vat = models.DecimalField(
        _("VAT %"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Empty when no VAT applies (not the same as 0 %)."),
    )
    step_size = models.PositiveIntegerField(
        default=1,
        help_text=_(
            "Billing granularity: Wh for ENERGY, seconds for TIME and PARKING_TIME; 1 for FLAT. "
            "1 is recommended (OCPI 3 drops step_size)."
        ),
        verbose_name=_("step size"),
    )

    class Meta:
        verbose_name = _("price component")
        verbose_name_plural = _("price components")
        ordering: ClassVar = ["element", "position", "id"]

    def __str__(self) -> str:
        return f"{self.type} {self.price}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        self._touch()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        result = super().delete(*args, **kwargs)
        self._touch()
        return result

    def _touch(self) -> None:
        tariff_id = TariffElement.objects.filter(pk=self.element_id).values_list("tariff_id", flat=True).first()
        if tariff_id is not None:
            touch_tariff(tariff_id)

    def clean(self) -> None:
        errors = rules.component_errors(type=self.type, price=self.price, vat=self.vat, step_size=self.step_size)
        if errors:
            raise ValidationError(errors)
