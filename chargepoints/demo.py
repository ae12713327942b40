"""Demo data for `make run`. Each app may have a ``demo`` module that registers a seeder here; seeders are idempotent.

The registry lets the one ``seed_demo`` command seed every app without this domain app importing the others.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from tariffs.models import Tariff
from tariffs.services import PriceComponentInput, TariffInput, tariff_replace

from .enums import EvseStatus, PowerType
from .models import EVSE, Connector, EvseStatusPeriod, Location
from .roles import FINANCE, OPERATIONS, roles_sync
from .services import evse_set_status, station_announce_change

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_DATA_SETS = (
    ("nobil", DATA_DIR / "nobil-se-uppsala" / "Response-1571118216182.http"),
    ("bnetza", DATA_DIR / "bnetza-ladesaeulenregister-subset" / "bnetza.json"),
)
# Demo logins. They are printed by `make run`; a real installation creates its own users.
DEMO_USERS = (
    ("admin", "admin-demo-2026", None, True),
    ("operations", "operations-demo-2026", OPERATIONS, False),
    ("finance", "finance-demo-2026", FINANCE, False),
)


@dataclass(frozen=True)
class Seeder:
    order: int
    name: str
    run: Callable[[str], list[str]]  # takes the portal's base URL, returns lines to print


SEEDERS: list[Seeder] = []


def register(order: int, name: str) -> Callable[[Callable[[str], list[str]]], Callable[[str], list[str]]]:
    def decorate(function: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
        SEEDERS.append(Seeder(order=order, name=name, run=function))
        return function

    return decorate


@register(order=10, name="users")
def seed_users(base_url: str) -> list[str]:
    roles_sync()
    lines = []
    for username, password, group, is_superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": is_superuser}
        )
        if created:
            user.set_password(password)
            user.save()
        if group:
            user.groups.add(Group.objects.get(name=group))
        lines.append(f"  {username:<11} / {password:<22} {group or 'superuser'}")
    return ["Logins (user / password):", *lines]


@register(order=20, name="stations")
def seed_stations(base_url: str) -> list[str]:
    # A data set is imported once; `import_locations` itself is idempotent and can refresh it at any time.
    for data_format, path in DEMO_DATA_SETS:
        if not Location.objects.filter(source=data_format).exists():
            call_command("import_locations", str(path), format=data_format, no_progress=True, verbosity=0)
    _seed_live_status()
    return [f"Stations: {Location.objects.count()} locations from NOBIL (Sweden) and Bundesnetzagentur (Germany)"]


# Imported statuses are not live (the EVSEs start UNKNOWN), so the demo plays the charger network: each EVSE that
# no live source reported yet gets a plausible report, the same on every run. Never CHARGING: an EVSE charges only
# in a session (the demo drivers' simulated visits), so the dashboard's charging EVSEs and sessions agree.
DEMO_STATUS_WEIGHTS = {
    EvseStatus.AVAILABLE: 88,
    EvseStatus.OUTOFORDER: 4,
    EvseStatus.BLOCKED: 3,
    EvseStatus.UNKNOWN: 5,
}


@transaction.atomic
def _seed_live_status() -> None:
    pick = random.Random(2026)  # demo data: the same statuses on every run
    statuses = list(DEMO_STATUS_WEIGHTS)
    weights = list(DEMO_STATUS_WEIGHTS.values())
    for evse in EVSE.objects.filter(status=EvseStatus.UNKNOWN).order_by("pk"):
        evse_set_status(evse=evse, status=pick.choices(statuses, weights)[0])


# The status history behind the utilisation charts starts when the demo is seeded. The demo plays the 30 days before
# as a charger network would have reported them: mostly AVAILABLE, charging visits of 30 min to 3 h more often on
# busy stations, now and then a day OUTOFORDER. Written as closed periods ending where the live history begins.
DEMO_HISTORY_DAYS = 30


@register(order=30, name="status history")
@transaction.atomic
def seed_status_history(base_url: str) -> list[str]:
    now = timezone.now()
    start = now - timedelta(days=DEMO_HISTORY_DAYS)
    first_recorded: dict[int, datetime] = {
        row["evse"]: row["first"]
        for row in EvseStatusPeriod.objects.values("evse").annotate(first=Min("since")).order_by()
    }
    periods: list[EvseStatusPeriod] = []
    for evse_pk, location_pk in EVSE.objects.order_by("pk").values_list("pk", "location_id"):
        end = first_recorded.get(evse_pk, now)
        if end > start + timedelta(days=1):  # not yet played back (or the history is younger than a day)
            periods.extend(_played_history(evse_pk, random.Random(f"{location_pk}-{evse_pk}"), start, end))
    EvseStatusPeriod.objects.bulk_create(periods, batch_size=5000)
    return [f"Status history: {len(periods)} periods over the last {DEMO_HISTORY_DAYS} days"] if periods else []


def _played_history(evse_pk: int, pick: random.Random, start: datetime, end: datetime) -> list[EvseStatusPeriod]:
    visits_per_day = pick.choice((0.25, 0.5, 1, 2, 4))  # how busy the station is
    periods: list[EvseStatusPeriod] = []
    since = start
    while since < end:
        if pick.random() < 0.01:
            status, hours = EvseStatus.OUTOFORDER, pick.uniform(6, 48)
        elif periods and periods[-1].status == EvseStatus.AVAILABLE:
            status, hours = EvseStatus.CHARGING, pick.uniform(0.5, 3)
        else:
            status, hours = EvseStatus.AVAILABLE, pick.expovariate(visits_per_day / 24)
        until = min(since + timedelta(hours=hours), end)
        periods.append(EvseStatusPeriod(evse_id=evse_pk, status=status, since=since, until=until))
        since = until
    return periods


def _price(amount: str, vat: str, component: str, step_size: int = 1) -> PriceComponentInput:
    return {"type": component, "price": Decimal(amount), "vat": Decimal(vat), "step_size": step_size}


# Demo tariffs as a Swedish/German CPO might publish them: per kWh, a start fee on DC, and idle fees that stop cars
# from blocking chargers. Keyed by (country, AC or DC).
DEMO_TARIFFS: dict[tuple[str, str], TariffInput] = {
    ("SWE", "AC"): {
        "country_code": settings.CPO_COUNTRY_CODE,
        "party_id": settings.CPO_PARTY_ID,
        "id": "SE-AC-STANDARD",
        "currency": "SEK",
        "type": "REGULAR",
        "tariff_alt_text": [{"language": "en", "text": "3.50 SEK/kWh. Parking 30 SEK/h after 4 h, 08–20."}],
        "elements": [
            {"price_components": [_price("3.50", "25", "ENERGY")]},
            {
                "price_components": [_price("30.00", "25", "PARKING_TIME", 60)],
                "restrictions": {"start_time": time(8), "end_time": time(20)},
            },
        ],
    },
    ("SWE", "DC"): {
        "country_code": settings.CPO_COUNTRY_CODE,
        "party_id": settings.CPO_PARTY_ID,
        "id": "SE-DC-FAST",
        "currency": "SEK",
        "type": "REGULAR",
        "tariff_alt_text": [{"language": "en", "text": "5 SEK start, 5.90 SEK/kWh, 3 SEK/min after 45 min."}],
        "elements": [
            {"price_components": [_price("5.00", "25", "FLAT"), _price("5.90", "25", "ENERGY")]},
            {"price_components": [_price("180.00", "25", "TIME", 60)], "restrictions": {"min_duration": 2700}},
        ],
    },
    ("DEU", "AC"): {
        "country_code": settings.CPO_COUNTRY_CODE,
        "party_id": settings.CPO_PARTY_ID,
        "id": "DE-AC-STANDARD",
        "currency": "EUR",
        "type": "REGULAR",
        "tariff_alt_text": [{"language": "de", "text": "0,49 EUR/kWh."}],
        "elements": [{"price_components": [_price("0.49", "19", "ENERGY")]}],
    },
    ("DEU", "DC"): {
        "country_code": settings.CPO_COUNTRY_CODE,
        "party_id": settings.CPO_PARTY_ID,
        "id": "DE-DC-FAST",
        "currency": "EUR",
        "type": "REGULAR",
        "tariff_alt_text": [{"language": "de", "text": "0,69 EUR/kWh, Blockiergebühr 0,10 EUR/min ab 4 h."}],
        "elements": [
            {"price_components": [_price("0.69", "19", "ENERGY")]},
            {"price_components": [_price("6.00", "19", "TIME", 60)], "restrictions": {"min_duration": 14400}},
        ],
    },
}


@register(order=25, name="tariffs")
@transaction.atomic
def seed_tariffs(base_url: str) -> list[str]:
    """Publish the demo tariffs and point every connector that has none at the one for its country and power type."""
    for data in DEMO_TARIFFS.values():
        if not Tariff.objects.filter(ocpi_id=data["id"]).exists():
            tariff_replace(data=data)
    changed: dict[int, Location] = {}
    for connector in Connector.objects.filter(tariff_ids=[]).select_related("evse__location"):
        kind = "DC" if connector.power_type == PowerType.DC else "AC"
        tariff = DEMO_TARIFFS.get((connector.evse.location.country, kind))
        if tariff:
            connector.tariff_ids = [tariff["id"]]
            connector.save()
            changed[connector.evse.location_id] = connector.evse.location
    # Saved outside the services, as the admin does: announced the same way, once per location.
    for location in changed.values():
        station_announce_change(location=location)
    return [f"Tariffs: {', '.join(t['id'] for t in DEMO_TARIFFS.values())}"]
