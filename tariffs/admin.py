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

from .forms import PriceComponentFormSet, TariffAdminForm, TariffElementForm
from .models import PriceComponent, Tariff, TariffElement
from .services import tariff_edited


class NamedControlsTabularInline(nested_admin.NestedTabularInline):
    """A nested tabular inline whose controls have accessible names (also the station editor's, in chargepoints)."""

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        # A tabular row has column headers but no <label> per control: name each control for screen readers.
        # nested_admin has no type hints: its base is Django's BaseModelAdmin.formfield_for_dbfield.
        formfield = cast(forms.Field | None, super().formfield_for_dbfield(db_field, request, **kwargs))
        if formfield is not None:
            formfield.widget.attrs.setdefault("aria-label", str(db_field.verbose_name).capitalize())
        return formfield


class PriceComponentInline(NamedControlsTabularInline):
    model = PriceComponent
    formset = PriceComponentFormSet
    fields = ("position", "type", "price", "vat", "step_size")
    sortable_field_name = "position"
    extra = 0
    min_num = 1


class TariffElementInline(nested_admin.NestedStackedInline):
    model = TariffElement
    form = TariffElementForm
    inlines = (PriceComponentInline,)
    sortable_field_name = "position"
    extra = 0
    min_num = 1
    fieldsets = (
        (None, {"fields": ("position",)}),
        (
            "Restrictions (all that are set must hold; leave all empty for an element that always applies)",
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
    readonly_fields = ("created", "last_updated")
    inlines = (TariffElementInline,)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": (("country_code", "party_id", "ocpi_id"), ("currency", "type"))}),
        ("Validity (UTC)", {"fields": (("start_date_time", "end_date_time"),)}),
        (
            "Minimum and maximum price of a session",
            {"fields": (("min_price_excl_vat", "min_price_incl_vat"), ("max_price_excl_vat", "max_price_incl_vat"))},
        ),
        ("Texts for drivers", {"fields": ("tariff_alt_text", "tariff_alt_url")}),
        ("Energy mix", {"classes": ("collapse",), "fields": ("energy_mix",)}),
        (None, {"fields": (("created", "last_updated"),)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tariff]:
        queryset: QuerySet[Tariff] = super().get_queryset(request)  # nested_admin has no type hints
        return queryset.prefetch_related("elements")

    @admin.display(description="valid")
    def validity(self, tariff: Tariff) -> str:
        start = f"from {tariff.start_date_time:%Y-%m-%d}" if tariff.start_date_time else ""
        end = f"until {tariff.end_date_time:%Y-%m-%d}" if tariff.end_date_time else ""
        return " ".join(part for part in (start, end) if part) or "always"

    @admin.display(description="price preview")
    def preview(self, tariff: Tariff) -> str:
        return format_html('<a href="{}">preview</a>', reverse("tariffs:detail", args=[tariff.pk]))

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm[Tariff],
        formsets: list[BaseInlineFormSet[Any, Tariff, ModelForm[Any]]],
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)
        tariff_edited(tariff=form.instance)
