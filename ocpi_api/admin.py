from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from .models import Partner


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    """Connection data comes from the handshake; staff edit names and the header flag, and act on the partner page."""

    list_display = ("__str__", "status", "version", "auth_header_base64", "last_success_at", "last_seen_at")
    list_filter = ("status", "version")
    search_fields = ("name", "country_code", "party_id", "versions_url")
    readonly_fields = (
        "status",
        "versions_url",
        "version",
        "endpoints",
        "roles",
        "last_success_at",
        "last_seen_at",
        "last_error",
        "created",
        "updated",
        "partner_page",
    )
    fields = ("name", "country_code", "party_id", "auth_header_base64", *readonly_fields)

    @admin.display(description="Actions")
    def partner_page(self, obj: Partner) -> str:
        if not obj.pk:
            return "-"
        url = reverse("partners:detail", args=[obj.pk])
        return format_html('<a href="{}">Test connection, rotate token, unregister…</a>', url)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Partners come into being through a token A or a registration, both on the partner pages.
        return False
