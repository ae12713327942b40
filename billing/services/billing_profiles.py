"""Billing profiles: who each eMSP party is on its invoices."""

from __future__ import annotations

from typing import Any

from ..models import BillingProfile


def billing_profile_get_or_create(*, country_code: str, party_id: str, defaults: dict[str, Any]) -> BillingProfile:
    profile, _created = BillingProfile.objects.get_or_create(
        country_code=country_code.upper(), party_id=party_id.upper(), defaults=defaults
    )
    return profile
