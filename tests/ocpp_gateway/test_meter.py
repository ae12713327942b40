"""MeterValues are read leniently: units converted, per-phase and signed values skipped, bad entries ignored."""

from datetime import UTC, datetime
from decimal import Decimal

from ocpp_gateway.meter import MeterReading, meter_readings

AT = "2026-03-02T08:10:00Z"


def test_registers_in_kwh_and_wh_power_in_kw_and_current_without_phase():
    readings = meter_readings(
        [
            {
                "timestamp": AT,
                "sampled_value": [
                    {"value": "12.5", "measurand": "Energy.Active.Import.Register", "unit": "kWh"},
                    {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"},
                    {"value": "10", "measurand": "Current.Import", "unit": "A", "phase": "L1"},
                    {"value": "31.5", "measurand": "Current.Import", "unit": "A"},
                ],
            },
            {"timestamp": "2026-03-02T08:15:00+01:00", "sampled_value": [{"value": "13000"}]},
        ]
    )
    assert readings == [
        MeterReading(datetime(2026, 3, 2, 8, 10, tzinfo=UTC), Decimal("12500.0"), Decimal("7200.0"), Decimal("31.5")),
        MeterReading(datetime(2026, 3, 2, 7, 15, tzinfo=UTC), Decimal("13000"), None, None),
    ]


def test_what_cannot_be_read_is_skipped():
    assert (
        meter_readings(
            [
                {"timestamp": AT, "sampled_value": []},  # empty (fails the schema's minItems)
                {"timestamp": "yesterday", "sampled_value": [{"value": "1"}]},
                {
                    "timestamp": AT,
                    "sampled_value": [{"value": "abc"}, {"value": "-5"}, {"value": "1", "unit": "Celcius"}],
                },
                {"timestamp": AT, "sampled_value": [{"value": "x", "format": "SignedData"}]},
                "not an object",
            ]
        )
        == []
    )
    assert meter_readings(None) == []
