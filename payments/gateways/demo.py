"""The demo gateway: a card provider in the same process, for ``make run``, the demo and tests.

It behaves like one: a hold reserves an amount on the "card" (its own ledger, :class:`payments.models.DemoCardHold`),
a capture takes at most what was held, once; a cancel releases the hold; refunds never exceed what was captured.
The card "4000 0000 0000 0002" is declined, as a provider's test card would be. No money moves: the payment page
says "demo payments" while it is in force.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from ..models import DemoCardHold
from .base import GatewayError, GatewayHold, ProviderEvent

DECLINED_CARD = "4000000000000002"


class DemoGateway:
    name = "demo"
    demo = True
    hold_valid_for = timedelta(days=7)  # as a card provider's authorization would

    def hold(self, *, amount: Decimal, currency: str, reference: str, payment_method: str) -> GatewayHold:
        provider_reference = "demo_" + secrets.token_hex(10)
        if payment_method.replace(" ", "") == DECLINED_CARD:
            return GatewayHold(provider_reference, held=False, message="The card was declined (demo test card).")
        DemoCardHold.objects.create(provider_reference=provider_reference, currency=currency, authorized=amount)
        return GatewayHold(provider_reference, held=True)

    @transaction.atomic
    def capture(self, *, provider_reference: str, amount: Decimal, currency: str, idempotency_key: str) -> None:
        hold = self._locked(provider_reference)
        if hold.status == "succeeded" and hold.captured == amount:
            return  # the same capture again
        if hold.status != "requires_capture":
            raise GatewayError(f"The hold is {hold.status}; it cannot be captured.")
        if amount > hold.authorized:
            raise GatewayError(f"{amount} {currency} is more than the {hold.authorized} held.")
        hold.captured, hold.status = amount, "succeeded"
        hold.save(update_fields=["captured", "status"])

    @transaction.atomic
    def cancel(self, *, provider_reference: str, idempotency_key: str) -> None:
        hold = self._locked(provider_reference)
        if hold.status == "canceled":
            return
        if hold.status != "requires_capture":
            raise GatewayError(f"The hold is {hold.status}; it cannot be cancelled.")
        hold.status = "canceled"
        hold.save(update_fields=["status"])

    @transaction.atomic
    def refund(self, *, provider_reference: str, amount: Decimal, currency: str, idempotency_key: str) -> None:
        hold = self._locked(provider_reference)
        if hold.status != "succeeded" or hold.refunded + amount > hold.captured:
            raise GatewayError(f"Cannot refund {amount} {currency}: {hold.captured - hold.refunded} left to refund.")
        hold.refunded += amount
        hold.save(update_fields=["refunded"])

    def captured_amounts(self, *, provider_references: Iterable[str]) -> dict[str, Decimal]:
        rows = DemoCardHold.objects.filter(provider_reference__in=list(provider_references))
        return {row.provider_reference: row.captured - row.refunded for row in rows}

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEvent | None:
        return None  # it answers every request at once; it has nothing to notify later

    def _locked(self, provider_reference: str) -> DemoCardHold:
        hold = DemoCardHold.objects.select_for_update().filter(provider_reference=provider_reference).first()
        if hold is None:
            raise GatewayError(f"No demo hold {provider_reference}.")
        return hold
