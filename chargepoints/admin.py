from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict, TypeVar

import nested_admin
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.forms import BaseInlineFormSet, ModelForm, ModelMultipleChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_stubs_ext import WithAnnotations

from tariffs.admin import NamedControlsTabularInline

from . import services
from .admin_forms import ConnectorAdminForm, EvseAdminForm, LocationAdminForm
from .enums import EvseStatus
from .models import EVSE, ChargingPeriod, ChargingSession, Connector, ExceptionalPeriod, Location, RegularHours

_M = TypeVar("_M", bound=models.Model)

# An admin's inline formsets, one per inline: their child models differ.
_InlineFormSets = Sequence[BaseInlineFormSet[Any, Any, ModelForm[Any]]]


class NeverDeletedAdmin(admin.ModelAdmin[_M]):
    """Stations and EVSEs are retired by status, never deleted: sessions and CDRs refer to them for years."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _changed_fields(
    form: ModelForm[Location] | ModelForm[EVSE], formsets: _InlineFormSets, change: bool
) -> list[str] | None:
    """The form's changed fields, or None (all of it) for a new object or when an inline changed. A status change is
    not among them: ``_hold_status`` hands it to ``evse_set_status``, which announces it itself."""
    if not change or any(_changed_beyond_status(formset) for formset in formsets):
        return None
    return [name for name in form.changed_data if not (form._meta.model is EVSE and name == "status")]


def _changed_beyond_status(formset: BaseInlineFormSet[Any, Any, ModelForm[Any]]) -> bool:
    if formset.model is not EVSE:
        return formset.has_changed()
    extra = formset.forms[formset.initial_form_count() :]
    edited = formset.initial_forms
    return any(f.has_changed() for f in extra) or any(set(f.changed_data) - {"status"} for f in edited)


def _hold_status(form: ModelForm[EVSE]) -> str | None:
    """The new status of an existing EVSE's form, with the instance put back on its old one.

    The form saves every other field; the status then goes through ``evse_set_status``, the one write path of a
    status: it announces ``evse_status_changed``, so partners get the status PATCH and reservations of an EVSE that
    goes out of service are cancelled.
    """
    evse = form.instance
    if evse.pk is None or "status" not in form.changed_data:
        return None
    wanted = form.cleaned_data["status"]
    evse.status = form.initial["status"]
    return str(wanted)


# nested_admin (no type hints) lets a Location page edit its EVSEs and, within each, its connectors; a page with
# nested inlines needs every inline to be a nested one.
class RegularHoursInline(NamedControlsTabularInline):
    model = RegularHours
    extra = 0


class ExceptionalPeriodInline(NamedControlsTabularInline):
    model = ExceptionalPeriod
    extra = 0


class AtLeastOneConnectorFormSet(BaseInlineFormSet[Connector, EVSE, ModelForm[Connector]]):
    def get_queryset(self) -> QuerySet[Connector]:
        # Within a Location page each EVSE's connectors come prefetched (EvseInline.get_queryset): one query for
        # the page, not one per EVSE. A list serves the formset as well as a queryset would.
        prefetched = getattr(self.instance, "_prefetched_objects_cache", {}).get("connectors")
        if prefetched is None:
            return super().get_queryset()
        return sorted(prefetched, key=lambda connector: connector.pk)  # type: ignore[return-value]

    def clean(self) -> None:
        super().clean()
        remaining = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not remaining:
            raise ValidationError(_("An EVSE needs at least one connector."))


class ConnectorInline(NamedControlsTabularInline):
    model = Connector
    form = ConnectorAdminForm
    formset = AtLeastOneConnectorFormSet
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0
    min_num = 1
    fields = (
        "connector_id",
        "standard",
        "format",
        "power_type",
        "max_voltage",
        "max_amperage",
        "max_electric_power",
        "tariff_ids",
        "terms_and_conditions",
    )


class EvseInline(nested_admin.NestedStackedInline):
    """An EVSE as a block of its own with its connectors in a table below: it fits the window, and each EVSE's
    connectors are edited where they belong."""

    model = EVSE
    form = EvseAdminForm
    inlines = (ConnectorInline,)
    extra = 0
    show_change_link = True
    can_delete = False
    fieldsets = (
        (None, {"fields": (("uid", "evse_id", "status"), ("physical_reference", "floor_level"), "capabilities")}),
        (
            _("Where and when"),
            {
                "classes": ("collapse",),
                "fields": (
                    ("latitude", "longitude"),
                    "parking_restrictions",
                    "directions",
                    "images",
                    "status_schedule",
                ),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[EVSE]:
        queryset: QuerySet[EVSE] = super().get_queryset(request)  # nested_admin has no type hints
        return queryset.prefetch_related("connectors")


class LocationSourceFilter(admin.SimpleListFilter):
    """The data set a location came from; a location staff entered by hand has none, and is named so (a filter link
    with no text has no accessible name)."""

    title = _("source")
    parameter_name = "source"
    STAFF = "staff"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Location]) -> list[tuple[str, str]]:
        sources = Location.objects.order_by("source").values_list("source", flat=True).distinct()
        return [(source or self.STAFF, source or str(_("Entered by staff"))) for source in sources]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Location]) -> QuerySet[Location]:
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(source="" if value == self.STAFF else value)


class _EvseTotal(TypedDict):
    evse_total: int  # LocationAdmin.get_queryset's annotation


@admin.register(Location)
class LocationAdmin(NeverDeletedAdmin[Location], nested_admin.NestedModelAdmin):
    form = LocationAdminForm
    list_display = ("name", "address", "city", "country", "evse_total", "roaming_enabled", "publish", "last_updated")
    list_filter = (
        "roaming_enabled",
        "publish",
        "country",
        "city",
        "evses__status",
        "evses__connectors__power_type",
        "evses__connectors__standard",
        LocationSourceFilter,
    )
    search_fields = ("name", "address", "city", "ocpi_id", "evses__evse_id", "evses__uid")
    readonly_fields = ("last_updated", "created")
    inlines = (EvseInline, RegularHoursInline, ExceptionalPeriodInline)
    list_per_page = 50
    show_full_result_count = False
    actions = ("mark_evses_out_of_order", "mark_evses_available", "release_for_roaming", "withdraw_from_roaming")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "country_code",
                    "party_id",
                    "ocpi_id",
                    "name",
                    "address",
                    "postal_code",
                    "city",
                    "state",
                    "country",
                    "latitude",
                    "longitude",
                    "time_zone",
                )
            },
        ),
        (_("Publication"), {"fields": ("roaming_enabled", "publish", "publish_allowed_to")}),
        (
            _("Details"),
            {
                "fields": (
                    "parking_type",
                    "facilities",
                    "twentyfourseven",
                    "charging_when_closed",
                    "operator",
                    "suboperator",
                    "owner",
                    "directions",
                    "related_locations",
                    "images",
                    "energy_mix",
                )
            },
        ),
        (_("Source"), {"fields": ("source", "source_ref", "created", "last_updated")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Location]:
        return super().get_queryset(request).annotate(evse_total=Count("evses", distinct=True))

    def save_formset(
        self,
        request: HttpRequest,
        form: ModelForm[Location],
        formset: BaseInlineFormSet[Any, Location, ModelForm[Any]],
        change: bool,
    ) -> None:
        if formset.model is not EVSE:
            super().save_formset(request, form, formset, change)
            return
        held = [(f.instance, status) for f in formset.initial_forms if (status := _hold_status(f)) is not None]
        super().save_formset(request, form, formset, change)
        for evse, status in held:
            services.evse_set_status(evse=evse, status=status)

    def save_related(
        self, request: HttpRequest, form: ModelForm[Location], formsets: _InlineFormSets, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        changed = _changed_fields(form, formsets, change)
        if changed != []:  # a save without changes tells partners nothing
            services.station_announce_change(location=form.instance, changed_fields=changed)

    @admin.display(description=_("EVSEs"), ordering="evse_total")
    def evse_total(self, obj: WithAnnotations[Location, _EvseTotal]) -> int:
        return obj.evse_total

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Location], status: EvseStatus) -> None:
        evses = EVSE.objects.filter(location__in=queryset).exclude(status=EvseStatus.REMOVED)
        changed = services.evses_set_status(evses=evses, status=status)
        text = ngettext("%(count)s EVSE set to %(status)s.", "%(count)s EVSEs set to %(status)s.", changed)
        self.message_user(request, text % {"count": changed, "status": status.label}, messages.SUCCESS)

    @admin.action(description=_("Mark their EVSEs out of order"), permissions=["change"])
    def mark_evses_out_of_order(self, request: HttpRequest, queryset: QuerySet[Location]) -> None:
        self._set_status(request, queryset, EvseStatus.OUTOFORDER)

    @admin.action(description=_("Mark their EVSEs available"), permissions=["change"])
    def mark_evses_available(self, request: HttpRequest, queryset: QuerySet[Location]) -> None:
        self._set_status(request, queryset, EvseStatus.AVAILABLE)

    @admin.action(description=_("Release for roaming"), permissions=["change"])
    def release_for_roaming(self, request: HttpRequest, queryset: QuerySet[Location]) -> None:
        for location in queryset:
            services.location_set_roaming(location=location, enabled=True)

    @admin.action(description=_("Withdraw from roaming (private or test site)"), permissions=["change"])
    def withdraw_from_roaming(self, request: HttpRequest, queryset: QuerySet[Location]) -> None:
        for location in queryset:
            services.location_set_roaming(location=location, enabled=False)


@admin.register(EVSE)
class EvseAdmin(NeverDeletedAdmin[EVSE], nested_admin.NestedModelAdmin):
    form = EvseAdminForm
    list_display = ("__str__", "uid", "location", "status", "last_updated")
    list_filter = ("status", "connectors__power_type", "connectors__standard", "location__country", "location__city")
    search_fields = ("evse_id", "uid", "location__name", "location__address")
    list_select_related = ("location",)
    raw_id_fields = ("location",)
    readonly_fields = ("import_status", "last_updated")
    inlines = (ConnectorInline,)
    actions = ("mark_out_of_order", "mark_available", "mark_removed")
    list_per_page = 50
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: EVSE, form: ModelForm[EVSE], change: bool) -> None:
        status = _hold_status(form)
        super().save_model(request, obj, form, change)
        if status is not None:
            services.evse_set_status(evse=obj, status=status)

    def save_related(
        self, request: HttpRequest, form: ModelForm[EVSE], formsets: _InlineFormSets, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        changed = _changed_fields(form, formsets, change)
        if changed != []:
            services.station_announce_change(
                location=form.instance.location, evse=form.instance, changed_fields=changed
            )

    @admin.action(description=_("Mark out of order"), permissions=["change"])
    def mark_out_of_order(self, request: HttpRequest, queryset: QuerySet[EVSE]) -> None:
        changed = services.evses_set_status(evses=queryset, status=EvseStatus.OUTOFORDER)
        text = ngettext("%(count)s EVSE marked out of order.", "%(count)s EVSEs marked out of order.", changed)
        self.message_user(request, text % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Mark available"), permissions=["change"])
    def mark_available(self, request: HttpRequest, queryset: QuerySet[EVSE]) -> None:
        changed = services.evses_set_status(evses=queryset, status=EvseStatus.AVAILABLE)
        text = ngettext("%(count)s EVSE marked available.", "%(count)s EVSEs marked available.", changed)
        self.message_user(request, text % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Retire (status REMOVED)"), permissions=["change"])
    def mark_removed(self, request: HttpRequest, queryset: QuerySet[EVSE]) -> None:
        changed = services.evses_set_status(evses=queryset, status=EvseStatus.REMOVED)
        text = ngettext("%(count)s EVSE retired.", "%(count)s EVSEs retired.", changed)
        self.message_user(request, text % {"count": changed}, messages.SUCCESS)


class ReadOnlyAdminMixin:
    """For records that only services write (a charger's reports, a partner's calls): the admin shows, never edits."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ChargingPeriodInline(ReadOnlyAdminMixin, admin.TabularInline[ChargingPeriod, ChargingSession]):
    model = ChargingPeriod
    extra = 0
    fields = (
        "start_date_time",
        "end_date_time",
        "parking",
        "tariff_id",
        "energy_kwh",
        "min_power_kw",
        "max_power_kw",
        "min_current_a",
        "max_current_a",
    )
    readonly_fields = fields


@admin.register(ChargingSession)
class ChargingSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[ChargingSession]):
    list_display = (
        "ocpi_id",
        "status",
        "start_date_time",
        "end_date_time",
        "location",
        "evse",
        "token_party",
        "token_uid",
        "kwh",
        "total_cost_incl_vat",
        "currency",
    )
    list_filter = ("status", "charging_state", "token_type", "token_party_id", "currency", "location__country")
    search_fields = (
        "ocpi_id",
        "token_uid",
        "token_contract_id",
        "authorization_reference",
        "location__name",
        "location__city",
        "evse__evse_id",
    )
    list_select_related = ("location", "evse")
    date_hierarchy = "start_date_time"
    inlines = (ChargingPeriodInline,)
    list_per_page = 50
    show_full_result_count = False

    @admin.display(description=_("eMSP"), ordering="token_party_id")
    def token_party(self, obj: ChargingSession) -> str:
        return f"{obj.token_country_code}*{obj.token_party_id}"


# --- Users and groups ---------------------------------------------------------------------------------------------
# Django stores a permission's name in English when it creates the row ("Can add location"). The permission lists
# of the user and group forms name each from its codename and the model's translated name instead.
_PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """``app | model | action`` in the active language, as Django's own label; a custom permission keeps its name."""
    action, _sep, model_name = permission.codename.partition("_")
    model = permission.content_type.model_class()
    if action not in _PERMISSION_ACTIONS or model is None or model._meta.model_name != model_name:
        return str(permission)
    wording = str(_PERMISSION_ACTIONS[action]) % {"model": model._meta.verbose_name}
    return f"{permission.content_type} | {wording}"


class PermissionsField(ModelMultipleChoiceField[Permission]):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


class TranslatedPermissionsMixin:
    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Permission:
            kwargs.setdefault("form_class", PermissionsField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class StaffUserAdmin(TranslatedPermissionsMixin, UserAdmin[User]):
    pass


@admin.register(Group)
class StaffGroupAdmin(TranslatedPermissionsMixin, GroupAdmin):
    pass
