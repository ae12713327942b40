from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import CatalogueResend, DeliveryAttempt, OutboxItem


class DeliveryAttemptInline(admin.TabularInline[DeliveryAttempt, OutboxItem]):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("started_at", "outcome", "http_status", "ocpi_status", "duration_ms", "message")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(OutboxItem)
class OutboxItemAdmin(admin.ModelAdmin[OutboxItem]):
    """Read-only: rows change through delivery and the retry action, never by hand."""

    list_display = ("id", "partner", "method", "object_key", "path", "status", "attempts", "created", "finished_at")
    list_filter = ("status", "module", "method", "partner")
    search_fields = ("object_key", "path", "url", "response_message")
    list_select_related = ("partner",)
    inlines = (DeliveryAttemptInline,)
    actions = ("retry",)
    list_per_page = 100
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: OutboxItem | None = None) -> list[str]:
        return [field.name for field in OutboxItem._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboxItem | None = None) -> bool:
        return False

    @admin.action(description=_("Retry (failed) or replay (delivered) the selected rows"), permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxItem]) -> None:
        for item in queryset.order_by("id"):
            services.push_retry(item=item)
        count = queryset.count()
        text = ngettext("%(count)s row queued again.", "%(count)s rows queued again.", count)
        self.message_user(request, text % {"count": count}, messages.SUCCESS)


@admin.register(CatalogueResend)
class CatalogueResendAdmin(admin.ModelAdmin[CatalogueResend]):
    list_display = ("id", "partner", "status", "done", "total", "requested_by", "created", "finished_at")
    list_filter = ("status", "partner")
    readonly_fields = ("partner", "status", "done", "total", "requested_by", "created", "finished_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
