"""Properties of the pricing engine over generated tariffs and sessions (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tariffs import pricing
from tariffs.pricing import DayOfWeek, Dimension, PriceComponent, Restrictions, TariffElement

STOCKHOLM = ZoneInfo("Europe/Stockholm")
D = Decimal
PROPERTY_SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

prices = st.integers(min_value=0, max_value=500).map(lambda cents: D(cents) / 100)
positive_prices = st.integers(min_value=1, max_value=500).map(lambda cents: D(cents) / 100)
vats = st.one_of(st.none(), st.sampled_from([D(0), D("5.2"), D(10), D(20), D(25)]))
hours_minutes = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


def components(price_strategy: st.SearchStrategy[Decimal], exact_steps: bool) -> st.SearchStrategy:
    def build(dimension: Dimension) -> st.SearchStrategy[PriceComponent]:
        if exact_steps or dimension is Dimension.FLAT:
            steps: st.SearchStrategy[int] = st.just(1)
        elif dimension is Dimension.ENERGY:
            steps = st.sampled_from([1, 100, 500])
        else:
            steps = st.sampled_from([1, 60, 300, 900])
        return st.builds(PriceComponent, st.just(dimension), price_strategy, steps, vats)

    return st.lists(st.sampled_from(list(Dimension)), min_size=1, max_size=4, unique=True).flatmap(
        lambda dims: st.tuples(*(build(d) for d in dims))
    )


def restrictions(with_kwh: bool) -> st.SearchStrategy[Restrictions]:
    kwh = st.integers(1, 40).map(D) if with_kwh else st.none()
    return st.builds(
        Restrictions,
        start_time=st.one_of(st.none(), hours_minutes),
        end_time=st.one_of(st.none(), hours_minutes),
        day_of_week=st.frozensets(st.sampled_from(list(DayOfWeek)), max_size=5),
        min_power=st.one_of(st.none(), st.sampled_from([D(11), D(22), D(50)])),
        max_power=st.one_of(st.none(), st.sampled_from([D(11), D(22), D(50)])),
        min_duration=st.one_of(st.none(), st.integers(0, 4).map(lambda h: h * 1800)),
        max_duration=st.one_of(st.none(), st.integers(1, 8).map(lambda h: h * 1800)),
        min_kwh=kwh,
        max_kwh=kwh,
    )


def limits(with_incl: bool) -> st.SearchStrategy[tuple[pricing.Price | None, pricing.Price | None]]:
    def price(excl: Decimal, vat: Decimal, has_incl: bool) -> pricing.Price:
        return pricing.Price(excl, (excl * (100 + vat) / 100).quantize(D("0.01")) if has_incl else None)

    one = st.builds(price, prices, st.sampled_from([D(0), D(10), D(25)]), st.just(True) if with_incl else st.booleans())
    return st.tuples(st.one_of(st.none(), one), st.one_of(st.none(), one)).filter(
        lambda pair: (
            pair[0] is None
            or pair[1] is None
            or (
                pair[0].excl_vat <= pair[1].excl_vat
                and (pair[0].incl_vat is None or pair[1].incl_vat is None or pair[0].incl_vat <= pair[1].incl_vat)
            )
        )
    )


def tariffs(
    *,
    price_strategy: st.SearchStrategy[Decimal] = prices,
    exact_steps: bool = False,
    with_kwh: bool = True,
    limits_with_incl: bool = False,
) -> st.SearchStrategy[pricing.Tariff]:
    """Four elements: three restricted ones and the unrestricted fallback the spec advises."""
    restricted = st.builds(
        TariffElement, components(price_strategy, exact_steps), st.one_of(st.none(), restrictions(with_kwh))
    )
    fallback = st.builds(
        lambda energy, time_, parking: TariffElement((energy, time_, parking)),
        *(
            st.builds(
                PriceComponent, st.just(d), price_strategy, st.just(1) if exact_steps else st.sampled_from(s), vats
            )
            for d, s in ((Dimension.ENERGY, [1, 500]), (Dimension.TIME, [1, 300]), (Dimension.PARKING_TIME, [1, 900]))
        ),
    )
    return st.builds(
        lambda elements, fallback_, bounds: pricing.Tariff(
            id="P", currency="EUR", elements=(*elements, fallback_), min_price=bounds[0], max_price=bounds[1]
        ),
        st.lists(restricted, min_size=3, max_size=3),
        fallback,
        limits(limits_with_incl),
    )


@st.composite
def sessions(draw: st.DrawFn) -> pricing.Session:
    start = draw(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2024, 12, 31))).replace(
        second=0, microsecond=0, tzinfo=UTC
    )
    # Times given in the location's zone must price the same as in UTC (arithmetic stays in real time).
    shown = STOCKHOLM if draw(st.booleans()) else UTC
    periods = []
    cursor = start
    for _ in range(draw(st.integers(1, 3))):
        minutes = draw(st.integers(1, 240))
        periods.append(
            pricing.ChargingPeriod(
                start=cursor.astimezone(shown),
                energy=D(draw(st.integers(0, 60_000))) / 1000,
                charging=timedelta(minutes=minutes),
                max_power=D(draw(st.integers(1, 150))),
            )
        )
        cursor += timedelta(minutes=minutes)
    parking = draw(st.integers(0, 240))
    if parking:
        periods.append(pricing.ChargingPeriod(start=cursor.astimezone(shown), parking=timedelta(minutes=parking)))
    return pricing.Session(start=start.astimezone(shown), periods=tuple(periods))


def run(tariff: pricing.Tariff, session: pricing.Session) -> pricing.PricedSession:
    return pricing.price_session(tariff=tariff, session=session, time_zone=STOCKHOLM)


def all_prices(result: pricing.PricedSession) -> list[pricing.Price]:
    return [
        result.total_cost,
        result.exact_total_cost,
        result.total_fixed_cost,
        result.total_energy_cost,
        result.total_time_cost,
        result.total_parking_cost,
        result.total_reservation_cost,
    ] + [pricing.Price(line.excl_vat, line.incl_vat) for line in result.lines]


@PROPERTY_SETTINGS
@given(tariffs(), sessions())
def test_cost_is_never_negative_and_incl_vat_never_below_excl_vat(
    tariff: pricing.Tariff, session: pricing.Session
) -> None:
    for price in all_prices(run(tariff, session)):
        assert price.excl_vat >= 0
        assert price.incl_vat is not None
        assert price.incl_vat >= price.excl_vat


@PROPERTY_SETTINGS
@given(tariffs(), sessions())
def test_total_lies_between_min_and_max_price(tariff: pricing.Tariff, session: pricing.Session) -> None:
    result = run(tariff, session)
    for total in (result.exact_total_cost, result.total_cost):
        assert total.incl_vat is not None
        if tariff.min_price is not None:
            assert total.excl_vat >= tariff.min_price.excl_vat
            assert tariff.min_price.incl_vat is None or total.incl_vat >= tariff.min_price.incl_vat
        if tariff.max_price is not None:
            assert total.excl_vat <= tariff.max_price.excl_vat
            assert tariff.max_price.incl_vat is None or total.incl_vat <= tariff.max_price.incl_vat


# Monotonicity holds for a positive tariff whose steps are exact (step_size 1). With coarser steps OCPI's own rule is
# not monotone: the rounding remainder is billed at the *last* component's price, so one more kWh that moves the end
# of the session into a cheaper element can lower the bill. kWh thresholds are left out for the same reason: linear
# spreading inside a period moves energy between time windows. A min/max_price without incl_vat scales incl by the
# session's own VAT rate, which also moves with the mix, so the limits here carry incl_vat.
monotone_tariffs = tariffs(price_strategy=positive_prices, exact_steps=True, with_kwh=False, limits_with_incl=True)


@PROPERTY_SETTINGS
@given(monotone_tariffs, sessions(), st.data())
def test_cost_is_monotone_in_energy(tariff: pricing.Tariff, session: pricing.Session, data: st.DataObject) -> None:
    charging = [i for i, p in enumerate(session.periods) if p.charging]
    index = data.draw(st.sampled_from(charging))
    more = D(data.draw(st.integers(1, 20_000))) / 1000
    periods = list(session.periods)
    periods[index] = replace(periods[index], energy=periods[index].energy + more)
    before = run(tariff, session).exact_total_cost
    after = run(tariff, replace(session, periods=tuple(periods))).exact_total_cost
    assert after.excl_vat >= before.excl_vat
    assert after.incl_vat is not None
    assert before.incl_vat is not None
    assert after.incl_vat >= before.incl_vat


@PROPERTY_SETTINGS
@given(monotone_tariffs, sessions(), st.integers(1, 300), st.booleans())
def test_cost_is_monotone_in_time(
    tariff: pricing.Tariff, session: pricing.Session, minutes: int, parking: bool
) -> None:
    last = session.periods[-1]
    end = last.start.astimezone(UTC) + last.charging + last.parking
    extra = timedelta(minutes=minutes)
    longer = pricing.ChargingPeriod(
        start=end, charging=timedelta(0) if parking else extra, parking=extra if parking else timedelta(0)
    )
    before = run(tariff, session).exact_total_cost
    after = run(tariff, replace(session, periods=(*session.periods, longer))).exact_total_cost
    assert after.excl_vat >= before.excl_vat
    assert after.incl_vat is not None
    assert before.incl_vat is not None
    assert after.incl_vat >= before.incl_vat


@PROPERTY_SETTINGS
@given(tariffs(), sessions(), st.data())
def test_splitting_a_period_under_the_same_elements_keeps_the_price(
    tariff: pricing.Tariff, session: pricing.Session, data: st.DataObject
) -> None:
    whole = run(tariff, session)
    index = data.draw(st.integers(0, len(session.periods) - 1))
    period = session.periods[index]
    length = period.charging + period.parking
    share = D(data.draw(st.integers(1, 99))) / 100
    first_length = length * float(share)  # whole minutes × k/100: whole microseconds, exact
    assert first_length == timedelta(microseconds=int(length // timedelta(microseconds=1) * share))
    # The premise: no element changes inside this period (the engine did not have to cut it).
    period_start = period.start.astimezone(STOCKHOLM)
    period_end = (period.start.astimezone(UTC) + length).astimezone(STOCKHOLM)
    assume(not any(period_start < line.start < period_end for line in whole.lines))
    first = replace(
        period,
        energy=period.energy * share,
        charging=first_length if period.charging else timedelta(0),
        parking=first_length if period.parking else timedelta(0),
    )
    second = replace(
        period,
        start=period.start.astimezone(UTC) + first_length,
        energy=period.energy - first.energy,
        charging=length - first_length if period.charging else timedelta(0),
        parking=length - first_length if period.parking else timedelta(0),
    )
    periods = (*session.periods[:index], first, second, *session.periods[index + 1 :])
    split = run(tariff, replace(session, periods=periods))
    assert split.exact_total_cost == whole.exact_total_cost
    assert split.total_cost == whole.total_cost
    assert [(line.element_index, line.quantity, line.billed_quantity) for line in split.lines] == [
        (line.element_index, line.quantity, line.billed_quantity) for line in whole.lines
    ]


# --- Daylight saving time ---------------------------------------------------------------------------------------------


def in_window(begin: time, until: time, of_day: time) -> bool:
    if until == time(0):
        return of_day >= begin
    if begin < until:
        return begin <= of_day < until
    return of_day >= begin or of_day < until


def wall_clock_price(windows: list[tuple[time, time, Decimal]], fallback: Decimal, local: datetime) -> Decimal:
    return next((price for begin, until, price in windows if in_window(begin, until, local.time())), fallback)


# Window edges mostly in the hours the clocks skip (02:00–03:00 in March) or repeat (02:00–03:00 in October).
around_the_change = st.one_of(
    st.builds(time, st.sampled_from([1, 2, 3]), st.sampled_from([0, 15, 30, 45])), hours_minutes
)


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from([datetime(2024, 3, 31), datetime(2024, 10, 27)]),
    st.integers(-120, 360),
    st.integers(1, 360),
    st.lists(st.tuples(around_the_change, around_the_change, positive_prices), min_size=1, max_size=3).filter(
        lambda ws: all(b != u for b, u, _ in ws)
    ),
)
def test_dst_day_prices_by_local_wall_clock(
    day: datetime, start_minute: int, minutes: int, windows: list[tuple[time, time, Decimal]]
) -> None:
    """A minute-by-minute simulation on the local wall clock agrees with the engine on the days the clocks change."""
    start = (day.replace(tzinfo=STOCKHOLM) + timedelta(minutes=start_minute)).astimezone(UTC)
    fallback = D("0.10")
    tariff = pricing.Tariff(
        id="DST",
        currency="EUR",
        elements=(
            *(
                TariffElement(
                    (PriceComponent(Dimension.TIME, price, 1),), Restrictions(start_time=begin, end_time=until)
                )
                for begin, until, price in windows
            ),
            TariffElement((PriceComponent(Dimension.TIME, fallback, 1),)),
        ),
    )
    session = pricing.Session(
        start=start, periods=(pricing.ChargingPeriod(start=start, charging=timedelta(minutes=minutes)),)
    )
    expected = sum(
        (
            wall_clock_price(windows, fallback, (start + timedelta(minutes=m)).astimezone(STOCKHOLM)) / 60
            for m in range(minutes)
        ),
        D(0),
    )
    assert abs(run(tariff, session).exact_total_cost.excl_vat - expected) < D("1e-15")
