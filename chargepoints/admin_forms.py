"""The admin's station forms: every OCPI structure the models keep as JSON gets a structured field
(``tariffs.structured_fields``) in place of a raw JSON box. Columns and choices follow OCPI 2.2.1
mod_locations.asciidoc §8.3 (objects) and §8.4 (data types)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from tariffs.structured_fields import (
    DISPLAY_TEXT_COLUMNS,
    Column,
    EnergyMixField,
    EnumChecklistField,
    RowsField,
    TextListField,
)

from .enums import (
    Capability,
    EvseStatus,
    Facility,
    ImageCategory,
    ParkingRestriction,
    TokenType,
)
from .models import EVSE, Connector, Location

_IMAGE = (
    Column("url", _("URL")),
    Column("thumbnail", _("Thumbnail URL")),
    Column("category", _("Category"), choices=ImageCategory.choices),
    Column("type", _("Type (jpeg, png …)")),
    Column("width", _("Width (px)"), number=True),
    Column("height", _("Height (px)"), number=True),
)
# BusinessDetails (§8.4.2) with its logo, an Image (§8.4.11).
_BUSINESS_DETAILS = (
    Column("name", _("Name")),
    Column("website", _("Website")),
    Column("logo.url", _("Logo URL")),
    Column("logo.category", _("Logo category"), choices=ImageCategory.choices),
    Column("logo.type", _("Logo type")),
)


def _business_details(label: StrOrPromise) -> RowsField:
    return RowsField(_BUSINESS_DETAILS, single=True, label=label)


class LocationAdminForm(forms.ModelForm[Location]):
    facilities = EnumChecklistField(Facility.choices, label=_("Facilities"))
    images = RowsField(_IMAGE, label=_("Images"))
    directions = RowsField(DISPLAY_TEXT_COLUMNS, label=_("Directions"))
    related_locations = RowsField(
        (
            Column("latitude", _("Latitude")),
            Column("longitude", _("Longitude")),
            Column("name.language", _("Name language")),
            Column("name.text", _("Name")),
        ),
        label=_("Related locations"),
    )
    operator = _business_details(_("Operator"))
    suboperator = _business_details(_("Suboperator"))
    owner = _business_details(_("Owner"))
    energy_mix = EnergyMixField(label=_("Energy mix"))
    publish_allowed_to = RowsField(
        (
            Column("uid", _("Token uid")),
            Column("type", _("Token type"), choices=TokenType.choices),
            Column("visual_number", _("Visual number")),
            Column("issuer", _("Issuer")),
            Column("group_id", _("Group id")),
        ),
        label=_("Published only to"),
    )

    class Meta:
        model = Location
        # The admin's fieldsets choose and arrange the rest; the Meta names the fields declared here.
        fields = (
            "facilities",
            "images",
            "directions",
            "related_locations",
            "operator",
            "suboperator",
            "owner",
            "energy_mix",
            "publish_allowed_to",
        )


class EvseAdminForm(forms.ModelForm[EVSE]):
    capabilities = EnumChecklistField(Capability.choices, label=_("Capabilities"))
    parking_restrictions = EnumChecklistField(ParkingRestriction.choices, label=_("Parking restrictions"))
    directions = RowsField(DISPLAY_TEXT_COLUMNS, label=_("EVSE directions"))
    images = RowsField(_IMAGE, label=_("EVSE images"))
    status_schedule = RowsField(
        (
            Column("period_begin", _("From (RFC 3339, UTC)")),
            Column("period_end", _("Until")),
            Column("status", _("Status"), choices=EvseStatus.choices),
        ),
        label=_("Planned status"),
    )

    class Meta:
        model = EVSE
        fields = (
            "location",
            "uid",
            "evse_id",
            "status",
            "status_schedule",
            "capabilities",
            "floor_level",
            "latitude",
            "longitude",
            "physical_reference",
            "directions",
            "parking_restrictions",
            "images",
        )


def _https_by_default(db_field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    # The admin's own formfield_overrides come later; the form's class-level fields need the same default.
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class ConnectorAdminForm(forms.ModelForm[Connector]):
    tariff_ids = TextListField(
        required=False,
        label=_("Tariff ids"),
        help_text=_("Comma separated."),
        widget=forms.TextInput(attrs={"size": 12, "aria-label": _("Tariff ids")}),
    )

    class Meta:
        model = Connector
        # The inline names the columns it shows; the Meta names the field declared here.
        fields = ("tariff_ids",)
        formfield_callback = _https_by_default
