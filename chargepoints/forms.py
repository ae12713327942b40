from typing import Any

from django import forms

from .enums import Capability, ConnectorType, EvseStatus

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
