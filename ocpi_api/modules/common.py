"""OCPI objects that more than one module carries: DisplayText, Price (OCPI 2.2.1 types.asciidoc), GeoLocation,
EnergyMix (mod_locations.asciidoc) and ChargingPeriod (mod_cdrs.asciidoc). One serializer per type, so that every module
reads them alike and the OpenAPI schema has one component per type.

Reading is strict on JSON types (a number where a string belongs is an error); output leaves out optional fields
without a value. Price and ChargingPeriod are read into Decimals for the pricing engine; Sessions and CDRs write
them with their own JSON functions and use these serializers for the schema.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.serializers import LIST_SERIALIZER_KWARGS, LIST_SERIALIZER_KWARGS_REMOVE

from chargepoints import validators as domain_validators
from ocpi_api.core.fields import (
    BoolField,
    CiStringField,
    DecimalNumberField,
    EnumField,
    NumberField,
    OcpiDateTimeField,
    StringField,
)
from tariffs.enums import EnergySourceCategory, EnvironmentalImpactCategory

EMPTY: tuple[Any, ...] = (None, "", [], {})

# Every OCPI CdrDimensionType; the domain's CdrDimensionType holds only the ones we record.
CDR_DIMENSIONS = [
    "CURRENT",
    "ENERGY",
    "ENERGY_EXPORT",
    "ENERGY_IMPORT",
    "MAX_CURRENT",
    "MIN_CURRENT",
    "MAX_POWER",
    "MIN_POWER",
    "PARKING_TIME",
    "POWER",
    "RESERVATION_TIME",
    "STATE_OF_CHARGE",
    "TIME",
]


# Serializer[Any]: these read request bodies (no instance) or write models, dicts and dataclasses alike.
class OcpiSerializer(serializers.Serializer[Any]):
    """Leaves out optional fields that have no value: OCPI output never carries null or empty lists."""

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> serializers.ListSerializer[Any]:
        # DRF's own many_init hands allow_null to the list's items as well, so ``[null]`` was read as a list holding
        # None (and the object validation then failed with a TypeError). An optional OCPI list may be null; its
        # items never are. Otherwise the same split of arguments between the list and its child.
        list_kwargs = {key: kwargs.pop(key) for key in LIST_SERIALIZER_KWARGS_REMOVE if kwargs.get(key) is not None}
        list_kwargs["child"] = cls(*args, **{key: value for key, value in kwargs.items() if key != "allow_null"})
        list_kwargs.update({key: value for key, value in kwargs.items() if key in LIST_SERIALIZER_KWARGS})
        return serializers.ListSerializer(*args, **list_kwargs)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {key: value for key, value in super().to_representation(instance).items() if value not in EMPTY}


class DisplayTextSerializer(OcpiSerializer):
    language = StringField(max_length=2)
    text = StringField(max_length=512)


class GeoLocationSerializer(OcpiSerializer):
    latitude = StringField(max_length=10, validators=[domain_validators.validate_latitude])
    longitude = StringField(max_length=11, validators=[domain_validators.validate_longitude])


class EnergySourceSerializer(OcpiSerializer):
    source = EnumField(EnergySourceCategory.choices)  # type: ignore[assignment]  # OCPI's name; DRF pops it
    percentage = NumberField(min_value=0, max_value=100)


class EnvironmentalImpactSerializer(OcpiSerializer):
    category = EnumField(EnvironmentalImpactCategory.choices)
    amount = NumberField(min_value=0)


class EnergyMixSerializer(OcpiSerializer):
    is_green_energy = BoolField()
    energy_sources = EnergySourceSerializer(many=True, required=False, allow_null=True)
    environ_impact = EnvironmentalImpactSerializer(many=True, required=False, allow_null=True)
    supplier_name = StringField(max_length=64, required=False)
    energy_product_name = StringField(max_length=64, required=False)


class PriceSerializer(serializers.Serializer[Any]):
    excl_vat = DecimalNumberField()
    incl_vat = DecimalNumberField(required=False, allow_null=True)


class CdrDimensionSerializer(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=CDR_DIMENSIONS)
    volume = serializers.DecimalField(max_digits=20, decimal_places=10, coerce_to_string=False)


class ChargingPeriodSerializer(serializers.Serializer[Any]):
    start_date_time = OcpiDateTimeField()
    dimensions = CdrDimensionSerializer(many=True, allow_empty=False)
    tariff_id = CiStringField(max_length=36, required=False, allow_null=True)
