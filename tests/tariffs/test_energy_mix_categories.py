"""An energy mix's categories are defined once (``tariffs.enums``): the tariff's and the location's validators, the
OCPI serializer and the staff editor's rows all take exactly those values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from chargepoints import validators as location_rules
from ocpi_api.modules.common import EnergyMixSerializer
from tariffs import validators as tariff_rules
from tariffs.enums import EnergySourceCategory, EnvironmentalImpactCategory
from tariffs.structured_fields import ENERGY_SOURCE_COLUMNS, ENVIRONMENTAL_IMPACT_COLUMNS

VALIDATORS = [tariff_rules.validate_energy_mix, location_rules.validate_energy_mix]


def mix(source: str = "WIND", category: str = "CARBON_DIOXIDE") -> dict[str, Any]:
    return {
        "is_green_energy": False,
        "energy_sources": [{"source": source, "percentage": 100}],
        "environ_impact": [{"category": category, "amount": 10}],
    }


@pytest.mark.parametrize("validate", VALIDATORS)
def test_both_validators_take_every_category_of_the_one_enum(validate: Callable[[Any], None]) -> None:
    for source in EnergySourceCategory.values:
        validate(mix(source=source))
    for category in EnvironmentalImpactCategory.values:
        validate(mix(category=category))


@pytest.mark.parametrize("validate", VALIDATORS)
@pytest.mark.parametrize(("value", "field"), [(mix(source="BIOMASS"), "source"), (mix(category="SO2"), "category")])
def test_both_validators_refuse_another_category_naming_the_field(
    validate: Callable[[Any], None], value: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError, match=rf"\[0\]\.{field}"):
        validate(value)


def test_the_ocpi_serializer_and_the_editor_offer_the_same_categories() -> None:
    assert EnergyMixSerializer(data=mix(source="SOLAR", category="NUCLEAR_WASTE")).is_valid()
    refused = EnergyMixSerializer(data=mix(source="BIOMASS"))
    assert not refused.is_valid()
    assert "energy_sources" in refused.errors
    (source_column, _percent), (category_column, _amount) = ENERGY_SOURCE_COLUMNS, ENVIRONMENTAL_IMPACT_COLUMNS
    assert list(source_column.choices) == EnergySourceCategory.choices
    assert list(category_column.choices) == EnvironmentalImpactCategory.choices
