"""quick_clean rejects exactly the rows full_clean rejects, and leaves accepted rows with the same values.

Each field of valid Location, EVSE, Connector and opening-hours rows is set in turn to values of every common type
(right and wrong), and both validations are run on copies.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from chargepoints.models import EVSE, Connector, ExceptionalPeriod, Location, RegularHours
from chargepoints.quick_clean import quick_clean

NOW = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
VALUES: list[Any] = [
    None,
    "",
    "x",
    "x" * 300,
    "a\nb",
    "AVAILABLE",
    "IEC_62196_T2",
    "52.5200080",
    "Europe/Berlin",
    "https://example.com/t",
    "12:00",
    0,
    -1,
    230,
    10**12,
    1.5,
    True,
    False,
    Decimal("1.5"),
    [],
    ["RFID_READER"],
    ["NOPE"],
    {},
    {"name": "X"},
    NOW,
    datetime(2024, 5, 1, 10, 0),
    "2024-05-01T10:00:00Z",
]


def _rows() -> list[tuple[models.Model, list[str]]]:
    location = Location(
        ocpi_id="LOC-1",
        country_code="DE",
        party_id="ABC",
        address="Marktplatz 1",
        city="Berlin",
        country="DEU",
        latitude="52.520008",
        longitude="13.404954",
        time_zone="Europe/Berlin",
        parking_type="ON_STREET",
        facilities=["CAFE"],
        operator={"name": "Op"},
        twentyfourseven=True,
        created=NOW,
        last_updated=NOW,
    )
    evse = EVSE(uid="EVSE-1", evse_id="DE*ABC*E1", status="AVAILABLE", capabilities=["RFID_READER"], last_updated=NOW)
    connector = Connector(
        connector_id="1",
        standard="IEC_62196_T2",
        format="SOCKET",
        power_type="AC_3_PHASE",
        max_voltage=230,
        max_amperage=32,
        max_electric_power=None,
        tariff_ids=["AC"],
        terms_and_conditions="",
        last_updated=NOW,
    )
    hours = RegularHours(weekday=1, period_begin="08:00", period_end="18:00")
    period = ExceptionalPeriod(kind="closing", period_begin=NOW, period_end=NOW.replace(hour=12))
    return [
        (location, ["lat", "lon", "rated_power_w"]),
        (evse, ["location"]),
        (connector, ["evse", "rated_power_w"]),
        (hours, ["location"]),
        (period, ["location"]),
    ]


def _outcome(clean: Any, instance: models.Model) -> tuple[bool, dict[str, Any]]:
    """Whether the row passed, and its values after. Django itself trips over some wrong types (a TypeError in a
    model's clean): those count as rejections, which validate_row then leaves to full_clean."""
    try:
        clean(instance)
    except (ValidationError, TypeError, ValueError):
        return False, {}
    return True, {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _full(exclude: list[str]) -> Any:
    return lambda row: row.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


@pytest.mark.parametrize("index", range(5))
def test_quick_clean_agrees_with_full_clean_on_every_field_and_value(index):
    row, exclude = _rows()[index]
    assert _outcome(lambda r: quick_clean(r, exclude), copy.deepcopy(row))[0]
    accepted = rejected = 0
    for field in row._meta.concrete_fields:
        if field.primary_key or field.name in exclude:
            continue
        for value in VALUES:
            variant = copy.deepcopy(row)
            setattr(variant, field.attname, value)
            expected = _outcome(_full(exclude), copy.deepcopy(variant))
            assert _outcome(lambda r: quick_clean(r, exclude), variant) == expected, (field.name, value)
            accepted += expected[0]
            rejected += not expected[0]
    assert accepted
    assert rejected
