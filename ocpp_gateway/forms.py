from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from chargepoints.forms import StaffForm


class ChargerAddForm(StaffForm):
    charge_point_id = forms.CharField(label=_("Charge point id"), max_length=48)
    evses = forms.CharField(
        label=_("EVSEs"),
        help_text=_("EVSE ids or uids, comma-separated, in connectorId order 1, 2, …"),
        max_length=1000,
    )

    def evse_refs(self) -> list[str]:
        return [ref.strip() for ref in self.cleaned_data["evses"].split(",") if ref.strip()]


class ResetForm(StaffForm):
    type = forms.ChoiceField(label=_("Type"), choices=[("Soft", _("Soft")), ("Hard", _("Hard"))])


class ChangeAvailabilityForm(StaffForm):
    connector_id = forms.IntegerField(label=_("Connector (0 = whole charger)"), min_value=0, initial=0)
    type = forms.ChoiceField(
        label=_("Type"), choices=[("Operative", _("Operative")), ("Inoperative", _("Inoperative"))]
    )


class TriggerMessageForm(StaffForm):
    requested_message = forms.ChoiceField(
        label=_("Message"),
        choices=[
            (name, name)
            for name in (
                "StatusNotification",
                "Heartbeat",
                "BootNotification",
                "MeterValues",
                "FirmwareStatusNotification",
                "DiagnosticsStatusNotification",
            )
        ],
    )
    connector_id = forms.IntegerField(label=_("Connector (optional)"), min_value=0, required=False)


class GetConfigurationForm(StaffForm):
    key = forms.CharField(label=_("Keys (comma-separated; empty = all)"), required=False, max_length=1000)


class ChangeConfigurationForm(StaffForm):
    key = forms.CharField(max_length=50, label=_("Key"))
    value = forms.CharField(max_length=500, label=_("Value"))


COMMAND_FORMS: dict[str, type[StaffForm]] = {
    "Reset": ResetForm,
    "ChangeAvailability": ChangeAvailabilityForm,
    "TriggerMessage": TriggerMessageForm,
    "GetConfiguration": GetConfigurationForm,
    "ChangeConfiguration": ChangeConfigurationForm,
}


def command_kwargs(action: str, data: dict[str, object]) -> dict[str, object]:
    """The OCPP 1.6 request fields (snake_case) of a staff command form's cleaned data."""
    kwargs = {name: value for name, value in data.items() if value not in (None, "")}
    if action == "GetConfiguration":
        keys = [key.strip() for key in str(data.get("key") or "").split(",") if key.strip()]
        return {"key": keys} if keys else {}
    return kwargs
