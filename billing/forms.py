"""Forms of the finance pages."""

from __future__ import annotations

from django import forms

from .models import BillingProfile, Invoice, InvoiceStatus


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
