"""The admin's station forms: every OCPI structure the models keep as JSON gets a structured field
(``tariffs.structured_fields``) in place of a raw JSON box. Columns and choices follow OCPI 2.2.1
mod_locations.asciidoc §8.3 (objects) and §8.4 (data types)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from tariffs.models import Tariff, TariffType
from tariffs.structured_fields import (
    DISPLAY_TEXT_COLUMNS,
    Column,
    EnergyMixField,
    EnumChecklistField,
    RowsField,
    TextListField,
)

from .enums import (
    CARD_PAYMENT_CAPABILITIES,
    Capability,
    EvseStatus,
    Facility,
    ImageCategory,
    ParkingRestriction,
    TokenType,
)
from .models import EVSE, Connector, Location
from .portal import evse_links

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
    """An EVSE's fields. Ad hoc card payment (``CARD_PAYMENT_CAPABILITIES`` and the connectors' AD_HOC_PAYMENT
    tariffs) is shown, not edited: its one write path is the page the help text links to (``evse_links``)."""

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        links = format_html_join(
            ", ", '<a href="{}">{}</a>', ((link.url, link.label) for link in evse_links(self.instance))
        )
        self.fields["capabilities"].help_text = format_html(
            "{} {}",
            _(
                "Card payment (Credit Card Payable, Debit Card Payable, Contactless Card Support) and the connectors' "
                "AD_HOC_PAYMENT tariffs are set on the EVSE's ad hoc payment page, not here:"
            ),
            links or _("it has one once the EVSE has an EVSE id."),
        )

    def clean_capabilities(self) -> list[str]:
        wanted: list[str] = self.cleaned_data["capabilities"]
        before = self.instance.capabilities if self.instance.pk else []
        if {c for c in wanted if c in CARD_PAYMENT_CAPABILITIES} != {
            c for c in before if c in CARD_PAYMENT_CAPABILITIES
        }:
            raise ValidationError(_("Card payment is set on the EVSE's ad hoc payment page (the link below)."))
        return wanted

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
        help_text=_("Comma separated. AD_HOC_PAYMENT tariffs are set on the EVSE's ad hoc payment page."),
        widget=forms.TextInput(attrs={"size": 12, "aria-label": _("Tariff ids")}),
    )

    def clean_tariff_ids(self) -> list[str]:
        wanted: list[str] = self.cleaned_data["tariff_ids"]
        before = self.instance.tariff_ids if self.instance.pk else []
        changed = set(wanted) ^ set(before)
        ad_hoc = Tariff.objects.filter(ocpi_id__in=changed, type=TariffType.AD_HOC_PAYMENT)
        found = sorted(ad_hoc.values_list("ocpi_id", flat=True)) if changed else []
        if found:
            raise ValidationError(
                _("%(tariffs)s: AD_HOC_PAYMENT tariffs are set on the EVSE's ad hoc payment page, not here.")
                % {"tariffs": ", ".join(found)}
            )
        return wanted

    class Meta:
        model = Connector
        # The inline names the columns it shows; the Meta names the field declared here.
        fields = ("tariff_ids",)
        formfield_callback = _https_by_default
