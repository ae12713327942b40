"""Forms of the finance pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chargepoints.forms import StaffForm, party_choices

from .models import BillingProfile, Cdr, Invoice, InvoiceStatus


class InvoiceFilterForm(forms.Form):
    party = forms.ModelChoiceField(
        queryset=BillingProfile.objects.order_by("legal_name"), required=False, empty_label=_("All partners")
    )
    period = forms.DateField(
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        label=_("Period"),
        help_text=_("Invoices whose period overlaps this month."),
    )
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *InvoiceStatus.choices], required=False, label=_("Status")
    )
    kind = forms.ChoiceField(choices=[("", _("All kinds")), *Invoice.Kind.choices], required=False, label=_("Kind"))
    overdue = forms.BooleanField(required=False, label=_("Overdue only"))


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=_("Paid on"))


class CreditForm(forms.Form):
    reason = forms.CharField(
        max_length=255, label=_("Reason"), help_text=_("Printed nowhere; kept with the credit CDRs.")
    )


class CdrFilterForm(StaffForm):
    """The staff CDR list's filters; the party choices are the parties that have CDRs."""

    status = forms.ChoiceField(
        choices=[
            ("", _("Any state")),
            (Cdr.Status.REVIEW, _("Review queue (held)")),
            (Cdr.Status.ISSUED, Cdr.Status.ISSUED.label),
            (Cdr.Status.VOID, Cdr.Status.VOID.label),
        ],
        required=False,
        label=_("State"),
    )
    party = forms.ChoiceField(required=False, label=_("eMSP party"))
    period = forms.DateField(
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        label=_("Session ended in"),
        help_text=_("CDRs whose session ended in this month."),
    )

    def __init__(self, *args: Any, parties: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = party_choices(parties, blank=str(_("All parties")))  # type: ignore[attr-defined]


class CdrApproveForm(forms.Form):
    note = forms.CharField(max_length=255, required=False, label=_("Note"))


class CdrReasonForm(forms.Form):
    reason = forms.CharField(max_length=255, label=_("Reason"))


class CdrReissueForm(CdrReasonForm):
    tariff_id = forms.CharField(
        max_length=36, required=False, label=_("Tariff id"), help_text=_("Price with this tariff as it is now.")
    )
    total_energy = forms.DecimalField(
        max_digits=16, decimal_places=6, min_value=0, required=False, label=_("Corrected kWh")
    )
