"""The categories of an EnergyMix (OCPI 2.2.1 mod_locations.asciidoc, EnergySourceCategory enum and
EnvironmentalImpactCategory enum), defined once for the tariffs' and the locations' energy mix: here, in the lowest
layer, so that chargepoints and ocpi_api import them from tariffs."""

from django.db import models


class EnergySourceCategory(models.TextChoices):
    NUCLEAR = "NUCLEAR"
    GENERAL_FOSSIL = "GENERAL_FOSSIL"
    COAL = "COAL"
    GAS = "GAS"
    GENERAL_GREEN = "GENERAL_GREEN"
    SOLAR = "SOLAR"
    WIND = "WIND"
    WATER = "WATER"


class EnvironmentalImpactCategory(models.TextChoices):
    NUCLEAR_WASTE = "NUCLEAR_WASTE"
    CARBON_DIOXIDE = "CARBON_DIOXIDE"
