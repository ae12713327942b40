"""The admin's station forms: every OCPI structure the models keep as JSON gets a structured field
(``tariffs.structured_fields``) in place of a raw JSON box. Columns and choices follow OCPI 2.2.1
mod_locations.asciidoc §8.3 (objects) and §8.4 (data types)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

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
    Column("url", "URL"),
    Column("thumbnail", "Thumbnail URL"),
    Column("category", "Category", choices=ImageCategory.choices),
    Column("type", "Type (jpeg, png …)"),
    Column("width", "Width (px)", number=True),
    Column("height", "Height (px)", number=True),
)
# BusinessDetails (§8.4.2) with its logo, an Image (§8.4.11).
_BUSINESS_DETAILS = (
    Column("name", "Name"),
    Column("website", "Website"),
    Column("logo.url", "Logo URL"),
    Column("logo.category", "Logo category", choices=ImageCategory.choices),
    Column("logo.type", "Logo type"),
)


def _business_details(label: str) -> RowsField:
    return RowsField(_BUSINESS_DETAILS, single=True, label=label)


class LocationAdminForm(forms.ModelForm[Location]):
    facilities = EnumChecklistField(Facility.choices)
    images = RowsField(_IMAGE, label="Images")
    directions = RowsField(DISPLAY_TEXT_COLUMNS, label="Directions")
    related_locations = RowsField(
        (
            Column("latitude", "Latitude"),
            Column("longitude", "Longitude"),
            Column("name.language", "Name language"),
            Column("name.text", "Name"),
        ),
        label="Related locations",
    )
    operator = _business_details("Operator")
    suboperator = _business_details("Suboperator")
    owner = _business_details("Owner")
    energy_mix = EnergyMixField()
    publish_allowed_to = RowsField(
        (
            Column("uid", "Token uid"),
            Column("type", "Token type", choices=TokenType.choices),
            Column("visual_number", "Visual number"),
            Column("issuer", "Issuer"),
            Column("group_id", "Group id"),
        ),
        label="Published only to",
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
    capabilities = EnumChecklistField(Capability.choices)
    parking_restrictions = EnumChecklistField(ParkingRestriction.choices)
    directions = RowsField(DISPLAY_TEXT_COLUMNS, label="EVSE directions")
    images = RowsField(_IMAGE, label="EVSE images")
    status_schedule = RowsField(
        (
            Column("period_begin", "From (RFC 3339, UTC)"),
            Column("period_end", "Until"),
            Column("status", "Status", choices=EvseStatus.choices),
        ),
        label="Planned status",
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
        label="Tariff ids",
        help_text="Comma separated.",
        widget=forms.TextInput(attrs={"size": 12, "aria-label": "Tariff ids"}),
    )

    class Meta:
        model = Connector
        # The inline names the columns it shows; the Meta names the field declared here.
        fields = ("tariff_ids",)
        formfield_callback = _https_by_default
