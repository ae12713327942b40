"""Property: the SQL search finds exactly what a plain Python reading of the same rules finds, on random data.

The reference below is written from the rules in chargepoints/search.py and chargepoints/opening_hours.py, not from
their code: it loops over every station and checks every condition by hand.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chargepoints.models import EVSE, Connector, ExceptionalPeriod, Location, RegularHours
from chargepoints.search import BoundingBox, Near, StationFilters, station_search

ZONES = ["Europe/Stockholm", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "UTC"]
STATUSES = ["AVAILABLE", "CHARGING", "OUTOFORDER", "REMOVED"]
CAPABILITIES = ["CREDIT_CARD_PAYABLE", "DEBIT_CARD_PAYABLE", "RFID_READER", "CONTACTLESS_CARD_SUPPORT"]
STANDARDS = ["IEC_62196_T2", "IEC_62196_T2_COMBO", "CHADEMO"]
POWER_TYPES = ["AC_3_PHASE", "DC"]
FORMATS = ["SOCKET", "CABLE"]
FACILITIES = ["CAFE", "PARKING_LOT", "CARPOOL_PARKING", "WIFI"]
RESTRICTIONS = ["EV_ONLY", "CUSTOMERS"]
OPERATORS = ["Nordic Charge", "Other Power", None]
CITIES = ["Stockholm", "Uppsala"]
WORDS = ["ALFA", "BETA", "GAMMA", "DELTA"]
# Around Stockholm; a 0.4 x 0.8 degree area is about 45 x 45 km, so radius searches both hit and miss.
LAT0, LON0 = 59.2, 17.8
BASE = datetime(2026, 3, 20, tzinfo=UTC)  # ten days either side cross Europe's and America's DST changes

# Few distinct clock values, so that periods often touch each other, midnight and 23:59.
hhmm = st.builds(
    lambda h, m: f"{h:02}:{m:02}", st.sampled_from([0, 7, 8, 12, 17, 22, 23]), st.sampled_from([0, 30, 59])
)
# Instants on the same quarter hours as the opening hours (and half a minute into 23:59), so boundaries get hit.
instant = st.builds(
    lambda day, hour, minute, second: BASE + timedelta(days=day, hours=hour, minutes=minute, seconds=second),
    st.integers(-10, 10),
    st.integers(0, 23),
    st.sampled_from([0, 15, 30, 59]),
    st.sampled_from([0, 30]),
)


@dataclass
class Station:
    name: str
    lat: float
    lon: float
    zone: str
    twentyfourseven: bool | None
    hours: list[tuple[int, str, str]]  # (weekday, begin, end)
    exceptions: list[tuple[str, datetime, datetime]]  # (kind, begin, end)
    facilities: list[str]
    operator: str | None
    city: str
    # (status, capabilities, restrictions, [(standard, power_type, format, watts)])
    evses: list[tuple[str, list[str], list[str], list[tuple[str, str, str, int]]]]


@st.composite
def hours_strategy(draw):
    """Most days get one period, some two; wide enough that open and closed are both common at a random instant."""
    periods = []
    for weekday in draw(st.lists(st.integers(1, 7), unique=True, min_size=1, max_size=7)):
        for _ in range(draw(st.integers(1, 2))):
            begin, end = sorted(draw(st.lists(hhmm, min_size=2, max_size=2, unique=True)))
            periods.append((weekday, begin, end))
    return periods


@st.composite
def exception_strategy(draw):
    begin = draw(instant)
    return (draw(st.sampled_from(["opening", "closing"])), begin, begin + timedelta(hours=draw(st.integers(1, 72))))


connector = st.tuples(
    st.sampled_from(STANDARDS),
    st.sampled_from(POWER_TYPES),
    st.sampled_from(FORMATS),
    st.sampled_from([3_700, 11_000, 22_000, 50_000, 150_000]),
)
evse = st.tuples(
    st.sampled_from(STATUSES),
    st.lists(st.sampled_from(CAPABILITIES), unique=True, max_size=3),
    st.lists(st.sampled_from(RESTRICTIONS), unique=True, max_size=1),
    st.lists(connector, min_size=1, max_size=2),
)
station = st.builds(
    Station,
    name=st.builds(lambda a, b: f"{a} {b}", st.sampled_from(WORDS), st.sampled_from(WORDS)),
    # Seven decimals, as OCPI coordinates have, so that the stored string and float agree with the drawn value.
    lat=st.floats(LAT0, LAT0 + 0.4).map(lambda x: float(f"{x:.7f}")),
    lon=st.floats(LON0, LON0 + 0.8).map(lambda x: float(f"{x:.7f}")),
    zone=st.sampled_from(ZONES),
    twentyfourseven=st.sampled_from([False, False, True, None]),
    hours=hours_strategy(),
    exceptions=st.lists(exception_strategy(), max_size=2),
    facilities=st.lists(st.sampled_from(FACILITIES), unique=True, max_size=2),
    operator=st.sampled_from(OPERATORS),
    city=st.sampled_from(CITIES),
    evses=st.lists(evse, min_size=1, max_size=3),
)


def subset(options):
    return st.lists(st.sampled_from(options), unique=True, min_size=1, max_size=2).map(tuple)


# Each draw switches on a few filters only (and open-now half of the time), so that results are seldom empty and
# each filter gets tested.
FILTER_VALUES = {
    "near": st.builds(Near, st.floats(LAT0, LAT0 + 0.4), st.floats(LON0, LON0 + 0.8), st.floats(1, 40)),
    "bbox": st.builds(
        lambda lat, lon, dlat, dlon: BoundingBox(lat, lon, lat + dlat, lon + dlon),
        st.floats(LAT0, LAT0 + 0.4),
        st.floats(LON0, LON0 + 0.8),
        st.floats(0.01, 0.3),
        st.floats(0.01, 0.5),
    ),
    "min_power_kw": st.sampled_from([11, 22, 50, 100]),
    "power_types": subset(POWER_TYPES),
    "connector_standards": subset(STANDARDS),
    "connector_formats": subset(FORMATS),
    "capabilities": subset(CAPABILITIES),
    "available_now": st.just(True),
    "facilities": subset(FACILITIES),
    "parking_restrictions": subset(RESTRICTIONS),
    "operator": st.sampled_from(["nordic charge", "OTHER POWER"]),
    "text": st.sampled_from(["alfa", "beta gamma", "stockholm", "x1"]),
    "city": st.sampled_from(["UPPSALA", "stockholm"]),
    "status": st.sampled_from(["CHARGING", "REMOVED", "AVAILABLE"]),
}


@st.composite
def filters_strategy(draw):
    names = draw(st.lists(st.sampled_from(sorted(FILTER_VALUES)), unique=True, min_size=0, max_size=3))
    if "near" in names and "bbox" in names:
        names.remove("bbox")
    return StationFilters(open_now=draw(st.booleans()), **{name: draw(FILTER_VALUES[name]) for name in names})


# --- The reference ------------------------------------------------------------------------------------------------


def reference_distance(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def reference_open(s: Station, now: datetime) -> bool:
    def during(kind):
        return any(k == kind and begin <= now < end for k, begin, end in s.exceptions)

    if during("closing"):
        return False
    if s.twentyfourseven in (True, None) or during("opening"):
        return True
    local = now.astimezone(ZoneInfo(s.zone))
    clock = local.hour * 60 + local.minute
    for weekday, begin, end in s.hours:
        b, e = (int(begin[:2]) * 60 + int(begin[3:]), int(end[:2]) * 60 + int(end[3:]))
        if weekday == local.isoweekday() and b <= clock and (clock < e or end == "23:59"):
            return True
    return False


def reference_evse_matches(f: StationFilters, e) -> bool:
    status, capabilities, restrictions, connectors = e
    if (f.status and status != f.status) or (not f.status and status == "REMOVED"):
        return False
    if f.available_now and status != "AVAILABLE":
        return False
    if not set(f.capabilities) <= set(capabilities) or not set(f.parking_restrictions) <= set(restrictions):
        return False
    return any(
        (not f.min_power_kw or watts >= f.min_power_kw * 1000)
        and (not f.power_types or power_type in f.power_types)
        and (not f.connector_standards or standard in f.connector_standards)
        and (not f.connector_formats or fmt in f.connector_formats)
        for standard, power_type, fmt, watts in connectors
    )


def reference_search(f: StationFilters, stations: list[Station], uids: list[list[str]], now: datetime):
    found = []
    for index, s in enumerate(stations):
        if f.near:
            distance = reference_distance(f.near.lat, f.near.lon, s.lat, s.lon)
            if distance > f.near.radius_km:
                continue
        if f.bbox and not (f.bbox.south <= s.lat <= f.bbox.north and f.bbox.west <= s.lon <= f.bbox.east):
            continue
        if f.city and s.city.lower() != f.city.lower():
            continue
        if f.operator and (s.operator or "").lower() != f.operator.lower():
            continue
        if not set(f.facilities) <= set(s.facilities):
            continue
        haystack = [s.name, "Storgatan 1", s.city, *uids[index]]
        if any(not any(word.lower() in text.lower() for text in haystack) for word in f.text.split()):
            continue
        if f.open_now and not reference_open(s, now):
            continue
        if (f.has_evse_filters or f.has_connector_filters) and not any(reference_evse_matches(f, e) for e in s.evses):
            continue
        found.append(index)
    return found


# --- The property ---------------------------------------------------------------------------------------------


def store(stations: list[Station]) -> tuple[list[int], list[list[str]]]:
    locations = Location.objects.bulk_create(
        Location(
            ocpi_id=f"LOC{index}",
            name=s.name,
            address="Storgatan 1",
            city=s.city,
            country="SWE",
            latitude=f"{s.lat:.7f}",
            longitude=f"{s.lon:.7f}",
            lat=s.lat,
            lon=s.lon,
            time_zone=s.zone,
            twentyfourseven=s.twentyfourseven,
            facilities=s.facilities,
            operator={"name": s.operator} if s.operator else None,
        )
        for index, s in enumerate(stations)
    )
    RegularHours.objects.bulk_create(
        RegularHours(location=location, weekday=w, period_begin=b, period_end=e)
        for location, s in zip(locations, stations, strict=True)
        for w, b, e in s.hours
    )
    ExceptionalPeriod.objects.bulk_create(
        ExceptionalPeriod(location=location, kind=k, period_begin=b, period_end=e)
        for location, s in zip(locations, stations, strict=True)
        for k, b, e in s.exceptions
    )
    evse_rows, connector_rows, uids = [], [], []
    for index, (location, s) in enumerate(zip(locations, stations, strict=True)):
        uids.append([f"LOC{index}"])
        for number, (status, capabilities, restrictions, connectors) in enumerate(s.evses):
            uid = f"U{index}X{number}"
            uids[-1] += [uid, f"SE*CPO*E{uid}"]
            row = EVSE(
                location=location,
                uid=uid,
                evse_id=f"SE*CPO*E{uid}",
                status=status,
                capabilities=capabilities,
                parking_restrictions=restrictions,
            )
            evse_rows.append(row)
            connector_rows += [
                Connector(
                    evse=row,
                    connector_id=str(n),
                    standard=st_,
                    power_type=pt,
                    format=fm,
                    max_voltage=400,
                    max_amperage=32,
                    max_electric_power=w,
                    rated_power_w=w,
                )
                for n, (st_, pt, fm, w) in enumerate(connectors, start=1)
            ]
    EVSE.objects.bulk_create(evse_rows)
    Connector.objects.bulk_create(connector_rows)
    return [location.pk for location in locations], uids


def boundaries(stations: list[Station]) -> list[datetime]:
    """The instants where some station opens or closes (and half a minute into a 23:59 end), in UTC."""
    found = []
    for s in stations:
        for weekday, begin, end in s.hours:
            day = BASE.date() + timedelta(days=(weekday - BASE.isoweekday()) % 7)
            for hhmm, second in ((begin, 0), (end, 0), (end, 30)):
                local = datetime.combine(day, time(int(hhmm[:2]), int(hhmm[3:]), second), tzinfo=ZoneInfo(s.zone))
                found.append(local.astimezone(UTC))
        found += [moment for _, begin, end in s.exceptions for moment in (begin, end)]
    return found


@pytest.mark.django_db
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stations=st.lists(station, min_size=3, max_size=12), filters=filters_strategy(), data=st.data())
def test_search_matches_brute_force_reference(stations, filters, data):
    now = data.draw(instant | st.sampled_from(boundaries(stations)), label="now")
    if filters.near:
        # Float rounding may differ between SQL and Python right on the circle; such draws prove nothing.
        centre, radius = (filters.near.lat, filters.near.lon), filters.near.radius_km
        assume(all(abs(reference_distance(*centre, s.lat, s.lon) - radius) > 1e-6 for s in stations))
    found, pks, uids = search_stored(stations, filters, now)
    expected = reference_search(filters, stations, uids, now)
    assert sorted(location.pk for location in found) == sorted(pks[i] for i in expected)
    if filters.near:
        distances = [location.distance_km for location in found]
        assert distances == sorted(distances)
        for location in found:
            s = stations[pks.index(location.pk)]
            assert location.distance_km == pytest.approx(
                reference_distance(filters.near.lat, filters.near.lon, s.lat, s.lon), abs=1e-6
            )
    else:
        assert [location.pk for location in found] == [
            pks[i] for i in sorted(expected, key=lambda i: (stations[i].name, pks[i]))
        ]


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stations=st.lists(station, min_size=5, max_size=15), data=st.data())
def test_open_now_matches_reference_at_opening_and_closing_instants(stations, data):
    """Open-now alone, with the instant mostly on some station's opening or closing minute."""
    now = data.draw(st.sampled_from(boundaries(stations)) | instant, label="now")
    filters = StationFilters(open_now=True)
    found, pks, uids = search_stored(stations, filters, now)
    assert sorted(location.pk for location in found) == sorted(
        pks[i] for i in reference_search(filters, stations, uids, now)
    )


def search_stored(stations: list[Station], filters: StationFilters, now: datetime):
    """Store the stations, search, and roll back, so that examples do not see each other's rows."""
    with transaction.atomic():
        pks, uids = store(stations)
        found = list(station_search(filters=filters, now=now))
        transaction.set_rollback(True)
    return found, pks, uids
