"""The OCPI Tariff serializer both ways, and reading a CDR for the engine."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer

from ocpi_api.modules.tariffs.serializers import (
    TariffSerializer,
    flatten_errors,
    pricing_session_from_cdr,
    tariff_input,
)
from tariffs.services import tariff_replace

from .helpers import spec_json
from .test_models_services import SPEC_TARIFFS

D = Decimal


def canonical(value: Any) -> Any:
    """JSON values compared as numbers, not as text: 2.00 == 2.0000."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        return D(str(value)).normalize()
    return value


@pytest.mark.django_db
@pytest.mark.parametrize("name", SPEC_TARIFFS)
def test_spec_tariffs_come_back_as_they_went_in(name: str) -> None:
    original = spec_json(name)
    stored = tariff_replace(data=tariff_input(original))
    served = TariffSerializer(stored).data
    # last_updated is ours: the data owner sets it when the tariff changes (here: now).
    assert served.pop("last_updated").endswith("Z")
    original.pop("last_updated")
    assert canonical(served) == canonical(original)
    assert list(served) == [k for k in original if k != "last_updated"]  # the spec's field order


@pytest.mark.django_db
def test_served_json_has_plain_numbers_utc_datetimes_and_no_empty_optionals() -> None:
    data = tariff_input(spec_json("tariff_6_025kwh_start_max_price.json"))
    data["start_date_time"] = datetime(2019, 1, 1, 1, 0, tzinfo=UTC) + timedelta(hours=1)
    text = JSONRenderer().render(TariffSerializer(tariff_replace(data=data)).data).decode()
    served = json.loads(text)
    assert served["start_date_time"] == "2019-01-01T02:00:00Z"
    assert served["end_date_time"] == "2019-06-30T23:59:59Z"
    assert served["elements"][0]["price_components"][1] == {
        "type": "ENERGY",
        "price": 0.25,
        "vat": 10.0,
        "step_size": 1,
    }
    assert '"price":0.25,' in text
    for absent in ("type", "tariff_alt_text", "tariff_alt_url", "min_price", "energy_mix"):
        assert absent not in served
    assert "restrictions" not in served["elements"][0]


def errors_of(data: Any) -> list[str]:
    with pytest.raises(ValidationError) as error:
        tariff_input(data)
    return flatten_errors(error.value.detail)


def test_bad_tariffs_are_refused_with_the_field_named() -> None:
    data = spec_json("tariff_4_complex.json")
    data["currency"] = "EUX"
    data["elements"][1]["price_components"][0]["price"] = D("-1.00")
    data["elements"][0]["price_components"][0]["step_size"] = 900
    data["elements"][4]["restrictions"]["start_time"] = "25:00"
    lines = errors_of(data)
    assert any(line.startswith("elements[1].price_components[0].price: A price cannot be negative") for line in lines)
    assert any(line.startswith("elements[0].price_components[0].step_size: step_size has no meaning") for line in lines)
    assert any(line.startswith("elements[4].restrictions.start_time: Expected a local time HH:MM") for line in lines)
    data = spec_json("tariff_6_025kwh_start_max_price.json")
    data["currency"] = "EUX"
    data["start_date_time"] = "2019-07-01T00:00:00Z"
    lines = errors_of(data)
    assert any(line.startswith("currency: 'EUX' is not an ISO 4217 currency") for line in lines)
    assert any(line.startswith("end_date_time: The tariff would end") for line in lines)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("elements"), "elements: This field is required."),
        (lambda d: d.update(elements=[]), "elements: This list may not be empty."),
        (lambda d: d.update(last_updated="2018-12-17 11:16"), "last_updated: Expected an RFC 3339"),
        (
            lambda d: d["elements"][0]["price_components"].append(d["elements"][0]["price_components"][0]),
            "elements[0].price_components: Only one ENERGY component per element",
        ),
        (
            lambda d: d["elements"][0].update(restrictions={"reservation": "RESERVATION"}),
            "elements[0].price_components: An element restricted to RESERVATION may only hold FLAT and TIME",
        ),
        (lambda d: d["elements"][0]["price_components"][0].update(price="0.25"), "price: Expected a JSON number."),
    ],
)
def test_structural_errors_name_the_field(change: Any, expected: str) -> None:
    data = spec_json("tariff_8_simple_025kwh.json")
    change(data)
    assert any(expected in line for line in errors_of(data))


def test_a_cdr_without_charging_is_an_expired_reservation() -> None:
    cdr = spec_json("cdr_example.json")
    cdr["charging_periods"] = [
        {"start_date_time": "2015-06-29T21:39:09Z", "dimensions": [{"type": "RESERVATION_TIME", "volume": D("1.5")}]}
    ]
    session = pricing_session_from_cdr(cdr)
    assert session.reservation_expired
    assert session.periods[0].reservation == timedelta(minutes=90)
    cdr["charging_periods"][0]["dimensions"].append({"type": "ENERGY", "volume": D(3)})
    assert not pricing_session_from_cdr(cdr).reservation_expired


def test_cdr_hours_are_read_to_the_second_and_measurements_kept() -> None:
    cdr = spec_json("cdr_example.json")
    cdr["charging_periods"][0]["dimensions"] = [
        {"type": "TIME", "volume": D("0.6667")},
        {"type": "PARKING_TIME", "volume": D("0.25")},
        {"type": "MAX_POWER", "volume": D("22.1")},
        {"type": "STATE_OF_CHARGE", "volume": D(80)},
    ]
    (period,) = pricing_session_from_cdr(cdr).periods
    assert (period.charging, period.parking, period.max_power) == (
        timedelta(minutes=40),
        timedelta(minutes=15),
        D("22.1"),
    )


def test_bad_cdrs_are_refused_with_the_field_named() -> None:
    cdr = spec_json("cdr_example.json")
    cdr["charging_periods"][0]["start_date_time"] = "2015-06-29T20:00:00Z"
    cdr["charging_periods"][0]["dimensions"][0]["volume"] = D(-1)
    with pytest.raises(ValidationError) as error:
        pricing_session_from_cdr(cdr)
    assert flatten_errors(error.value.detail) == [
        "charging_periods[0].start_date_time: is before the CDR's start_date_time."
    ]
