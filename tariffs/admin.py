"""The tariff editor: a tariff with its elements (restrictions) and their price components on one page.

Every rule OCPI cannot express is checked here with the reason (see tariffs.validators): the model's clean() per
object, PriceComponentFormSet for the rules that need all of an element's components."""

from __future__ import annotations

from typing import Any, cast

import nested_admin
from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .forms import PriceComponentFormSet, TariffAdminForm, TariffElementForm
from .models import PriceComponent, Tariff, TariffElement
from .services import tariff_edited

# The editor's field names in the staff member's language. The models' verbose names are OCPI's field names in
# English; translating them here keeps the labels out of the migrations.
FIELD_LABELS: dict[tuple[type[models.Model], str], Any] = {
    (Tariff, "country_code"): _("country code"),
    (Tariff, "party_id"): _("party id"),
    (Tariff, "ocpi_id"): _("tariff id"),
    (Tariff, "currency"): _("currency"),
    (Tariff, "type"): _("type"),
    (Tariff, "tariff_alt_text"): _("alternative text"),
    (Tariff, "tariff_alt_url"): _("alternative URL"),
    (Tariff, "min_price_excl_vat"): _("min price excl. VAT"),
    (Tariff, "min_price_incl_vat"): _("min price incl. VAT"),
    (Tariff, "max_price_excl_vat"): _("max price excl. VAT"),
    (Tariff, "max_price_incl_vat"): _("max price incl. VAT"),
    (Tariff, "start_date_time"): _("start date and time"),
    (Tariff, "end_date_time"): _("end date and time"),
    (Tariff, "energy_mix"): _("energy mix"),
    (TariffElement, "position"): _("position"),
    (TariffElement, "start_time"): _("start time"),
    (TariffElement, "end_time"): _("end time"),
    (TariffElement, "start_date"): _("start date"),
    (TariffElement, "end_date"): _("end date"),
    (TariffElement, "min_kwh"): _("min kWh"),
    (TariffElement, "max_kwh"): _("max kWh"),
    (TariffElement, "min_current"): _("min current"),
    (TariffElement, "max_current"): _("max current"),
    (TariffElement, "min_power"): _("min power"),
    (TariffElement, "max_power"): _("max power"),
    (TariffElement, "min_duration"): _("min duration"),
    (TariffElement, "max_duration"): _("max duration"),
    (TariffElement, "day_of_week"): _("day of week"),
    (TariffElement, "reservation"): _("reservation"),
    (PriceComponent, "position"): _("position"),
    (PriceComponent, "type"): _("type"),
    (PriceComponent, "price"): _("price"),
    (PriceComponent, "vat"): _("VAT %"),
    (PriceComponent, "step_size"): _("step size"),
}


def _translated_label(db_field: models.Field[Any, Any], formfield: forms.Field | None) -> forms.Field | None:
    label = FIELD_LABELS.get((db_field.model, db_field.name))
    if formfield is not None and label is not None:
        formfield.label = capfirst(label)
    return formfield


class NamedControlsTabularInline(nested_admin.NestedTabularInline):
    """A nested tabular inline whose controls have accessible names (also the station editor's, in chargepoints)."""

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        # A tabular row has column headers but no <label> per control: name each control for screen readers.
        # nested_admin has no type hints: its base is Django's BaseModelAdmin.formfield_for_dbfield.
        formfield = cast(forms.Field | None, super().formfield_for_dbfield(db_field, request, **kwargs))
        formfield = _translated_label(db_field, formfield)
        if formfield is not None:
            formfield.widget.attrs.setdefault("aria-label", str(formfield.label or db_field.verbose_name).capitalize())
        return formfield


class PriceComponentInline(NamedControlsTabularInline):
    model = PriceComponent
    verbose_name = _("price component")
    verbose_name_plural = _("price components")
    formset = PriceComponentFormSet
    fields = ("position", "type", "price", "vat", "step_size")
    sortable_field_name = "position"
    extra = 0
    min_num = 1


class TariffElementInline(nested_admin.NestedStackedInline):
    model = TariffElement
    verbose_name = _("tariff element")
    verbose_name_plural = _("tariff elements")
    form = TariffElementForm
    inlines = (PriceComponentInline,)
    sortable_field_name = "position"
    extra = 0
    min_num = 1

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        formfield = cast(forms.Field | None, super().formfield_for_dbfield(db_field, request, **kwargs))
        return _translated_label(db_field, formfield)

    fieldsets = (
        (None, {"fields": ("position",)}),
        (
            _("Restrictions (all that are set must hold; leave all empty for an element that always applies)"),
            {
                "fields": (
                    ("start_time", "end_time"),
                    ("start_date", "end_date"),
                    "day_of_week",
                    ("min_kwh", "max_kwh"),
                    ("min_current", "max_current"),
                    ("min_power", "max_power"),
                    ("min_duration", "max_duration"),
                    "reservation",
                )
            },
        ),
    )


@admin.register(Tariff)
class TariffAdmin(nested_admin.NestedModelAdmin):
    form = TariffAdminForm
    list_display = ("ocpi_id", "country_code", "party_id", "currency", "type", "validity", "last_updated", "preview")
    list_filter = ("currency", "type", "country_code")
    search_fields = ("ocpi_id", "tariff_alt_text")
    readonly_fields = ("created_at", "last_updated_at")
    inlines = (TariffElementInline,)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": (("country_code", "party_id", "ocpi_id"), ("currency", "type"))}),
        (_("Validity (UTC)"), {"fields": (("start_date_time", "end_date_time"),)}),
        (
            _("Minimum and maximum price of a session"),
            {"fields": (("min_price_excl_vat", "min_price_incl_vat"), ("max_price_excl_vat", "max_price_incl_vat"))},
        ),
        (_("Texts for drivers"), {"fields": ("tariff_alt_text", "tariff_alt_url")}),
        (_("Energy mix"), {"classes": ("collapse",), "fields": ("energy_mix",)}),
        (None, {"fields": (("created_at", "last_updated_at"),)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tariff]:
        queryset: QuerySet[Tariff] = super().get_queryset(request)  # nested_admin has no type hints
        return queryset.prefetch_related("elements")

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        formfield = cast(forms.Field | None, super().formfield_for_dbfield(db_field, request, **kwargs))
        return _translated_label(db_field, formfield)

    @admin.display(description=_("created"))
    def created_at(self, tariff: Tariff) -> Any:
        return tariff.created or self.get_empty_value_display()  # not yet saved

    @admin.display(description=_("last updated"))
    def last_updated_at(self, tariff: Tariff) -> Any:
        return tariff.last_updated

    @admin.display(description=_("valid"))
    def validity(self, tariff: Tariff) -> str:
        start = _("from %(date)s") % {"date": f"{tariff.start_date_time:%Y-%m-%d}"} if tariff.start_date_time else ""
        end = _("until %(date)s") % {"date": f"{tariff.end_date_time:%Y-%m-%d}"} if tariff.end_date_time else ""
        return " ".join(part for part in (start, end) if part) or str(_("always"))

    @admin.display(description=_("price preview"))
    def preview(self, tariff: Tariff) -> str:
        return format_html('<a href="{}">{}</a>', reverse("tariffs:detail", args=[tariff.pk]), _("preview"))

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm[Tariff],
        formsets: list[BaseInlineFormSet[Any, Tariff, ModelForm[Any]]],
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)
        tariff_edited(tariff=form.instance)
