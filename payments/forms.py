from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class PayForm(forms.Form):
    """The driver's agreement to the price, on every gateway (Stripe's card form is Stripe.js, not ours)."""

    email = forms.EmailField(label=_("E-mail for the receipt (optional)"), required=False)
    agree = forms.BooleanField(label=_("I accept the price shown above"))


class DemoPayForm(PayForm):
    """The demo gateway takes the "card" on our server."""

    card_number = forms.CharField(label=_("Card number"), max_length=23, initial="4242 4242 4242 4242")
    field_order = ("card_number", "email", "agree")


class RefundForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.01"), max_digits=12, decimal_places=2)
    key = forms.CharField(max_length=64, initial=lambda: uuid.uuid4().hex, widget=forms.HiddenInput)


class EvseAdHocForm(forms.Form):
    tariff_id = forms.ChoiceField(label=_("Ad hoc tariff (AD_HOC_PAYMENT)"))
    terminal = forms.BooleanField(
        label=_("A contactless card terminal is fitted (CONTACTLESS_CARD_SUPPORT)"), required=False
    )

    def __init__(self, *args: Any, tariff_ids: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tariff_id"].choices = [(t, t) for t in tariff_ids]  # type: ignore[attr-defined]
