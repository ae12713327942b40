"""The engine's own rules beyond the spec's examples: wall-clock time across DST, boundaries, limits, input errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from tariffs import pricing
from tariffs.pricing import Dimension, PriceComponent, Restrictions, TariffElement

from .helpers import STOCKHOLM, charge, local, park, price

D = Decimal


def tariff(*elements: TariffElement, **kwargs: object) -> pricing.Tariff:
    return pricing.Tariff(id="T", currency="EUR", elements=elements, **kwargs)  # type: ignore[arg-type]


def element(*components: PriceComponent, **restrictions: object) -> TariffElement:
    return TariffElement(components, Restrictions(**restrictions) if restrictions else None)  # type: ignore[arg-type]


def time_price(price_: str, step: int = 1, vat: str | None = None) -> PriceComponent:
    return PriceComponent(Dimension.TIME, D(price_), step, D(vat) if vat is not None else None)


NIGHT_AND_DAY = tariff(
    element(time_price("1.00"), start_time=time(22), end_time=time(6)),
    element(time_price("3.00")),
)


def hours_by_element(result: pricing.PricedSession) -> dict[int | None, Decimal]:
    out: dict[int | None, Decimal] = {}
    for line in result.lines:
        if line.dimension is Dimension.TIME:
            out[line.element_index] = out.get(line.element_index, D(0)) + line.quantity / 3600
    return out


def test_night_rate_on_the_night_the_clocks_go_back_lasts_eight_real_hours() -> None:
    # 23:00 → 07:00 local on 26/27 October 2024 is nine real hours; the night window 22:00–06:00 holds eight of them.
    start = local("2024-10-26 23:00", STOCKHOLM)
    result = price(NIGHT_AND_DAY, start, charge(9 * 60))
    assert hours_by_element(result) == {0: 8, 1: 1}
    assert result.exact_total_cost.excl_vat == D("11.00")


def test_night_rate_on_the_night_the_clocks_go_forward_lasts_six_real_hours() -> None:
    start = local("2024-03-30 23:00", STOCKHOLM)
    result = price(NIGHT_AND_DAY, start, charge(7 * 60))  # 23:00 → 07:00 local
    assert hours_by_element(result) == {0: 6, 1: 1}


def test_a_window_starting_inside_the_skipped_hour_starts_when_the_clock_jumps() -> None:
    # From 02:30 on 31 March 2024 in Stockholm: the clock goes 01:59:59 → 03:00, so the window opens at 03:00 local.
    early = tariff(element(time_price("5.00"), start_time=time(2, 30), end_time=time(4)), element(time_price("1.00")))
    start = local("2024-03-31 01:00", STOCKHOLM)
    result = price(early, start, charge(120))  # 01:00 → 04:00 local, two real hours
    assert [(line.element_index, line.start.time(), line.quantity) for line in result.lines] == [
        (1, time(1), 3600),
        (0, time(3), 3600),
    ]


def test_time_of_day_boundaries_start_inclusive_end_exclusive() -> None:
    peak = tariff(element(time_price("2.00"), start_time=time(17), end_time=time(20)), element(time_price("1.00")))
    assert price(peak, local("2024-06-03 16:59"), charge(1)).lines[0].element_index == 1
    assert price(peak, local("2024-06-03 17:00"), charge(1)).lines[0].element_index == 0
    assert price(peak, local("2024-06-03 19:59"), charge(1)).lines[0].element_index == 0
    assert price(peak, local("2024-06-03 20:00"), charge(1)).lines[0].element_index == 1


def test_dates_are_local_with_exclusive_end_and_weekdays_are_local() -> None:
    june = tariff(
        element(
            time_price("2.00"),
            start_date=date(2024, 6, 1),
            end_date=date(2024, 7, 1),
            day_of_week=frozenset({pricing.DayOfWeek.MONDAY}),
        ),
        element(time_price("1.00")),
    )
    # 2024-07-01 00:30 in Stockholm is still 30 June 22:30 UTC: local date July → not June any more.
    assert price(june, local("2024-07-01 00:30", STOCKHOLM), charge(10)).lines[0].element_index == 1
    # Monday 3 June 00:30 local is Sunday in UTC: the local weekday counts.
    assert price(june, local("2024-06-03 00:30", STOCKHOLM), charge(10)).lines[0].element_index == 0


def test_a_coarse_period_across_a_price_change_is_cut_with_its_energy_spread_linearly() -> None:
    evening = tariff(
        element(PriceComponent(Dimension.ENERGY, D("0.50"), 1), start_time=time(17)),
        element(PriceComponent(Dimension.ENERGY, D("0.20"), 1)),
    )
    result = price(evening, local("2024-06-03 16:30"), charge(60, 12))  # one period 16:30–17:30, 12 kWh
    assert [(line.element_index, line.quantity) for line in result.lines] == [(1, 6), (0, 6)]
    assert result.exact_total_cost.excl_vat == D("4.20")


def test_kwh_thresholds_cut_inside_a_period() -> None:
    first_kwh_free = tariff(
        element(PriceComponent(Dimension.ENERGY, D(0), 1), max_kwh=D(1)),
        element(PriceComponent(Dimension.ENERGY, D("0.30"), 1)),
    )
    result = price(first_kwh_free, local("2024-06-03 10:00"), charge(0, 11))  # energy only: no duration at all
    assert [(line.element_index, line.quantity) for line in result.lines] == [(0, 1), (1, 10)]


def test_an_unmeasured_current_does_not_satisfy_a_current_restriction() -> None:
    slow = tariff(element(time_price("1.00"), max_current=D(32)), element(time_price("2.00")))
    assert price(slow, local("2024-06-03 10:00"), charge(60)).lines[0].element_index == 1
    assert price(slow, local("2024-06-03 10:00"), charge(60, current=16)).lines[0].element_index == 0


def test_flat_fee_of_a_parking_only_element_is_a_parking_cost() -> None:
    idle = tariff(
        element(
            PriceComponent(Dimension.FLAT, D("5.00"), 1),
            PriceComponent(Dimension.PARKING_TIME, D(0), 1),
            min_duration=7200,
        ),
        element(PriceComponent(Dimension.FLAT, D("0.50"), 1), PriceComponent(Dimension.ENERGY, D("0.30"), 1)),
    )
    short = price(idle, local("2024-06-03 10:00"), charge(60, 10), park(30))
    assert (short.total_fixed_cost.excl_vat, short.total_parking_cost.excl_vat) == (D("0.50"), D("0.00"))
    long = price(idle, local("2024-06-03 10:00"), charge(60, 10), park(90))
    assert (long.total_fixed_cost.excl_vat, long.total_parking_cost.excl_vat) == (D("0.50"), D("5.00"))


def test_min_price_without_incl_vat_keeps_the_sessions_vat_rate() -> None:
    result = price(
        tariff(element(time_price("1.00", vat="25")), min_price=pricing.Price(D("2.00"))),
        local("2024-06-03 10:00"),
        charge(60),
    )
    assert result.total_cost == pricing.Price(D("2.00"), D("2.50"))
    assert "min_price" in result.explanation()[-2]


def test_max_price_clamps_excl_and_incl_independently() -> None:
    result = price(
        tariff(
            element(time_price("10.00", vat="25"), PriceComponent(Dimension.FLAT, D("10.00"), 1)),
            max_price=pricing.Price(D("15.00"), D("19.00")),
        ),
        local("2024-06-03 10:00"),
        charge(30),  # 15.00 excl (not clamped), 16.25 incl... plus FLAT without VAT: 15.00 / 16.25
    )
    assert result.total_cost == pricing.Price(D("15.00"), D("16.25"))
    result = price(
        tariff(element(time_price("10.00", vat="25")), max_price=pricing.Price(D("15.00"), D("18.00"))),
        local("2024-06-03 10:00"),
        charge(100),  # 16.67 excl, 20.83 incl
    )
    assert result.total_cost == pricing.Price(D("15.00"), D("18.00"))


def test_rounding_is_half_up_to_the_currency_minor_unit() -> None:
    yen = pricing.Tariff(id="T", currency="JPY", elements=(element(time_price("45")),))
    result = pricing.price_session(
        tariff=yen,
        session=pricing.Session(
            start=datetime(2024, 6, 3, tzinfo=UTC),
            periods=(pricing.ChargingPeriod(start=datetime(2024, 6, 3, tzinfo=UTC), charging=timedelta(minutes=50)),),
        ),
        time_zone="Asia/Tokyo",
    )
    assert result.total_cost.excl_vat == D("38")  # 37.5 → 38, no decimals in yen


@pytest.mark.parametrize(
    ("broken", "field"),
    [
        (tariff(element(time_price("-1"))), "elements[0].price_components[0].price"),
        (pricing.Tariff(id="T", currency="EURO", elements=(element(time_price("1")),)), "currency"),
        (tariff(), "elements"),
        (
            tariff(element(time_price("1")), min_price=pricing.Price(D(5)), max_price=pricing.Price(D(4))),
            "min_price",
        ),
    ],
)
def test_tariffs_the_engine_refuses_name_the_field(broken: pricing.Tariff, field: str) -> None:
    with pytest.raises(pricing.PricingInputError) as error:
        price(broken, local("2024-06-03 10:00"), charge(10))
    assert error.value.field == field


def test_sessions_the_engine_refuses_name_the_field() -> None:
    start = datetime(2024, 6, 3, 10, tzinfo=UTC)
    periods = (
        pricing.ChargingPeriod(start=start + timedelta(hours=1), charging=timedelta(hours=1)),
        pricing.ChargingPeriod(start=start, charging=timedelta(hours=1)),
    )
    with pytest.raises(pricing.PricingInputError, match=r"charging_periods\[1\].start_date_time: is before"):
        pricing.price_session(tariff=NIGHT_AND_DAY, session=pricing.Session(start=start, periods=periods))
    negative = (pricing.ChargingPeriod(start=start, energy=D(-1)),)
    with pytest.raises(pricing.PricingInputError, match=r"dimensions\[ENERGY\]"):
        pricing.price_session(tariff=NIGHT_AND_DAY, session=pricing.Session(start=start, periods=negative))


def test_tariff_validity_window() -> None:
    limited = tariff(
        element(time_price("1")),
        start_date_time=datetime(2024, 6, 1, tzinfo=UTC),
        end_date_time=datetime(2024, 7, 1, tzinfo=UTC),
    )
    assert price(limited, local("2024-06-15 10:00"), charge(10)).total_cost.excl_vat == D("0.17")
    with pytest.raises(pricing.TariffNotApplicable, match="from 2024-06-01T00:00:00Z until 2024-07-01T00:00:00Z"):
        price(limited, local("2024-05-31 10:00"), charge(10))
