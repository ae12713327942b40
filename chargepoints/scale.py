"""A network at a national CPO's size, for benchmarks and load tests: `manage.py seed_scale`.

Rows are written in bulk (``bulk_create`` in batches), not through the services: no signals, no pushes, no pricing
per row, so 10,000 locations and 200,000 sessions take a minute rather than hours. The data is plausible rather than
real: cities and operators of Sweden and Germany, AC and DC EVSEs, sessions spread over the last year with more in
the daytime and on weekdays, and eMSP parties of very different sizes. The same seed gives the same data.

Like the demo seeders (``chargepoints.demo``), each app may have a ``scale`` module that registers a seeder here, so
this domain app seeds the others' data (CDRs, invoices) without importing them.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .authorization import AuthMethod
from .enums import ConnectorFormat, ConnectorType, EvseStatus, PowerType, TokenType
from .models import EVSE, ChargingSession, Connector, EvseStatusPeriod, Location
from .sessions.enums import SessionStatus
from .sessions.services import cdr_location_snapshot

SCALE_SOURCE = "scale"  # Location.source of seeded stations: a second run refuses, a demo import is left alone
BATCH = 5000

ModelT = TypeVar("ModelT", bound=models.Model)


@dataclass(frozen=True)
class ScalePlan:
    locations: int
    sessions: int
    invoices: int
    seed: int
    now: datetime

    def rng(self, name: str) -> random.Random:
        """One generator per seeder, so that adding a seeder does not change the others' data."""
        return random.Random(f"{self.seed}:{name}")


@dataclass(frozen=True)
class ScaleSeeder:
    order: int
    name: str
    run: Callable[[ScalePlan], str]  # returns one line for the command's output


SCALE_SEEDERS: list[ScaleSeeder] = []


def register(order: int, name: str) -> Callable[[Callable[[ScalePlan], str]], Callable[[ScalePlan], str]]:
    def decorate(function: Callable[[ScalePlan], str]) -> Callable[[ScalePlan], str]:
        SCALE_SEEDERS.append(ScaleSeeder(order=order, name=name, run=function))
        return function

    return decorate


def scale_seed(*, plan: ScalePlan, progress: Callable[[str], None] = lambda line: None) -> list[str]:
    """Run every registered scale seeder in order, in one transaction; then refresh the planner's statistics."""
    if Location.objects.filter(source=SCALE_SOURCE).exists():
        raise ValueError("this database already holds a scale data set; seed a fresh one")
    autodiscover_modules("scale")
    lines = []
    with transaction.atomic():
        for seeder in sorted(SCALE_SEEDERS, key=lambda s: s.order):
            progress(f"Seeding {seeder.name} …")
            lines.append(seeder.run(plan))
    if connection.vendor == "postgresql":
        # Fresh statistics (and, outside a transaction, the visibility map): the pages' plans depend on them.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return lines


def bulk_insert(model: type[ModelT], rows: Iterator[ModelT]) -> list[ModelT]:
    """Insert ``rows`` in batches; returns them with their primary keys."""
    done: list[ModelT] = []
    batch: list[ModelT] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            done += model.objects.bulk_create(batch)  # type: ignore[attr-defined]
            batch = []
    if batch:
        done += model.objects.bulk_create(batch)  # type: ignore[attr-defined]
    return done


def copy_insert(model: type[ModelT], rows: Iterator[ModelT]) -> int:
    """Insert ``rows`` (primary keys not needed back) with PostgreSQL's COPY, several times faster than INSERTs;
    other databases get :func:`bulk_insert`. Returns how many."""
    if connection.vendor != "postgresql":
        return len(bulk_insert(model, rows))
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    texts = [_copy_text(field) for field in fields]
    count = 0
    with connection.cursor() as cursor:
        buffer = io.StringIO()
        for count, row in enumerate(rows, start=1):
            buffer.write("\t".join(text(row) for text in texts) + "\n")
            if count % BATCH == 0:
                _copy(cursor, model, columns, buffer)
                buffer = io.StringIO()
        _copy(cursor, model, columns, buffer)
    return count


def _copy(cursor: Any, model: type[Model], columns: str, buffer: io.StringIO) -> None:
    buffer.seek(0)
    cursor.copy_expert(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN", buffer)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(field: Any) -> Callable[[Model], str]:
    """How ``field`` of a row reads in COPY's text format: NULL as \\N; backslash, tab and line breaks escaped."""
    name = field.attname

    def text(row: Model) -> str:
        value = field.pre_save(row, add=True) if getattr(field, "auto_now_add", False) else getattr(row, name)
        if value is None:
            return "\\N"
        if isinstance(field, models.JSONField):
            return json.dumps(value, cls=field.encoder).translate(_ESCAPES)
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value).translate(_ESCAPES)

    return text


def weighted_parties(count: int) -> tuple[list[tuple[str, str]], list[float]]:
    """eMSP parties (country code, party id) and their shares of the drivers: a few large ones, a long tail."""
    countries = ("SE", "DE", "NL", "NO", "DK", "FR", "BE", "AT")
    parties = [(countries[n % len(countries)], f"E{n:02d}") for n in range(count)]
    return parties, [1 / (n + 1) for n in range(count)]


TOKEN_PARTIES, TOKEN_PARTY_WEIGHTS = weighted_parties(24)

# (country, time zone, currency, cities) of the network.
REGIONS = (
    ("SWE", "Europe/Stockholm", "SEK", ("Stockholm", "Göteborg", "Malmö", "Uppsala", "Västerås", "Örebro", "Umeå")),
    (
        "DEU",
        "Europe/Berlin",
        "EUR",
        ("Berlin", "Hamburg", "München", "Köln", "Frankfurt", "Leipzig", "Dresden"),
    ),
)
STREETS = ("Storgatan", "Hauptstraße", "Kungsgatan", "Bahnhofstraße", "Drottninggatan", "Industrievej", "Ringvägen")
SITES = ("Centrum", "Park & Ride", "Mall", "Hotel", "Arena", "Depot", "Rastplats", "Supermarkt")
# (standard, format, power type, voltage, amperage, share): what a European network installs.
CONNECTOR_KINDS = (
    (ConnectorType.IEC_62196_T2, ConnectorFormat.SOCKET, PowerType.AC_3_PHASE, 230, 16, 30),
    (ConnectorType.IEC_62196_T2, ConnectorFormat.SOCKET, PowerType.AC_3_PHASE, 230, 32, 40),
    (ConnectorType.IEC_62196_T2_COMBO, ConnectorFormat.CABLE, PowerType.DC, 500, 100, 15),
    (ConnectorType.IEC_62196_T2_COMBO, ConnectorFormat.CABLE, PowerType.DC, 920, 375, 10),
    (ConnectorType.CHADEMO, ConnectorFormat.CABLE, PowerType.DC, 500, 100, 5),
)
STATUS_WEIGHTS = {EvseStatus.AVAILABLE: 85, EvseStatus.OUTOFORDER: 4, EvseStatus.BLOCKED: 3, EvseStatus.UNKNOWN: 8}


def _rated_power_w(power_type: str, voltage: int, amperage: int) -> int:
    return voltage * amperage * (3 if power_type == PowerType.AC_3_PHASE else 1)


@register(order=10, name="stations")
def seed_stations(plan: ScalePlan) -> str:
    rng = plan.rng("stations")
    locations = bulk_insert(Location, (_location(rng, n, plan.now) for n in range(plan.locations)))
    statuses, status_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    evse_rows = []
    for location in locations:
        for number in range(1, rng.choice((2, 3, 3, 3, 4)) + 1):
            evse_rows.append(
                EVSE(
                    location=location,
                    uid=f"{location.ocpi_id}-{number}",
                    evse_id=f"{location.country_code}*{location.party_id}*E{location.source_ref}*{number}",
                    status=rng.choices(statuses, status_weights)[0],
                    capabilities=["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
                    last_updated=location.last_updated,
                )
            )
    evses = bulk_insert(EVSE, iter(evse_rows))
    kinds, kind_weights = CONNECTOR_KINDS, [kind[-1] for kind in CONNECTOR_KINDS]
    connectors = (
        Connector(
            evse=evse,
            connector_id="1",
            standard=standard,
            format=fmt,
            power_type=power_type,
            max_voltage=voltage,
            max_amperage=amperage,
            rated_power_w=_rated_power_w(power_type, voltage, amperage),
            last_updated=evse.last_updated,
        )
        for evse in evses
        for standard, fmt, power_type, voltage, amperage, _share in [rng.choices(kinds, kind_weights)[0]]
    )
    connector_count = copy_insert(Connector, connectors)
    return f"Stations: {len(locations)} locations, {len(evses)} EVSEs, {connector_count} connectors"


def _location(rng: random.Random, n: int, now: datetime) -> Location:
    country, zone, _currency, cities = REGIONS[n % len(REGIONS)]
    city = rng.choice(cities)
    lat = (59.3 if country == "SWE" else 51.2) + rng.uniform(-3, 3)
    lon = (15.0 if country == "SWE" else 10.4) + rng.uniform(-3, 3)
    changed = now - timedelta(days=rng.uniform(0, 730))
    return Location(
        ocpi_id=f"SCALE-{n:06d}",
        name=f"{city} {rng.choice(SITES)} {n}",
        address=f"{rng.choice(STREETS)} {rng.randint(1, 200)}",
        city=city,
        postal_code=f"{rng.randint(10000, 99999)}",
        country=country,
        latitude=f"{lat:.6f}",
        longitude=f"{lon:.6f}",
        lat=round(lat, 6),
        lon=round(lon, 6),
        time_zone=zone,
        twentyfourseven=rng.random() < 0.7,
        operator={"name": rng.choice(("Laddnät", "Stromnetz", "ChargeCo"))},
        source=SCALE_SOURCE,
        source_ref=str(n),
        last_updated=changed,
    )


def session_start_times(rng: random.Random, count: int, now: datetime) -> list[datetime]:
    """``count`` start times over the last year, more in the daytime and on weekdays, oldest first."""
    year_ago = now - timedelta(days=365)
    starts: list[datetime] = []
    while len(starts) < count:
        start = year_ago + timedelta(seconds=rng.uniform(0, 365 * 86400 - 7200))
        busy = (1.0 if 7 <= start.hour <= 21 else 0.3) * (1.0 if start.weekday() < 5 else 0.7)
        if rng.random() < busy:
            starts.append(start.replace(microsecond=0))
    return sorted(starts)


HISTORY_DAYS = 30
HISTORY_STRETCHES = 8  # per EVSE: enough for the utilisation charts to tell busy stations from idle ones


@register(order=15, name="status history")
def seed_status_history(plan: ScalePlan) -> str:
    """The last 30 days of each EVSE's status: available and charging in turn, busier on some stations than on
    others, ending in the status it holds now (the open period)."""
    rng = plan.rng("status history")
    evses = EVSE.objects.filter(location__source=SCALE_SOURCE).order_by("id").values_list("pk", "status")
    start = plan.now - timedelta(days=HISTORY_DAYS)

    def periods() -> Iterator[EvseStatusPeriod]:
        for evse_pk, status in evses.iterator(chunk_size=BATCH):
            busy = rng.uniform(0.02, 0.6)  # the share of time this EVSE charges
            weights = [rng.uniform(0.5, 1.5) * (busy if n % 2 else 1 - busy) for n in range(HISTORY_STRETCHES)]
            since = start
            for n, weight in enumerate(weights[:-1]):
                until = since + (plan.now - start) * (weight / sum(weights))
                kind = EvseStatus.CHARGING if n % 2 else EvseStatus.AVAILABLE
                yield EvseStatusPeriod(evse_id=evse_pk, status=kind, since=since, until=until)
                since = until
            yield EvseStatusPeriod(evse_id=evse_pk, status=status, since=since, until=None)

    return f"Status history: {copy_insert(EvseStatusPeriod, periods())} periods over the last {HISTORY_DAYS} days"


@register(order=20, name="sessions")
def seed_sessions(plan: ScalePlan) -> str:
    rng = plan.rng("sessions")
    if not plan.sessions:
        return "Sessions: none"
    evses = list(
        EVSE.objects.filter(location__source=SCALE_SOURCE)
        .select_related("location")
        .prefetch_related("connectors")
        .order_by("id")
    )
    if not evses:
        return "Sessions: none (no stations)"
    starts = session_start_times(rng, plan.sessions, plan.now)
    # The newest sessions, each on an EVSE of its own, are still charging (one open session per EVSE).
    active = min(100, len(evses), plan.sessions)
    evse_of = [rng.choice(evses) for _ in starts[: len(starts) - active]] + rng.sample(evses, active)
    rows = (
        _session(rng, n, start, evse, open_now=n >= len(starts) - active, now=plan.now)
        for n, (start, evse) in enumerate(zip(starts, evse_of, strict=True))
    )
    return f"Sessions: {copy_insert(ChargingSession, rows)} over the last year ({active} still charging)"


def _session(
    rng: random.Random, n: int, start: datetime, evse: EVSE, *, open_now: bool, now: datetime
) -> ChargingSession:
    location = evse.location
    connector = evse.connectors.all()[0]
    dc = connector.power_type == PowerType.DC
    minutes = rng.uniform(15, 50) if dc else rng.uniform(45, 300)
    kwh = Decimal(min(connector.rated_power_w / 1000 * 0.7 * minutes / 60, 90)).quantize(Decimal("0.001"))
    end = None if open_now else start + timedelta(seconds=round(minutes * 60))
    country_code, party_id = rng.choices(TOKEN_PARTIES, TOKEN_PARTY_WEIGHTS)[0]
    currency = "SEK" if location.country == "SWE" else "EUR"
    price = Decimal("5.90" if dc else "3.50") if currency == "SEK" else Decimal("0.69" if dc else "0.49")
    excl_vat = (kwh * price).quantize(Decimal("0.01"))
    status = (
        SessionStatus.ACTIVE if open_now else rng.choices((SessionStatus.COMPLETED, SessionStatus.INVALID), (98, 2))[0]
    )
    return ChargingSession(
        ocpi_id=f"SCALE-S{n:07d}",
        status=status,
        start_date_time=start,
        end_date_time=end,
        kwh=kwh,
        token_country_code=country_code,
        token_party_id=party_id,
        token_uid=f"{party_id}{rng.randint(0, 20000):06d}",
        token_type=TokenType.RFID,
        token_contract_id=f"{country_code}-{party_id}-C{rng.randint(0, 20000):06d}",
        auth_method=AuthMethod.WHITELIST,
        location=location,
        evse=evse,
        connector_id=connector.connector_id,
        cdr_location=cdr_location_snapshot(evse=evse, connector=connector, location=location),
        currency=currency,
        total_cost_excl_vat=excl_vat,
        total_cost_incl_vat=(excl_vat * Decimal("1.25" if currency == "SEK" else "1.19")).quantize(Decimal("0.01")),
        meter_wh=kwh * 1000,
        accounted_until=end or now,
        last_updated=end or now,
    )


def now_utc() -> datetime:
    return timezone.now().replace(microsecond=0)
