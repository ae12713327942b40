from decimal import Decimal
from typing import Any

from django import forms

from .enums import Capability, ConnectorType, EvseStatus, TokenType
from .models import EVSE, Location

_ANY = [("", "Any")]


class StationFilterForm(forms.Form):
    """The staff station list's filters. Empty fields filter nothing."""

    q = forms.CharField(
        required=False, label="Search", widget=forms.TextInput(attrs={"placeholder": "Name, address, EVSE id"})
    )
    city = forms.CharField(required=False, max_length=45)
    min_power_kw = forms.DecimalField(required=False, min_value=0, max_value=1000, label="Min. power (kW)")
    connector = forms.ChoiceField(required=False, choices=_ANY + ConnectorType.choices, label="Connector")
    capability = forms.ChoiceField(required=False, choices=_ANY + Capability.choices)
    status = forms.ChoiceField(required=False, choices=_ANY + EvseStatus.choices, label="EVSE status")
    open_now = forms.BooleanField(required=False, label="Open now")

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


class EvseStatusForm(forms.Form):
    status = forms.ChoiceField(choices=EvseStatus.choices)


class SimulateChargingForm(forms.Form):
    """A simulated driver visit at one EVSE of the station (chargepoints.simulator)."""

    OUTCOMES = [("stop", "Driver stops"), ("fail", "Charger fault halfway"), ("abort", "Charger aborts at start")]

    evse = forms.ModelChoiceField(queryset=EVSE.objects.none(), label="EVSE")
    token_uid = forms.CharField(max_length=36, label="Token uid")
    token_type = forms.ChoiceField(choices=TokenType.choices, initial=TokenType.RFID)
    minutes = forms.IntegerField(min_value=1, max_value=24 * 60, initial=45, label="Charging minutes")
    kw = forms.DecimalField(min_value=Decimal("0.1"), max_value=1000, initial=22, label="Vehicle kW")
    suspended_minutes = forms.IntegerField(min_value=0, max_value=24 * 60, initial=0, label="Paused minutes")
    parking_minutes = forms.IntegerField(min_value=0, max_value=24 * 60, initial=0, label="Parking minutes")
    outcome = forms.ChoiceField(choices=OUTCOMES, initial="stop")

    def __init__(self, *args: Any, location: Location, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evse"].queryset = location.evses.exclude(status=EvseStatus.REMOVED)  # type: ignore[attr-defined]
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css
