from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class PayForm(forms.Form):
    card_number = forms.CharField(label=_("Card number"), max_length=23, initial="4242 4242 4242 4242")
    email = forms.EmailField(label=_("E-mail for the receipt (optional)"), required=False)
    agree = forms.BooleanField(label=_("I accept the price shown above"))


class RefundForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.01"), max_digits=12, decimal_places=2)
    key = forms.CharField(max_length=64, initial=lambda: uuid.uuid4().hex, widget=forms.HiddenInput)
