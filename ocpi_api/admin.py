from typing import Any, TypeVar

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from chargepoints.admin import ReadOnlyAdminMixin

from .models import AuthorizationRecord, CommandRequest, EmspToken, Partner, PartyGrant


class PartyGrantInline(ReadOnlyAdminMixin, admin.TabularInline[PartyGrant, Partner]):
    """Grants are audited: staff grant and revoke on the partner page (``ocpi_api.grants``), never here."""

    model = PartyGrant
    extra = 0
    fields = ("country_code", "party_id", "reason", "granted_by", "granted_at", "revoked_at", "revoked_by")
    readonly_fields = fields


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin[Partner]):
    """Connection data comes from the handshake; staff edit names and the header flag, and act on the partner page.
    The party is read-only here: what a partner may act for is its grants, given on the partner page."""

    inlines = (PartyGrantInline,)

    list_display = ("__str__", "status", "version", "auth_header_base64", "last_success_at", "last_seen_at")
    list_filter = ("status", "version")
    search_fields = ("name", "country_code", "party_id", "versions_url")
    readonly_fields = (
        "country_code",
        "party_id",
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
    fields = ("name", "auth_header_base64", "realtime_authorization", *readonly_fields)

    @admin.display(description=_("Actions"))
    def partner_page(self, obj: Partner) -> str:
        if not obj.pk:
            return "-"
        url = reverse("partners:detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Grant parties, test connection, rotate token, unregister…"))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Partners come into being through a token A or a registration, both on the partner pages.
        return False


_M = TypeVar("_M", bound=models.Model)


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[_M]):
    """Records written by partners and by the charger's side; staff look, nobody edits."""


@admin.register(EmspToken)
class EmspTokenAdmin(ReadOnlyAdmin[EmspToken]):
    list_display = ("__str__", "contract_id", "whitelist", "valid", "partner", "last_updated")
    list_filter = ("whitelist", "valid", "type", "partner")
    search_fields = ("uid", "contract_id", "visual_number")


@admin.register(AuthorizationRecord)
class AuthorizationRecordAdmin(ReadOnlyAdmin[AuthorizationRecord]):
    list_display = ("created", "token_uid", "token_type", "allowed", "source", "allowed_type", "reason")
    list_filter = ("allowed", "source")
    search_fields = ("token_uid", "location_id", "evse_uid")
    date_hierarchy = "created"


@admin.register(CommandRequest)
class CommandRequestAdmin(ReadOnlyAdmin[CommandRequest]):
    list_display = ("received_at", "command", "partner", "response", "result", "result_message")
    list_filter = ("command", "response", "result", "partner")
    search_fields = ("location_id", "evse_uid", "reservation_id", "session__ocpi_id")
    date_hierarchy = "received_at"


@admin.register(PartyGrant)
class PartyGrantAdmin(ReadOnlyAdmin[PartyGrant]):
    list_display = ("__str__", "reason", "granted_by", "granted_at", "revoked_by", "revoked_at")
    list_filter = ("partner",)
    search_fields = ("country_code", "party_id", "reason", "granted_by")
