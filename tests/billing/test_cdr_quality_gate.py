"""The CDR quality gate's rules and the CdrLocation text limits, as pure functions."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from billing.services.cdrs import cdr_quality_issues, cdr_text_limit

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def issues(**overrides: Any) -> list[str]:
    values: dict[str, Any] = {
        "start": START,
        "end": START + timedelta(hours=1),
        "total_energy": Decimal("10"),
        "connector_power_w": 22080,
        "pricing_problem": None,
    }
    values.update(overrides)
    return cdr_quality_issues(**values)


def test_a_plausible_cdr_passes():
    assert issues() == []


def test_zero_energy_is_held():
    assert issues(total_energy=Decimal(0)) == ["zero energy: the vehicle drew nothing"]


def test_negative_energy_is_held():
    (issue,) = issues(total_energy=Decimal("-0.5"))
    assert issue.startswith("negative energy (-0.5 kWh)")


def test_end_before_start_is_held():
    (issue,) = issues(end=START - timedelta(minutes=1))
    assert "ends (2026-03-02 07:59:00) before it starts (2026-03-02 08:00:00)" in issue


def test_missing_tariff_is_held():
    assert issues(pricing_problem="no tariff was in force") == ["no tariff was in force"]


def test_energy_beyond_connector_power_is_held():
    # 22.08 kW for one hour is 22.08 kWh at most; one Wh of meter rounding is tolerated, more is not.
    assert issues(total_energy=Decimal("22.081")) == []
    (issue,) = issues(total_energy=Decimal("22.082"))
    assert "22.082 kWh in 1.00 h is more than the connector's 22.08 kW can deliver (22.08 kWh)" in issue


def test_several_problems_are_all_reported():
    found = issues(total_energy=Decimal(0), end=START - timedelta(seconds=1), pricing_problem="cannot be priced: x")
    assert len(found) == 3


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Storgatan 12", 45, "Storgatan 12"),
        ("  Storgatan   12 ", 45, "Storgatan 12"),
        # Whole words, then trailing separators dropped.
        ("Kungsgatan 12, entrance from the parking garage, level -2", 45, "Kungsgatan 12, entrance from the parking"),
        ("Drottninggatan 101, opposite the central station", 45, "Drottninggatan 101, opposite the central"),
        ("Västra Storgatan 1, baksidan", 20, "Västra Storgatan 1"),
        ("A" * 50, 45, "A" * 45),
    ],
)
def test_cdr_text_limit_keeps_whole_words(text, limit, expected):
    result = cdr_text_limit(text, limit)
    assert result == expected
    assert len(result) <= limit
