"""Forms of the finance pages."""

from __future__ import annotations

from typing import Any

from django import forms

from chargepoints.forms import StaffForm, party_choices

from .models import BillingProfile, Cdr, Invoice, InvoiceStatus


class InvoiceFilterForm(forms.Form):
    party = forms.ModelChoiceField(
        queryset=BillingProfile.objects.order_by("legal_name"), required=False, empty_label="All partners"
    )
    period = forms.DateField(
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text="Invoices whose period overlaps this month.",
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *InvoiceStatus.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "All kinds"), *Invoice.Kind.choices], required=False)
    overdue = forms.BooleanField(required=False, label="Overdue only")


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Paid on")


class CreditForm(forms.Form):
    reason = forms.CharField(max_length=255, label="Reason", help_text="Printed nowhere; kept with the credit CDRs.")


class CdrFilterForm(StaffForm):
    """The staff CDR list's filters; the party choices are the parties that have CDRs."""

    status = forms.ChoiceField(
        choices=[
            ("", "Any state"),
            (Cdr.Status.REVIEW, "Review queue (held)"),
            (Cdr.Status.ISSUED, Cdr.Status.ISSUED.label),
            (Cdr.Status.VOID, Cdr.Status.VOID.label),
        ],
        required=False,
        label="State",
    )
    party = forms.ChoiceField(required=False, label="eMSP party")
    period = forms.DateField(
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text="CDRs whose session ended in this month.",
    )

    def __init__(self, *args: Any, parties: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = party_choices(parties, blank="All parties")  # type: ignore[attr-defined]


class CdrApproveForm(forms.Form):
    note = forms.CharField(max_length=255, required=False, label="Note")


class CdrReasonForm(forms.Form):
    reason = forms.CharField(max_length=255, label="Reason")


class CdrReissueForm(CdrReasonForm):
    tariff_id = forms.CharField(
        max_length=36, required=False, label="Tariff id", help_text="Price with this tariff as it is now."
    )
    total_energy = forms.DecimalField(
        max_digits=16, decimal_places=6, min_value=0, required=False, label="Corrected kWh"
    )
