from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from .enums import Capability, ConnectorType, EvseStatus, TokenType
from .models import EVSE, Location
from .sessions.enums import SessionStatus

_ANY: list[tuple[str, StrOrPromise]] = [("", _("Any"))]


class StaffForm(forms.Form):
    """A form drawn with Bootstrap's small controls, as every staff page draws its forms."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            else:
                widget.attrs["class"] = "form-control form-control-sm"


def party_choices(parties: list[tuple[str, str]], *, blank: StrOrPromise) -> list[tuple[str, StrOrPromise]]:
    """A filter's eMSP party choices: ``blank`` for all, then each (country code, party id) as "NL*EMS"."""
    return [("", blank)] + [(f"{country}*{party}", f"{country}*{party}") for country, party in parties]


class StationFilterForm(StaffForm):
    """The staff station list's filters. Empty fields filter nothing."""

    q = forms.CharField(
        required=False, label=_("Search"), widget=forms.TextInput(attrs={"placeholder": _("Name, address, EVSE id")})
    )
    city = forms.CharField(required=False, max_length=45, label=_("City"))
    min_power_kw = forms.DecimalField(required=False, min_value=0, max_value=1000, label=_("Min. power (kW)"))
    connector = forms.ChoiceField(required=False, choices=[*_ANY, *ConnectorType.choices], label=_("Connector"))
    capability = forms.ChoiceField(required=False, choices=[*_ANY, *Capability.choices], label=_("Capability"))
    status = forms.ChoiceField(required=False, choices=[*_ANY, *EvseStatus.choices], label=_("EVSE status"))
    open_now = forms.BooleanField(required=False, label=_("Open now"))


class EvseStatusForm(forms.Form):
    status = forms.ChoiceField(choices=EvseStatus.choices, label=_("Status"))


class SimulateChargingForm(StaffForm):
    """A simulated driver visit at one EVSE of the station (``chargepoints.simulator.play_visit``)."""

    OUTCOMES = [
        ("stop", _("Driver stops")),
        ("charging", _("Driver is still charging")),
        ("fail", _("Charger fault halfway")),
        ("abort", _("Charger aborts at start")),
    ]

    evse = forms.ModelChoiceField(queryset=EVSE.objects.none(), label="EVSE")
    token_uid = forms.CharField(max_length=36, label=_("Token uid"))
    token_type = forms.ChoiceField(choices=TokenType.choices, initial=TokenType.RFID, label=_("Token type"))
    minutes = forms.IntegerField(min_value=1, max_value=24 * 60, initial=45, label=_("Charging minutes"))
    kw = forms.DecimalField(min_value=Decimal("0.1"), max_value=1000, initial=22, label=_("Vehicle kW"))
    suspended_minutes = forms.IntegerField(min_value=0, max_value=24 * 60, initial=0, label=_("Paused minutes"))
    parking_minutes = forms.IntegerField(min_value=0, max_value=24 * 60, initial=0, label=_("Parking minutes"))
    outcome = forms.ChoiceField(choices=OUTCOMES, initial="stop", label=_("Outcome"))

    def __init__(self, *args: Any, location: Location, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evse"].queryset = location.evses.exclude(status=EvseStatus.REMOVED)  # type: ignore[attr-defined]


class SessionFilterForm(StaffForm):
    """The staff session list's filters. Empty fields filter nothing; the party choices are the parties seen."""

    status = forms.ChoiceField(required=False, choices=[*_ANY, *SessionStatus.choices], label=_("Status"))
    station = forms.CharField(
        required=False,
        max_length=100,
        label=_("Station"),
        widget=forms.TextInput(attrs={"placeholder": _("Name, city, EVSE id")}),
    )
    party = forms.ChoiceField(required=False, label=_("eMSP party"))
    token_uid = forms.CharField(required=False, max_length=36, label=_("Token uid"))
    started_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label=_("From"))
    started_until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label=_("Until"))

    def __init__(self, *args: Any, parties: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = party_choices(parties, blank=_("Any"))  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("started_from"), data.get("started_until")
        if first and last and last < first:
            self.add_error("started_until", _("The last day comes before the first."))
        return data
