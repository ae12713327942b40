"""The station finder, filter by filter. Open-now cases use fixed instants so that they hold on any day."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from django.core.exceptions import ValidationError

from chargepoints.search import BoundingBox, Near, StationFilters, box_around, haversine_km, station_search
from chargepoints.search_results import station_page, station_results
from tariffs.models import Tariff
from tariffs.services import PriceComponentInput, TariffInput, tariff_replace
from tests.chargepoints.search_fixtures import Charger, Plug, make_location

pytestmark = pytest.mark.django_db

CCS_150 = Plug("IEC_62196_T2_COMBO", "CABLE", "DC", 150_000)
CCS_50 = Plug("IEC_62196_T2_COMBO", "CABLE", "DC", 50_000)
CHADEMO_50 = Plug("CHADEMO", "CABLE", "DC", 50_000)
TYPE2_22 = Plug("IEC_62196_T2", "SOCKET", "AC_3_PHASE", 22_000)
TYPE2_11_CABLE = Plug("IEC_62196_T2", "CABLE", "AC_3_PHASE", 11_000)

# 2026-01-09 is a Friday. Stockholm is UTC+1 in January, New York UTC-5.
FRIDAY_NOON_UTC = datetime(2026, 1, 9, 12, 0, tzinfo=UTC)


def names(filters: StationFilters, now: datetime | None = None) -> list[str]:
    return [location.name for location in station_search(filters=filters, now=now)]


def test_no_filters_returns_everything_ordered_by_name():
    make_location("Bravo")
    make_location("Alpha")
    make_location("Charlie", chargers=[Charger(status="REMOVED")])
    assert names(StationFilters()) == ["Alpha", "Bravo", "Charlie"]


# --- Place ---------------------------------------------------------------------------------------------------


def test_near_orders_by_distance_and_drops_what_lies_outside_the_radius():
    # Stockholm centre; the others lie roughly 1, 5 and 12 km north.
    make_location("Far", 59.4373, 18.0686)
    make_location("Centre", 59.3293, 18.0686)
    make_location("Five", 59.3743, 18.0686)
    make_location("One", 59.3383, 18.0686)
    found = list(station_search(filters=StationFilters(near=Near(59.3293, 18.0686, 10))))
    assert [location.name for location in found] == ["Centre", "One", "Five"]
    # distance_km is station_search's annotation, which its QuerySet[Location] type does not carry.
    assert [round(location.distance_km, 3) for location in found] == [0.0, 1.001, 5.004]  # type: ignore[attr-defined]
    assert found[2].distance_km == pytest.approx(  # type: ignore[attr-defined]
        haversine_km(59.3293, 18.0686, 59.3743, 18.0686), abs=1e-9
    )


def test_near_uses_exact_distance_not_the_box_corner():
    # The box around a 10 km circle reaches ~14 km diagonally; a station in the corner is outside the circle.
    box = box_around(Near(59.3293, 18.0686, 10))
    make_location("Corner", box.north - 0.001, box.east - 0.001)
    make_location("Inside", 59.3293, 18.0686 + 0.17)  # ~9.7 km east
    assert names(StationFilters(near=Near(59.3293, 18.0686, 10))) == ["Inside"]


def test_near_across_the_antimeridian():
    make_location("West of the line", -17.80000, 179.95000, time_zone="Pacific/Fiji")
    make_location("East of the line", -17.80000, -179.98000, time_zone="Pacific/Fiji")
    make_location("Far away", -17.80000, 178.00000, time_zone="Pacific/Fiji")
    found = names(StationFilters(near=Near(-17.8, -179.99, 10)))
    assert found == ["East of the line", "West of the line"]


def test_near_the_pole_takes_every_longitude():
    make_location("Other side", 89.99000, -170.00000)
    assert names(StationFilters(near=Near(89.99, 10.0, 5))) == ["Other side"]


def test_bbox_and_bbox_across_the_antimeridian():
    make_location("Stockholm", 59.3293, 18.0686)
    make_location("Uppsala", 59.8586, 17.6389)
    make_location("Fiji", -17.8, 179.9, time_zone="Pacific/Fiji")
    assert names(StationFilters(bbox=BoundingBox(59.0, 17.0, 59.5, 19.0))) == ["Stockholm"]
    assert names(StationFilters(bbox=BoundingBox(-20, 170, -10, -170))) == ["Fiji"]


# --- Speed and connectors ------------------------------------------------------------------------------------


def test_min_power_power_type_standard_and_format():
    make_location("Rapid CCS", chargers=[Charger(plugs=[CCS_150])])
    make_location("CHAdeMO 50", chargers=[Charger(plugs=[CHADEMO_50])])
    make_location("AC socket", chargers=[Charger(plugs=[TYPE2_22])])
    make_location("AC cable", chargers=[Charger(plugs=[TYPE2_11_CABLE])])
    assert names(StationFilters(min_power_kw=50)) == ["CHAdeMO 50", "Rapid CCS"]
    assert names(StationFilters(min_power_kw=50.001)) == ["Rapid CCS"]
    assert names(StationFilters(power_types=("AC_3_PHASE",))) == ["AC cable", "AC socket"]
    assert names(StationFilters(connector_standards=("CHADEMO", "IEC_62196_T2_COMBO"))) == ["CHAdeMO 50", "Rapid CCS"]
    assert names(StationFilters(connector_formats=("SOCKET",))) == ["AC socket"]
    assert names(StationFilters(connector_standards=("IEC_62196_T2",), connector_formats=("CABLE",))) == ["AC cable"]


def test_connector_filters_must_hold_for_one_connector():
    # 150 kW exists and CHAdeMO exists, but no CHAdeMO connector has 150 kW.
    make_location("Mixed", chargers=[Charger(plugs=[CCS_150, CHADEMO_50])])
    assert names(StationFilters(connector_standards=("CHADEMO",), min_power_kw=100)) == []
    assert names(StationFilters(connector_standards=("CHADEMO",), min_power_kw=50)) == ["Mixed"]


# --- Payment, status, parking: on one EVSE ---------------------------------------------------------------------


def test_capabilities_are_all_required():
    make_location("Card", chargers=[Charger(capabilities=["CREDIT_CARD_PAYABLE", "RFID_READER"])])
    make_location("RFID only", chargers=[Charger(capabilities=["RFID_READER"])])
    assert names(StationFilters(capabilities=("RFID_READER",))) == ["Card", "RFID only"]
    assert names(StationFilters(capabilities=("CREDIT_CARD_PAYABLE", "RFID_READER"))) == ["Card"]
    assert names(StationFilters(capabilities=("CREDIT_CARD_PAYABLE", "DEBIT_CARD_PAYABLE"))) == []


def test_available_now_and_status():
    make_location("Free", chargers=[Charger(status="CHARGING"), Charger(status="AVAILABLE")])
    make_location("Busy", chargers=[Charger(status="CHARGING")])
    make_location("Gone", chargers=[Charger(status="REMOVED")])
    assert names(StationFilters(available_now=True)) == ["Free"]
    assert names(StationFilters(status="CHARGING")) == ["Busy", "Free"]
    assert names(StationFilters(status="REMOVED")) == ["Gone"]


def test_evse_and_connector_filters_must_hold_for_one_evse():
    """A free AC charger next to a busy card-payable rapid charger is no answer to "free rapid with card"."""
    make_location(
        "Split",
        chargers=[
            Charger(status="AVAILABLE", plugs=[TYPE2_22]),
            Charger(status="CHARGING", capabilities=["CREDIT_CARD_PAYABLE"], plugs=[CCS_150]),
        ],
    )
    make_location(
        "Whole", chargers=[Charger(status="AVAILABLE", capabilities=["CREDIT_CARD_PAYABLE"], plugs=[CCS_150])]
    )
    wanted = StationFilters(min_power_kw=50, capabilities=("CREDIT_CARD_PAYABLE",), available_now=True)
    assert names(wanted) == ["Whole"]
    assert names(StationFilters(min_power_kw=50, capabilities=("CREDIT_CARD_PAYABLE",))) == ["Split", "Whole"]


def test_parking_restrictions():
    make_location("EV only", chargers=[Charger(parking_restrictions=["EV_ONLY", "CUSTOMERS"])])
    make_location("Open", chargers=[Charger()])
    assert names(StationFilters(parking_restrictions=("EV_ONLY",))) == ["EV only"]
    assert names(StationFilters(parking_restrictions=("EV_ONLY", "DISABLED"))) == []


# --- Location attributes ---------------------------------------------------------------------------------------


def test_facilities_are_all_required_and_match_whole_values():
    make_location("Lot", facilities=["PARKING_LOT", "CAFE"])
    make_location("Carpool", facilities=["CARPOOL_PARKING"])
    assert names(StationFilters(facilities=("PARKING_LOT",))) == ["Lot"]
    assert names(StationFilters(facilities=("CAFE", "PARKING_LOT"))) == ["Lot"]
    assert names(StationFilters(facilities=("CAFE", "WIFI"))) == []


def test_operator_city_country_and_text():
    make_location("Centralen", operator="Nordic Charge", city="Stockholm", address="Vasagatan 1")
    make_location(
        "Domkyrkan",
        operator="Other Power",
        city="Uppsala",
        address="Domkyrkoplan 2",
        chargers=[Charger(evse_id="SE*CPO*E9001")],
    )
    make_location("Oslo S", city="Oslo", country="NOR")
    assert names(StationFilters(operator="nordic charge")) == ["Centralen"]
    assert names(StationFilters(city="uppsala")) == ["Domkyrkan"]
    assert names(StationFilters(country="NOR")) == ["Oslo S"]
    assert names(StationFilters(text="vasagatan")) == ["Centralen"]
    assert names(StationFilters(text="E9001")) == ["Domkyrkan"]
    assert names(StationFilters(text="domkyrkoplan uppsala")) == ["Domkyrkan"]
    assert names(StationFilters(text="domkyrkoplan stockholm")) == []


def test_public_only_hides_unpublished_private_and_dead_locations():
    make_location("Public")
    make_location("Unpublished", publish=False)
    make_location("Private", roaming_enabled=False)
    make_location("Dismantled", chargers=[Charger(status="REMOVED")])
    assert names(StationFilters(public_only=True)) == ["Public"]


# --- Open now ----------------------------------------------------------------------------------------------------


def test_open_now_across_midnight():
    # Friday 22:00 to Saturday 06:00 in Stockholm, written as two periods as OCPI requires.
    make_location("Night", twentyfourseven=False, hours=[(5, "22:00", "23:59"), (6, "00:00", "06:00")])
    stockholm = timedelta(hours=1)
    friday = datetime(2026, 1, 9, tzinfo=UTC) - stockholm  # local midnight starting Friday, in UTC
    open_now = StationFilters(open_now=True)
    assert names(open_now, friday + timedelta(hours=21, minutes=59)) == []
    assert names(open_now, friday + timedelta(hours=22)) == ["Night"]
    assert names(open_now, friday + timedelta(hours=23, minutes=59, seconds=30)) == ["Night"]
    assert names(open_now, friday + timedelta(hours=24, minutes=30)) == ["Night"]
    assert names(open_now, friday + timedelta(hours=30)) == []
    assert names(open_now, friday + timedelta(days=7, hours=1)) == []  # Saturday night after a Friday: no


def test_open_now_in_each_locations_own_time_zone():
    office_hours = [(5, "09:00", "17:00")]
    make_location("Stockholm office", twentyfourseven=False, hours=office_hours)
    make_location("New York office", 40.7128, -74.0060, time_zone="America/New_York", twentyfourseven=False,
                  hours=office_hours, city="New York", country="USA")  # fmt: skip
    open_now = StationFilters(open_now=True)
    # 08:30 UTC: 09:30 in Stockholm, 03:30 in New York.
    assert names(open_now, datetime(2026, 1, 9, 8, 30, tzinfo=UTC)) == ["Stockholm office"]
    # 16:30 UTC: 17:30 in Stockholm, 11:30 in New York.
    assert names(open_now, datetime(2026, 1, 9, 16, 30, tzinfo=UTC)) == ["New York office"]
    # Summer time moves the local clock: 07:30 UTC on a Friday in July is 09:30 in Stockholm.
    summer_hours = [(5, "09:00", "10:00")]
    make_location("Summer", twentyfourseven=False, hours=summer_hours)
    assert names(open_now, datetime(2026, 7, 3, 7, 30, tzinfo=UTC)) == ["Stockholm office", "Summer"]
    assert names(open_now, datetime(2026, 7, 3, 8, 30, tzinfo=UTC)) == ["Stockholm office"]
    assert names(open_now, datetime(2026, 1, 9, 7, 30, tzinfo=UTC)) == []  # 08:30 in winter


def test_open_now_with_a_holiday_closing_and_an_extra_opening():
    christmas = (datetime(2026, 12, 24, 23, tzinfo=UTC), datetime(2026, 12, 25, 23, tzinfo=UTC))
    make_location("Mall", twentyfourseven=True, closings=[christmas])
    # Closed on weekends, but open on one Sunday for a market.
    sunday_market = (datetime(2026, 12, 20, 9, tzinfo=UTC), datetime(2026, 12, 20, 15, tzinfo=UTC))
    weekdays = [(day, "07:00", "19:00") for day in range(1, 6)]
    make_location("Depot", twentyfourseven=False, hours=weekdays, openings=[sunday_market], closings=[christmas])
    open_now = StationFilters(open_now=True)
    assert names(open_now, datetime(2026, 12, 25, 12, tzinfo=UTC)) == []  # Christmas Day, a Friday
    assert names(open_now, datetime(2026, 12, 24, 12, tzinfo=UTC)) == ["Depot", "Mall"]
    assert names(open_now, datetime(2026, 12, 20, 12, tzinfo=UTC)) == ["Depot", "Mall"]  # the market Sunday
    assert names(open_now, datetime(2026, 12, 27, 12, tzinfo=UTC)) == ["Mall"]  # an ordinary Sunday


def test_open_now_treats_missing_hours_as_always_open():
    make_location("Unknown hours", twentyfourseven=None)
    assert names(StationFilters(open_now=True), FRIDAY_NOON_UTC) == ["Unknown hours"]


def test_results_report_opening_like_the_filter():
    make_location("Open", twentyfourseven=False, hours=[(5, "12:00", "14:00")])
    make_location("Closed", twentyfourseven=False, hours=[(5, "08:00", "09:00")])
    locations = list(station_search(filters=StationFilters(), now=FRIDAY_NOON_UTC))
    results = station_results(locations=locations, filters=StationFilters(), now=FRIDAY_NOON_UTC)
    assert {r.location.name: r.is_open for r in results} == {"Closed": False, "Open": True}


# --- Combined filters and results -----------------------------------------------------------------------------


def test_combined_filters():
    card = ["CREDIT_CARD_PAYABLE", "CONTACTLESS_CARD_SUPPORT"]
    make_location(
        "Match", 59.3300, 18.0700, facilities=["CAFE"], chargers=[Charger(capabilities=card, plugs=[CCS_150])]
    )
    make_location(
        "Too far", 59.6000, 18.0700, facilities=["CAFE"], chargers=[Charger(capabilities=card, plugs=[CCS_150])]
    )
    make_location("No cafe", 59.3300, 18.0710, chargers=[Charger(capabilities=card, plugs=[CCS_150])])
    make_location(
        "Too slow", 59.3300, 18.0720, facilities=["CAFE"], chargers=[Charger(capabilities=card, plugs=[CCS_50])]
    )
    make_location("Closed", 59.3300, 18.0730, facilities=["CAFE"], twentyfourseven=False, hours=[(1, "08:00", "09:00")],
                  chargers=[Charger(capabilities=card, plugs=[CCS_150])])  # fmt: skip
    make_location("No card", 59.3300, 18.0740, facilities=["CAFE"], chargers=[Charger(plugs=[CCS_150])])
    filters = StationFilters(
        near=Near(59.33, 18.07, 15),
        min_power_kw=100,
        connector_standards=("IEC_62196_T2_COMBO",),
        capabilities=("CREDIT_CARD_PAYABLE",),
        facilities=("CAFE",),
        open_now=True,
        available_now=True,
    )
    assert names(filters, FRIDAY_NOON_UTC) == ["Match"]


def test_annotations_and_connector_summary():
    make_location(
        "Hub",
        chargers=[
            Charger(status="AVAILABLE", plugs=[CCS_150, CHADEMO_50]),
            Charger(status="CHARGING", plugs=[CCS_50]),
            Charger(status="AVAILABLE", plugs=[TYPE2_22]),
            Charger(status="REMOVED", plugs=[Plug("IEC_62196_T2_COMBO", "CABLE", "DC", 350_000)]),
        ],
    )
    [result] = station_results(locations=station_search(filters=StationFilters()), filters=StationFilters())
    assert (result.max_power_kw, result.evse_count, result.available_count) == (150.0, 3, 2)
    summary = [(c.standard_label, c.power_type, c.max_power_kw, c.count, c.available) for c in result.connectors]
    assert summary == [("CCS2", "DC", 150.0, 2, 1), ("CHAdeMO", "DC", 50.0, 1, 1), ("Type 2", "AC_3_PHASE", 22.0, 1, 1)]
    assert result.distance_km is None


def energy_tariff(
    tariff_id: str, per_kwh: str, *, vat: Decimal | None = None, flat: str | None = None, **extra: Any
) -> Tariff:
    components: list[PriceComponentInput] = [{"type": "ENERGY", "price": Decimal(per_kwh), "step_size": 1, "vat": vat}]
    if flat is not None:
        components.append({"type": "FLAT", "price": Decimal(flat), "step_size": 1, "vat": vat})
    data = {"country_code": "SE", "party_id": "CPO", "id": tariff_id, "currency": "SEK", **extra}
    # extra: more TariffInput fields (a TypedDict cannot be spread from **kwargs)
    return tariff_replace(data=cast(TariffInput, {**data, "elements": [{"price_components": components}]}))


def test_price_example_for_20_kwh_uses_the_tariff_in_force_on_the_connector_that_fits():
    energy_tariff("AC", "2.00", vat=Decimal(25))
    energy_tariff("DC", "4.00", vat=Decimal(25), flat="5.00")
    energy_tariff("DC-OLD", "3.00", end_date_time=datetime(2025, 1, 1, tzinfo=UTC))
    make_location(
        "Hub",
        chargers=[
            Charger(plugs=[Plug("IEC_62196_T2", "SOCKET", "AC_3_PHASE", 22_000, tariff_ids=["AC"])]),
            Charger(plugs=[Plug("IEC_62196_T2_COMBO", "CABLE", "DC", 150_000, tariff_ids=["DC-OLD", "DC"])]),
        ],
    )
    make_location("No tariff")

    def example(filters):
        results = station_results(locations=station_search(filters=filters), filters=filters, now=FRIDAY_NOON_UTC)
        return {r.location.name: r.price_example for r in results}

    fastest = example(StationFilters())["Hub"]
    assert (fastest.tariff_id, fastest.connector_label, fastest.currency) == ("DC", "CCS2 150 kW", "SEK")
    assert (fastest.energy_kwh, fastest.excl_vat, fastest.incl_vat) == (20, Decimal("85.00"), Decimal("106.25"))
    ac = example(StationFilters(power_types=("AC_3_PHASE",)))["Hub"]
    assert (ac.tariff_id, ac.excl_vat, ac.incl_vat) == ("AC", Decimal("40.00"), Decimal("50.00"))
    assert example(StationFilters())["No tariff"] is None


def test_a_page_costs_the_same_queries_whatever_its_size(django_assert_num_queries):
    energy_tariff("AC", "2.00")
    for index in range(12):
        plugs = [Plug(tariff_ids=["AC"])]
        make_location(f"Station {index:02}", 59.33 + index / 1000, 18.07, chargers=[Charger(plugs=plugs), Charger()])
    filters = StationFilters(near=Near(59.33, 18.07, 50), open_now=True, min_power_kw=1)
    # time zones, page with its total, EVSEs, connectors, regular hours, exceptional periods, tariffs, elements,
    # components
    for size in (2, 10):
        with django_assert_num_queries(9):
            page = station_page(filters=filters, limit=size, now=FRIDAY_NOON_UTC)
        assert (page.total, len(page.results)) == (12, size)


def test_pages_carry_the_total_and_follow_the_search_order():
    for index in range(5):
        make_location(f"Station {index}", 59.33 + index / 100, 18.07)
    near = StationFilters(near=Near(59.33, 18.07, 50))
    page = station_page(filters=near, offset=1, limit=2)
    assert page.total == 5
    assert [r.location.name for r in page.results] == ["Station 1", "Station 2"]
    assert [round(r.distance_km or 0, 2) for r in page.results] == [1.11, 2.22]
    beyond = station_page(filters=near, offset=10, limit=2)
    assert (beyond.total, beyond.results) == (5, [])
    assert station_page(filters=StationFilters(text="nowhere")).total == 0


# --- Bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"near": Near(200, 18, 5)}, "latitude"),
        ({"near": Near(59, 181, 5)}, "longitude"),
        ({"near": Near(59, 18, -1)}, "radius_km"),
        ({"near": Near(59, 18, 0)}, "radius_km"),
        ({"bbox": BoundingBox(60, 17, 59, 18)}, "bbox"),
        ({"near": Near(59, 18, 5), "bbox": BoundingBox(59, 17, 60, 18)}, "bbox"),
        ({"connector_standards": ("CCS",)}, "connector_standards"),
        ({"capabilities": ("CASH",)}, "capabilities"),
        ({"min_power_kw": -5}, "min_power_kw"),
        ({"status": "BROKEN"}, "status"),
    ],
)
def test_bad_filters_name_the_field(kwargs, field):
    with pytest.raises(ValidationError) as error:
        StationFilters(**kwargs)
    assert list(error.value.message_dict) == [field]
