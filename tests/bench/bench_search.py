"""Station search: a 10 km radius with two filters (≥ 50 kW, credit card) on 100,000 locations.

Printed against a baseline measured in the same run: one raw SQL query for the ids inside the same bounding box.
The selector does much more (exact distance, the EVSE/connector filters, annotations, ordering, prefetches and the
result summaries), so the ratio says what all that costs on top of the cheapest possible index lookup. Then the
partner API over loopback HTTP under 10 concurrent clients: p50 and p95 latency. Needs PostgreSQL.

The rows are committed (the API server runs in its own processes) and deleted again at the end.
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.db import connection

from chargepoints.models import EVSE, Connector, Location, RegularHours
from chargepoints.search import Near, StationFilters, box_around, station_search
from chargepoints.search_results import station_page
from ocpi_api.core.tokens import header_value, token_generate, token_hash
from ocpi_api.models import Partner
from tests.bench.support import result, sized, skipped

LOCATIONS = sized(100_000, 2_000)
PREFIX = "BENCH-SEARCH-"
# Half the stations cluster around towns (as real ones do), half are spread over Sweden.
TOWNS = [(59.3293, 18.0686), (57.7089, 11.9746), (55.6050, 13.0038), (59.8586, 17.6389), (63.8258, 20.2630)]
RADIUS_KM = 10.0
PAGE = 20
CLIENTS = sized(10, 2)
REQUESTS_PER_CLIENT = sized(30, 5)
WORKERS = os.cpu_count() or 2
FILTERS = {"min_power_kw": 50, "capabilities": ("CREDIT_CARD_PAYABLE",)}


def run() -> list[str]:
    if connection.vendor != "postgresql":
        return skipped("search", f"needs PostgreSQL (DATABASE_URL points at {connection.vendor})")
    try:
        started = time.perf_counter()
        token = _create_rows()
        lines = [f"data: {LOCATIONS:,} locations, {EVSE.objects.count():,} EVSEs, {Connector.objects.count():,} "
                 f"connectors (created in {time.perf_counter() - started:.1f} s)"]  # fmt: skip
        selector_lines, ratios = _selector_against_raw_sql()
        api_lines, p95_ms = _api_under_load(token)
        return [*lines, *selector_lines, *api_lines, result("search", **ratios, api_p95_ms=p95_ms)]
    finally:
        _delete_rows()


def _create_rows() -> str:
    rng = random.Random(8)
    locations = []
    for i in range(LOCATIONS):
        if i % 2:
            town_lat, town_lon = TOWNS[i % len(TOWNS)]
            lat, lon = town_lat + rng.gauss(0, 0.15), town_lon + rng.gauss(0, 0.3)
        else:
            lat, lon = rng.uniform(55.4, 68.9), rng.uniform(11.2, 23.9)
        locations.append(
            Location(
                ocpi_id=f"{PREFIX}{i}",
                name=f"Laddplats {i:06d}",
                address=f"Storgatan {i % 200 + 1}",
                city="Stockholm",
                country="SWE",
                latitude=f"{lat:.6f}",
                longitude=f"{lon:.6f}",
                lat=float(f"{lat:.6f}"),
                lon=float(f"{lon:.6f}"),
                operator={"name": ("Nordic Charge AB", "Laddstation Norr AB")[i % 2]},
                facilities=["SUPERMARKET", "WIFI"] if i % 3 == 0 else [],
                twentyfourseven=i % 4 != 0,
            )
        )
    Location.objects.bulk_create(locations, batch_size=5000)
    hours = [
        RegularHours(location=location, weekday=day, period_begin="07:00", period_end="22:00")
        for location in locations
        if not location.twentyfourseven
        for day in range(1, 8)
    ]
    RegularHours.objects.bulk_create(hours, batch_size=10000)
    evses = []
    for location in locations:
        for n in range(2):
            card = (location.pk + n) % 3 == 0
            evses.append(
                EVSE(
                    location=location,
                    uid=f"{location.ocpi_id}-{n}",
                    evse_id=f"SE*CPO*E{location.pk}{n}",
                    status=("AVAILABLE", "CHARGING", "AVAILABLE", "OUTOFORDER")[(location.pk + n) % 4],
                    capabilities=["RFID_READER", "CREDIT_CARD_PAYABLE"] if card else ["RFID_READER"],
                )
            )
    EVSE.objects.bulk_create(evses, batch_size=10000)
    connectors = []
    for evse in evses:
        fast = evse.pk % 5 in (0, 1)
        connectors.append(
            Connector(
                evse=evse,
                connector_id="1",
                standard="IEC_62196_T2_COMBO" if fast else "IEC_62196_T2",
                format="CABLE" if fast else "SOCKET",
                power_type="DC" if fast else "AC_3_PHASE",
                max_voltage=920 if fast else 400,
                max_amperage=200 if fast else 32,
                rated_power_w=(50_000, 150_000)[evse.pk % 2] if fast else 22_000,
            )
        )
    Connector.objects.bulk_create(connectors, batch_size=10000)
    token = token_generate()
    Partner.objects.create(
        name="Bench search eMSP",
        country_code="NL",
        party_id="BSR",
        status=Partner.Status.REGISTERED,
        token_hash=token_hash(token),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE chargepoints_location, chargepoints_evse, chargepoints_connector")
    return token


_DELETES = [
    "DELETE FROM chargepoints_connector WHERE evse_id IN (SELECT e.id FROM chargepoints_evse e"
    " JOIN chargepoints_location l ON l.id = e.location_id WHERE l.ocpi_id LIKE %s)",
    "DELETE FROM chargepoints_evse WHERE location_id IN (SELECT id FROM chargepoints_location WHERE ocpi_id LIKE %s)",
    "DELETE FROM chargepoints_regularhours WHERE location_id IN"
    " (SELECT id FROM chargepoints_location WHERE ocpi_id LIKE %s)",
    "DELETE FROM chargepoints_location WHERE ocpi_id LIKE %s",
]


def _delete_rows() -> None:
    """Raw SQL: the models refuse deletion (stations are retired, never deleted), but these rows were never real."""
    with connection.cursor() as cursor:
        for statement in _DELETES:
            cursor.execute(statement, [f"{PREFIX}%"])
    Partner.objects.filter(party_id="BSR", name="Bench search eMSP").delete()


def _median_ms(action: Callable[[], Any], repeat: int = 25) -> float:
    action()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def _selector_against_raw_sql() -> tuple[list[str], dict[str, float]]:
    centre = TOWNS[0]
    filters = StationFilters(near=Near(*centre, RADIUS_KM), public_only=True, **FILTERS)  # type: ignore[arg-type]
    box = box_around(filters.near)  # type: ignore[arg-type]

    def selector_page() -> int:
        return station_page(filters=filters, limit=PAGE).total

    def raw_box() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM chargepoints_location WHERE lat BETWEEN %s AND %s AND lon BETWEEN %s AND %s",
                [box.south, box.north, box.west, box.east],
            )
            return len(cursor.fetchall())

    def selector_ids() -> int:
        return len(list(station_search(filters=filters).values_list("pk", flat=True)))

    in_box, matching = raw_box(), selector_page()
    selector_ms, ids_ms, raw_ms = _median_ms(selector_page), _median_ms(selector_ids), _median_ms(raw_box)
    lines = [
        f"radius {RADIUS_KM:g} km around Stockholm, >= 50 kW, credit card: {matching} of {in_box} locations in the box",
        f"raw SQL, ids in the bounding box: {raw_ms:.2f} ms (median of 25)",
        f"selector, all matching ids by distance: {ids_ms:.2f} ms (ratio {ids_ms / raw_ms:.1f}x)",
        f"selector, first page of {PAGE} with its total, results and price examples: {selector_ms:.2f} ms "
        f"(ratio {selector_ms / raw_ms:.1f}x)",
    ]
    return lines, {"ids_vs_raw": ids_ms / raw_ms, "page_vs_raw": selector_ms / raw_ms}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_server() -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn in its own processes (one sync worker per core, as deployed), on the test database, so that the
    clients measure the server rather than compete with it for this process's GIL."""
    db = connection.settings_dict
    user, password = quote(db["USER"] or "", safe=""), quote(db["PASSWORD"] or "", safe="")
    url = f"postgres://{user}:{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": f"{url}?conn_max_age=60"},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=10)  # any answer: Django is loaded
            return server, port
        except requests.RequestException:
            time.sleep(0.2)
    _stop(server)
    raise RuntimeError("gunicorn did not answer within 60 s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _api_under_load(token: str) -> tuple[list[str], float]:
    server, port = _start_server()
    base = f"http://127.0.0.1:{port}/ocpi/search/stations"
    headers = {"Authorization": header_value(token, base64_encoded=True)}
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        session = requests.Session()
        for _ in range(REQUESTS_PER_CLIENT):
            lat, lon = TOWNS[rng.randrange(len(TOWNS))]
            params: dict[str, Any] = {
                "latitude": f"{lat + rng.uniform(-0.1, 0.1):.5f}",
                "longitude": f"{lon + rng.uniform(-0.2, 0.2):.5f}",
                "radius_km": RADIUS_KM,
                "min_power_kw": 50,
                "capability": "CREDIT_CARD_PAYABLE",
                "limit": PAGE,
            }
            started = time.perf_counter()
            try:
                response = session.get(base, params=params, headers=headers, timeout=60)
                problem = "" if response.status_code == 200 else f"{response.status_code} {response.text[:200]}"
            except requests.RequestException as error:
                problem = repr(error)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if problem:
                    failures.append(problem)

    try:
        client(0)  # warm-up, one client alone
        latencies.clear()
        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(seed,)) for seed in range(1, CLIENTS + 1)]
        for worker in threads:
            worker.start()
        for worker in threads:
            worker.join()
        wall = time.perf_counter() - started
    finally:
        _stop(server)
    if failures:
        raise RuntimeError(f"API failed {len(failures)} of {len(latencies)} requests, first: {failures[0]}")
    cuts = statistics.quantiles(latencies, n=20)
    line = (
        f"API under {CLIENTS} concurrent clients over loopback ({len(latencies)} requests, gunicorn with "
        f"{WORKERS} workers): "
        f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {cuts[18] * 1000:.0f} ms, "
        f"{len(latencies) / wall:.0f} requests/s"
    )
    return [line], cuts[18] * 1000
