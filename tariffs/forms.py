"""Forms of the tariff pages and the tariff editor (admin)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from . import validators as rules
from .models import DAY_CHOICES, RESTRICTION_FIELDS, PriceComponent, Tariff, TariffElement
from .structured_fields import DISPLAY_TEXT_COLUMNS, EnergyMixField, RowsField

PREVIEW_TIME_ZONE = "Europe/Stockholm"


def _this_minute() -> datetime:
    """The preview starts filled in with the current local wall-clock time, so one click prices a session now."""
    return datetime.now(zoneinfo.ZoneInfo(PREVIEW_TIME_ZONE)).replace(second=0, microsecond=0, tzinfo=None)


class PricePreviewForm(forms.Form):
    """A session to price with a tariff: when it starts, how long it charges, how much, and how long it stays."""

    start = forms.DateTimeField(
        initial=_this_minute,
        label=_("Start (local time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    time_zone = forms.CharField(
        initial=PREVIEW_TIME_ZONE, label=_("Time zone"), help_text=_("The location's time zone.")
    )
    duration_minutes = forms.IntegerField(label=_("Charging (minutes)"), min_value=0, max_value=7 * 24 * 60, initial=60)
    energy_kwh = forms.DecimalField(
        label=_("Energy (kWh)"), min_value=Decimal(0), max_digits=9, decimal_places=3, initial=Decimal(20)
    )
    parking_minutes = forms.IntegerField(label=_("Parking (minutes)"), min_value=0, max_value=7 * 24 * 60, initial=0)
    max_power_kw = forms.DecimalField(
        label=_("Max power (kW)"),
        min_value=Decimal(0),
        max_digits=7,
        decimal_places=2,
        required=False,
        initial=Decimal(11),
        help_text=_("Empty when unknown: power restrictions then do not apply."),
    )
    max_current_a = forms.DecimalField(
        label=_("Max current (A)"),
        min_value=Decimal(0),
        max_digits=7,
        decimal_places=2,
        required=False,
        help_text=_("Sum over phases. Empty when unknown: current restrictions then do not apply."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def clean_time_zone(self) -> str:
        name: str = self.cleaned_data["time_zone"]
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationError(
                _("'%(name)s' is not an IANA time zone, such as Europe/Stockholm.") % {"name": name}
            ) from error
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, zone = data.get("start"), data.get("time_zone")
        if isinstance(start, datetime) and zone:
            # The browser sends wall-clock time; it is a time at the location, not in the server's zone.
            data["start"] = start.replace(tzinfo=None).replace(tzinfo=zoneinfo.ZoneInfo(zone))
        if data.get("duration_minutes") == 0 and data.get("parking_minutes") == 0 and not data.get("energy_kwh"):
            raise ValidationError(_("Enter a charging time, an amount of energy or a parking time."))
        return data

    @property
    def charging(self) -> timedelta:
        return timedelta(minutes=self.cleaned_data["duration_minutes"])

    @property
    def parking(self) -> timedelta:
        return timedelta(minutes=self.cleaned_data["parking_minutes"])


class TariffAdminForm(forms.ModelForm[Tariff]):
    """The tariff editor's form: its alternative texts and energy mix as rows, like a location's directions and energy
    mix (the admin's fieldsets arrange the rest)."""

    tariff_alt_text = RowsField(
        DISPLAY_TEXT_COLUMNS,
        label=_("Alternative text"),
        help_text=_("Extra information only: not the prices in the elements."),
    )
    energy_mix = EnergyMixField(label=_("Energy mix"))

    class Meta:
        model = Tariff
        fields = ("tariff_alt_text", "energy_mix")


class TariffElementForm(forms.ModelForm[TariffElement]):
    day_of_week = forms.MultipleChoiceField(
        choices=DAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Day of week"),
        help_text=_("Local weekdays on which the element applies; none ticked: every day."),
    )

    class Meta:
        model = TariffElement
        fields = ("position", *RESTRICTION_FIELDS)

    def clean_day_of_week(self) -> list[str]:
        chosen: list[str] = self.cleaned_data["day_of_week"]
        return [day for day, _label in DAY_CHOICES if day in chosen]  # Monday first, as OCPI lists them


class PriceComponentFormSet(BaseInlineFormSet[PriceComponent, TariffElement, forms.ModelForm[PriceComponent]]):
    """The rules that need all of an element's components at once (and the element's reservation restriction)."""

    def clean(self) -> None:
        super().clean()
        forms_kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("type")
        ]
        problems = rules.element_errors(
            component_types=[form.cleaned_data["type"] for form in forms_kept],
            reservation=self.instance.reservation or None,
        )
        if problems:
            raise ValidationError(problems)
