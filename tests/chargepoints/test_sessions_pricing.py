"""Sessions and the pricing engine: periods cut where prices change, the tariff in force at the start, and the
invariant that the running cost at the stop is the CDR's cost."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chargepoints.sessions.enums import ChargingState
from chargepoints.sessions.pricing import price_periods
from chargepoints.sessions.selectors import session_period_facts
from chargepoints.sessions.services import session_meter_values, session_set_charging_state, session_stop
from chargepoints.sessions.tariffs import session_tariff
from tests.chargepoints.sessions_support import T0, component, start, station, tariff

pytestmark = pytest.mark.django_db


def at(minutes: float, base: datetime = T0) -> datetime:
    return base + timedelta(minutes=minutes)


def meter(session, minutes, wh, *, kw=None, base=T0):
    power = Decimal(kw * 1000) if kw is not None else None
    return session_meter_values(session=session, at=at(minutes, base), energy_wh_total=Decimal(wh), power_w=power)


def periods(session):
    return [
        (p.start_date_time, p.end_date_time, p.energy_kwh, p.parking, p.tariff_id)
        for p in session.charging_periods.all()
    ]


def test_the_spec_example_t04_start_fee_energy_and_parking_per_15_minutes():
    """OCPI tariff_10: 20 kWh, then 40 min parked (billed as 45) → 7.00 excl / 7.90 incl VAT (Spec)."""
    tariff_id = tariff(
        "T04",
        currency="EUR",
        elements=[
            {
                "price_components": [
                    component("FLAT", "0.50", vat="20"),
                    component("ENERGY", "0.25", vat="10"),
                    component("PARKING_TIME", "2.00", vat="20", step_size=900),
                ]
            }
        ],
    )
    session = start(station(tariff_ids=[tariff_id]))
    meter(session, 0, 0, kw=20)
    session_set_charging_state(session=session, state=ChargingState.PARKING, at=at(60), energy_wh_total=Decimal(20000))
    session = session_stop(session=session, at=at(100), reason="Driver left")

    assert (session.total_cost_excl_vat, session.total_cost_incl_vat) == (Decimal("7.00"), Decimal("7.90"))
    cdr = session.cdrs.get()
    assert (cdr.total_cost_excl_vat, cdr.total_cost_incl_vat) == (Decimal("7.00"), Decimal("7.90"))
    assert (cdr.total_fixed_cost_excl_vat, cdr.total_energy_cost_excl_vat) == (Decimal("0.50"), Decimal("5.00"))
    assert (cdr.total_parking_cost_excl_vat, cdr.total_parking_cost_incl_vat) == (Decimal("1.50"), Decimal("1.80"))
    assert (cdr.total_energy, cdr.total_time, cdr.total_parking_time) == (20, Decimal("1.6667"), Decimal("0.6667"))


def test_a_time_of_day_price_change_cuts_the_period_and_splits_the_energy():
    """Energy costs more from 17:00 local time: the kWh before 17:00 stay in the period that ends at 17:00."""
    tariff_id = tariff(
        "T-EVENING",
        elements=[
            {
                "price_components": [component("ENERGY", "0.30")],
                "restrictions": {"start_time": datetime(1, 1, 1, 17).time()},
            },
            {"price_components": [component("ENERGY", "0.20")]},
        ],
    )
    base = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)  # 15:30 in Stockholm (UTC+1)
    session = start(station(tariff_ids=[tariff_id]), at=base)
    meter(session, 75, 11000, base=base)  # 16:45
    meter(session, 105, 15400, base=base)  # 17:15: 4.4 kWh over 30 min, half of it before 17:00
    session = session_stop(session=session, at=at(120, base), reason="Full", energy_wh_total=Decimal(17000))

    boundary = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 17:00 local
    assert periods(session) == [
        (base, boundary, Decimal("13.2"), False, "T-EVENING"),  # 11 kWh + 15 of the 30 min × 4.4 kWh
        (boundary, at(120, base), Decimal("3.8"), False, "T-EVENING"),
    ]
    # 13.2 × 0.20 + 3.8 × 0.30 = 2.64 + 1.14
    assert session.total_cost_excl_vat == Decimal("3.78")
    assert session.cdrs.get().total_cost_excl_vat == Decimal("3.78")


def test_a_kwh_threshold_cuts_the_period_where_the_energy_reaches_it():
    tariff_id = tariff(
        "T-FIRST10",
        elements=[
            {"price_components": [component("ENERGY", "0.10")], "restrictions": {"max_kwh": Decimal(10)}},
            {"price_components": [component("ENERGY", "0.30")]},
        ],
    )
    session = start(station(tariff_ids=[tariff_id]))
    meter(session, 20, 8000)
    meter(session, 40, 14000)  # 10 kWh is reached a third of the way: at 26:40
    session = session_stop(session=session, at=at(40), reason="Full")

    cut = at(20) + timedelta(minutes=20) / 3
    assert periods(session) == [
        (T0, cut, Decimal(10), False, "T-FIRST10"),
        (cut, at(40), Decimal(4), False, "T-FIRST10"),
    ]
    assert session.total_cost_excl_vat == Decimal("2.20")  # 10 × 0.10 + 4 × 0.30


def test_a_power_band_change_starts_a_new_period_so_each_part_gets_its_price():
    tariff_id = tariff(
        "T-FAST",
        elements=[
            {"price_components": [component("ENERGY", "0.40")], "restrictions": {"min_power": Decimal(20)}},
            {"price_components": [component("ENERGY", "0.20")]},
        ],
    )
    session = start(station(tariff_ids=[tariff_id]))
    meter(session, 0, 0, kw=22)
    meter(session, 20, 7333, kw=21)  # same band: same period
    meter(session, 30, 10999, kw=7)  # below 20 kW from here on
    session = session_stop(session=session, at=at(40), reason="Full", energy_wh_total=Decimal(12166))

    fast, slow = session.charging_periods.all()
    assert (fast.start_date_time, fast.end_date_time, fast.energy_kwh) == (T0, at(30), Decimal("10.999"))
    assert (fast.min_power_kw, fast.max_power_kw) == (21, 22)
    assert (slow.start_date_time, slow.energy_kwh, slow.min_power_kw, slow.max_power_kw) == (
        at(30),
        Decimal("1.167"),
        7,
        7,
    )
    # 10.999 × 0.40 + 1.167 × 0.20 = 4.3996 + 0.2334; without the cut the whole session would be 0.20/kWh
    assert session.total_cost_excl_vat == Decimal("4.63")


def test_a_time_boundary_on_a_report_starts_the_next_period_exactly_there():
    tariff_id = tariff(
        "T-DURATION",
        elements=[
            {"price_components": [component("TIME", "0")], "restrictions": {"max_duration": 1800}},
            {"price_components": [component("TIME", "6.00")]},
        ],
    )
    session = start(station(tariff_ids=[tariff_id]))
    meter(session, 0, 0, kw=11)
    meter(session, 30, 5000, kw=7)  # the free half hour ends exactly now, and the power drops
    session = session_stop(session=session, at=at(50), reason="Done", energy_wh_total=Decimal(8000))
    assert periods(session) == [
        (T0, at(30), Decimal(5), False, "T-DURATION"),
        (at(30), at(50), Decimal(3), False, "T-DURATION"),
    ]
    first, second = session.charging_periods.all()
    assert (first.min_power_kw, first.max_power_kw) == (11, 11)
    assert (second.min_power_kw, second.max_power_kw) == (7, 7)  # the 11 kW it inherited at 30:00 never applied
    assert session.total_cost_excl_vat == Decimal("2.00")  # 20 min × 6.00/h


def test_a_boundary_at_the_stop_leaves_no_empty_period():
    tariff_id = tariff(
        "T-HALF",
        elements=[{"price_components": [component("ENERGY", "0.1")], "restrictions": {"max_duration": 1800}}],
    )
    session = session_stop(
        session=start(station(tariff_ids=[tariff_id])), at=at(30), reason="x", energy_wh_total=Decimal(1)
    )
    assert periods(session) == [(T0, at(30), Decimal("0.001"), False, "T-HALF")]


def test_the_tariff_in_force_at_the_start_prices_the_whole_session_even_after_an_edit():
    tariff_id = tariff("T-EDITED")
    session = start(station(tariff_ids=[tariff_id]))
    meter(session, 30, 10000)
    tariff("T-EDITED", elements=[{"price_components": [component("ENERGY", "9.99")]}])  # edited mid-session
    session = session_stop(session=session, at=at(40), reason="Done", energy_wh_total=Decimal(12000))

    assert session.total_cost_excl_vat == Decimal("3.00")  # 12 kWh × 0.25, the price at the start
    cdr = session.cdrs.get()
    assert cdr.total_cost_excl_vat == Decimal("3.00")
    assert cdr.tariff_snapshot is not None
    assert cdr.tariff_snapshot["elements"][0]["price_components"][0]["price"] == "0.2500"


def test_the_first_regular_tariff_valid_at_the_start_is_chosen():
    tariff("T-ADHOC", type="AD_HOC_PAYMENT", elements=[{"price_components": [component("ENERGY", "0.90")]}])
    tariff("T-OLD", end_date_time=T0 - timedelta(days=1))
    tariff("T-NEXT", start_date_time=T0 + timedelta(days=1))
    tariff("T-REGULAR", type="REGULAR", elements=[{"price_components": [component("ENERGY", "0.35")]}])
    evse = station(tariff_ids=["T-ADHOC", "T-OLD", "T-NEXT", "T-MISSING", "T-REGULAR"])
    session = start(evse)
    assert session.tariff_snapshot is not None
    assert (session.tariff_id, session.tariff_snapshot["id"]) == ("T-REGULAR", "T-REGULAR")


def test_without_a_tariff_the_cost_is_unknown_and_the_cdr_waits_for_review():
    session = start(station())
    meter(session, 10, 2000)
    session.refresh_from_db()
    assert session.total_cost_excl_vat is None
    assert session.pricing_error.startswith("No tariff was in force")
    session = session_stop(session=session, at=at(20), reason="Done", energy_wh_total=Decimal(3000))
    cdr = session.cdrs.get()
    assert cdr.status == "REVIEW"
    assert cdr.review_reasons == ["no tariff was in force on the connector when the session started"]
    assert cdr.total_cost_excl_vat is None


MIXED = [
    {
        "price_components": [component("ENERGY", "0.31", step_size=100), component("FLAT", "1.00", vat="25")],
        "restrictions": {"day_of_week": ["MONDAY"]},
    },
    {
        "price_components": [
            component("TIME", "2.40", step_size=300),
            component("PARKING_TIME", "3.00", step_size=600),
        ],
        "restrictions": {"start_time": datetime(1, 1, 1, 10, 0).time(), "end_time": datetime(1, 1, 1, 18, 0).time()},
    },
    {"price_components": [component("ENERGY", "0.27"), component("TIME", "1.20", vat="6")]},
]


@pytest.mark.parametrize(
    ("label", "elements", "extra", "visit"),
    [
        ("energy", None, {}, [("charge", 37, 9.81)]),
        (
            "mixed-across-10:00",
            MIXED,
            {},
            [("charge", 47, 11.3), ("suspend", 6, 0), ("charge", 13, 3.2), ("park", 23, 0)],
        ),
        (
            "min-price",
            None,
            {"min_price": {"excl_vat": Decimal("5.00"), "incl_vat": Decimal("6.10")}},
            [("charge", 9, 0.7)],
        ),
        ("max-price", MIXED, {"max_price": {"excl_vat": Decimal("4.00")}}, [("charge", 80, 30), ("park", 61, 0)]),
    ],
)
def test_the_running_cost_at_the_stop_is_the_cdr_cost(label, elements, extra, visit):
    tariff_id = tariff(f"T-{label}", elements=elements, **extra)
    base = datetime(2026, 3, 2, 8, 23, 17, tzinfo=UTC)  # 09:23:17 local, a Monday
    session = start(station(tariff_ids=[tariff_id]), at=base)
    clock, wh = base, Decimal(0)
    running: list[Decimal] = []
    for phase, minutes, kwh in visit:
        if phase == "charge":
            session_set_charging_state(session=session, state="CHARGING", at=clock)
            steps = 4
            for _ in range(steps):
                clock += timedelta(minutes=minutes) / steps
                wh += Decimal(str(kwh)) * 1000 / steps
                session = session_meter_values(
                    session=session, at=clock, energy_wh_total=wh.quantize(Decimal(1)), power_w=Decimal(11000)
                )
                assert session.total_cost_excl_vat is not None
                running.append(session.total_cost_excl_vat)
        else:
            state = ChargingState.SUSPENDED_EV if phase == "suspend" else ChargingState.PARKING
            session = session_set_charging_state(session=session, state=state, at=clock)
            clock += timedelta(minutes=minutes)
    session = session_stop(session=session, at=clock, reason="Done")
    cdr = session.cdrs.get()

    assert (session.total_cost_excl_vat, session.total_cost_incl_vat) == (
        cdr.total_cost_excl_vat,
        cdr.total_cost_incl_vat,
    )
    assert cdr.total_cost_excl_vat is not None
    # And both are what the engine says for these periods and this tariff.
    tariff_in_force = session_tariff(session)
    assert tariff_in_force is not None
    priced = price_periods(
        tariff=tariff_in_force,
        start=base,
        periods=session_period_facts(session=session),
        time_zone="Europe/Stockholm",
    )
    assert (priced.total_cost.excl_vat, priced.total_cost.incl_vat) == (
        cdr.total_cost_excl_vat,
        cdr.total_cost_incl_vat,
    )
    assert priced.total_energy == cdr.total_energy == session.kwh
    assert running == sorted(running) or extra  # without price limits the running cost never goes down
