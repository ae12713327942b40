"""Read-only admin views of payments: every change goes through ``payments.services`` (the finance page refunds)."""

from __future__ import annotations

from django.contrib import admin

from chargepoints.admin import ReadOnlyAdminMixin

from .models import AdHocPayment, PaymentEvent, Receipt


class PaymentEventInline(ReadOnlyAdminMixin, admin.TabularInline[PaymentEvent, AdHocPayment]):
    model = PaymentEvent
    extra = 0
    fields = ("at", "kind", "state_before", "state_after", "amount", "detail", "provider_event_id", "by")


@admin.register(AdHocPayment)
class AdHocPaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[AdHocPayment]):
    list_display = ("reference", "created", "evse", "state", "hold_amount", "captured_amount", "refunded_amount")
    list_filter = ("state", "gateway")
    search_fields = ("reference", "provider_reference", "evse__evse_id")
    inlines = (PaymentEventInline,)


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Receipt]):
    list_display = ("number", "issued_at", "total_incl_vat", "currency", "emailed_at")
    search_fields = ("number", "payment__reference")
