"""Pricing throughput: CDRs priced per second on a four-element tariff with restrictions, against a JSON round trip
(json.loads + json.dumps) of the same CDR in the same process, so the ratio compares across machines."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ocpi_api.modules.tariffs.serializers import cdr_priced, pricing_session_from_cdr, tariff_input
from tariffs import pricing
from tariffs.services import pricing_tariff
from tests.bench.support import SMOKE, result

TIME_ZONE = "Europe/Stockholm"
TARIFF: dict[str, Any] = {
    "country_code": "SE",
    "party_id": "CPO",
    "id": "BENCH",
    "currency": "SEK",
    "elements": [
        {  # night rate
            "price_components": [
                {"type": "ENERGY", "price": 2.10, "vat": 25.0, "step_size": 1},
                {"type": "TIME", "price": 0.00, "vat": 25.0, "step_size": 60},
            ],
            "restrictions": {"start_time": "22:00", "end_time": "06:00"},
        },
        {  # fast charging on weekdays
            "price_components": [{"type": "TIME", "price": 30.0, "vat": 25.0, "step_size": 60}],
            "restrictions": {
                "min_power": 50.0,
                "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
            },
        },
        {  # idle fee in office hours, after the first two hours of a session
            "price_components": [{"type": "PARKING_TIME", "price": 60.0, "vat": 25.0, "step_size": 300}],
            "restrictions": {"start_time": "09:00", "end_time": "18:00", "min_duration": 7200},
        },
        {  # fallback
            "price_components": [
                {"type": "FLAT", "price": 5.0, "vat": 25.0, "step_size": 1},
                {"type": "ENERGY", "price": 3.20, "vat": 25.0, "step_size": 100},
                {"type": "TIME", "price": 6.0, "vat": 25.0, "step_size": 60},
                {"type": "PARKING_TIME", "price": 12.0, "vat": 25.0, "step_size": 60},
            ]
        },
    ],
    "min_price": {"excl_vat": 10.0, "incl_vat": 12.5},
    "last_updated": "2026-01-01T00:00:00Z",
}
CDR_TEXT = json.dumps(
    {
        "country_code": "SE",
        "party_id": "CPO",
        "id": "BENCH-1",
        "start_date_time": "2026-03-06T15:40:00Z",
        "end_date_time": "2026-03-06T19:55:00Z",
        "cdr_token": {
            "country_code": "SE",
            "party_id": "EMP",
            "uid": "04A1B2C3",
            "type": "RFID",
            "contract_id": "SE-EMP-1",
        },
        "auth_method": "WHITELIST",
        "cdr_location": {
            "id": "LOC1",
            "address": "Storgatan 1",
            "city": "Uppsala",
            "country": "SWE",
            "coordinates": {"latitude": "59.858562", "longitude": "17.638927"},
            "evse_uid": "E1",
            "evse_id": "SE*CPO*E1",
            "connector_id": "1",
            "connector_standard": "IEC_62196_T2_COMBO",
            "connector_format": "CABLE",
            "connector_power_type": "DC",
        },
        "currency": "SEK",
        "charging_periods": [
            {
                "start_date_time": "2026-03-06T15:40:00Z",
                "dimensions": [
                    {"type": "ENERGY", "volume": 31.5},
                    {"type": "TIME", "volume": 0.5},
                    {"type": "MAX_POWER", "volume": 75.0},
                    {"type": "MIN_POWER", "volume": 55.0},
                ],
            },
            {
                "start_date_time": "2026-03-06T16:10:00Z",
                "dimensions": [
                    {"type": "ENERGY", "volume": 6.25},
                    {"type": "TIME", "volume": 0.75},
                    {"type": "MAX_POWER", "volume": 11.0},
                    {"type": "MIN_POWER", "volume": 4.0},
                ],
            },
            {"start_date_time": "2026-03-06T16:55:00Z", "dimensions": [{"type": "PARKING_TIME", "volume": 3.0}]},
        ],
        "total_energy": 37.75,
        "total_time": 4.25,
        "last_updated": "2026-03-06T20:00:00Z",
    }
)


def _rate(work: Callable[[], object], seconds: float) -> float:
    """Calls per second, over at least ``seconds`` of wall time."""
    calls, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(20):
            work()
        calls += 20
    return calls / elapsed


def _best_rates(*works: Callable[[], object], rounds: int = 3, seconds: float = 0.3) -> list[float]:
    """The best of a few interleaved rounds each: other processes on a shared machine slow all of them alike."""
    for work in works:
        work()  # warm up
    best = [0.0] * len(works)
    for _ in range(rounds):
        for index, work in enumerate(works):
            best[index] = max(best[index], _rate(work, seconds))
    return best


def run() -> list[str]:
    data = tariff_input(json.loads(json.dumps(TARIFF), parse_float=Decimal))
    tariff = pricing_tariff(data=data)
    cdr = json.loads(CDR_TEXT, parse_float=Decimal)
    session = pricing_session_from_cdr(cdr)
    priced = pricing.price_session(tariff=tariff, session=session, time_zone=TIME_ZONE)
    assert priced.total_cost.excl_vat > 0

    def baseline() -> object:
        return json.dumps(json.loads(CDR_TEXT))

    def engine() -> object:
        return pricing.price_session(tariff=tariff, session=session, time_zone=TIME_ZONE)

    def end_to_end() -> object:
        parsed = json.loads(CDR_TEXT, parse_float=Decimal)
        result = pricing.price_session(tariff=tariff, session=pricing_session_from_cdr(parsed), time_zone=TIME_ZONE)
        return cdr_priced(parsed, tariff=data, priced=result)

    rounds, seconds = (1, 0.05) if SMOKE else (3, 0.3)
    json_rate, engine_rate, full_rate = _best_rates(baseline, engine, end_to_end, rounds=rounds, seconds=seconds)
    return [
        f"tariff: {len(tariff.elements)} elements with time-of-day, weekday, power and duration restrictions; "
        f"CDR: {len(session.periods)} periods across 17:00 and 18:00 local ({TIME_ZONE})",
        f"baseline json.loads + json.dumps of the CDR: {json_rate:,.0f} /s",
        f"pricing engine: {engine_rate:,.0f} CDRs/s = {json_rate / engine_rate:.1f}x the time of the JSON round trip",
        f"CDR JSON -> validated periods -> engine -> cost fields: {full_rate:,.0f} CDRs/s "
        f"= {json_rate / full_rate:.1f}x the time of the JSON round trip",
        result("pricing", engine_vs_json=json_rate / engine_rate, end_to_end_vs_json=json_rate / full_rate),
    ]
