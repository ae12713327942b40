"""OCPI Locations full pull: 10,000 locations with 30,000 EVSEs through the API at the maximum page size.

Printed against a baseline measured in the same run: a raw SQL fetch of the same rows plus JSON encoding of the same
documents (checked equal to what the API serves). Also the queries per page, the last page's time against the
first's (a page's ids come from the (last_updated, id) index, its documents from the stored ones, so a deep offset
should cost about nothing), and pages per second at limit=100 through gunicorn with 2 workers, read by concurrent
clients over loopback. The rows are committed (gunicorn's workers must see them) and deleted afterwards; they are
written in bulk, so their documents are built as a bulk import builds them (``location_documents_rebuild``).
Needs PostgreSQL; on anything else it says so and skips.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chargepoints.models import EVSE, Connector, Location, RegularHours
from ocpi_api.core.envelope import format_datetime
from ocpi_api.core.tokens import header_value, token_generate, token_hash
from ocpi_api.location_documents import location_documents_rebuild
from ocpi_api.models import LocationDocument, Partner
from tests.bench.support import result, sized, skipped
from tests.ocpi_push.worker import database_url

LOCATIONS = sized(10_000, 300)
# Pages of the largest size we serve; smaller in a smoke run, so that it still has several.
PAGE = sized(settings.OCPI_MAX_PAGE_SIZE, 100)
EVSES_PER_LOCATION = 3
URL = "/ocpi/cpo/2.2.1/locations"
START = datetime(2025, 1, 1, tzinfo=UTC)
CITIES = [("Uppsala", "75320"), ("Stockholm", "11122"), ("Göteborg", "41104"), ("Malmö", "21120"), ("Umeå", "90326")]
OPERATORS = [{"name": "Nordic Charge AB", "website": "https://cpo.example"}, {"name": "Laddstation Norr AB"}]
# Under gunicorn: concurrent clients, each reading the whole list at this page size, bounded in time.
SERVED_PAGE = 100
CLIENTS = 4
SERVED_TIMEOUT = 120.0
PARTNER_NAME = "bench-locations-pull"
REDIS_URL = os.environ.get("OCPI_LOCATIONS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def run() -> list[str]:
    url = database_url(connection.settings_dict)
    if url is None:
        return skipped("ocpi_locations", f"needs PostgreSQL (DATABASE_URL points at {connection.vendor})")
    try:
        return _bench(url)
    finally:
        _delete_rows()


def _delete_rows() -> None:
    """Leave the database as we found it (the rows are committed): EVSEs are never deleted through the ORM."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table, column in (
            ("ocpi_api_locationdocument", "location_id"),
            ("chargepoints_regularhours", "location_id"),
        ):
            cursor.execute(
                f"DELETE FROM {table} WHERE {column} IN"  # noqa: S608 (our own table names)
                " (SELECT id FROM chargepoints_location WHERE ocpi_id LIKE 'SE-LOC-%%')"
            )
        cursor.execute(
            "DELETE FROM chargepoints_connector WHERE evse_id IN (SELECT e.id FROM chargepoints_evse e"
            " JOIN chargepoints_location l ON l.id = e.location_id WHERE l.ocpi_id LIKE 'SE-LOC-%%')"
        )
        cursor.execute(
            "DELETE FROM chargepoints_evse WHERE location_id IN"
            " (SELECT id FROM chargepoints_location WHERE ocpi_id LIKE 'SE-LOC-%%')"
        )
        cursor.execute("DELETE FROM chargepoints_location WHERE ocpi_id LIKE 'SE-LOC-%%'")
    Partner.objects.filter(name=PARTNER_NAME).delete()


def _create_rows() -> None:
    locations = []
    for i in range(LOCATIONS):
        city, postal_code = CITIES[i % len(CITIES)]
        lat, lon = 55.5 + (i % 900) / 100, 12.5 + (i % 1100) / 100
        locations.append(
            Location(
                ocpi_id=f"SE-LOC-{i:06d}",
                name=f"{city} laddplats {i}",
                address=f"Storgatan {i % 200 + 1}",
                city=city,
                postal_code=postal_code,
                country="SWE",
                latitude=f"{lat:.6f}",
                longitude=f"{lon:.6f}",
                lat=lat,
                lon=lon,
                parking_type="PARKING_LOT" if i % 2 else "ON_STREET",
                operator=OPERATORS[i % 2],
                facilities=["SUPERMARKET", "WIFI"] if i % 3 == 0 else [],
                time_zone="Europe/Stockholm",
                twentyfourseven=(i % 3 != 0),
                last_updated=START + timedelta(seconds=i // 4),
            )
        )
    Location.objects.bulk_create(locations, batch_size=2000)
    evses, hours = [], []
    for location in locations:
        if not location.twentyfourseven:
            hours += [
                RegularHours(location=location, weekday=d, period_begin="07:00", period_end="22:00")
                for d in range(1, 6)
            ]
        for n in range(EVSES_PER_LOCATION):
            evses.append(
                EVSE(
                    location=location,
                    uid=f"{location.ocpi_id}-{n}",
                    evse_id=f"SE*CPO*E{location.pk:06d}{n}",
                    status=("AVAILABLE", "CHARGING", "OUTOFORDER")[(location.pk + n) % 3],
                    capabilities=["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
                    physical_reference=str(n + 1),
                    last_updated=location.last_updated,
                )
            )
    RegularHours.objects.bulk_create(hours, batch_size=5000)
    EVSE.objects.bulk_create(evses, batch_size=5000)
    connectors = []
    for evse in evses:
        connectors.append(
            Connector(
                evse=evse,
                connector_id="1",
                standard="IEC_62196_T2",
                format="SOCKET",
                power_type="AC_3_PHASE",
                max_voltage=230,
                max_amperage=32,
                rated_power_w=22080,
                tariff_ids=["AC-STD"],
                last_updated=evse.last_updated,
            )
        )
        if evse.uid.endswith("-0"):
            connectors.append(
                Connector(
                    evse=evse,
                    connector_id="2",
                    standard="IEC_62196_T2_COMBO",
                    format="CABLE",
                    power_type="DC",
                    max_voltage=920,
                    max_amperage=200,
                    max_electric_power=150_000,
                    rated_power_w=150_000,
                    tariff_ids=["DC-FAST"],
                    last_updated=evse.last_updated,
                )
            )
    Connector.objects.bulk_create(connectors, batch_size=5000)


def _crawl(client: Client, headers: dict[str, Any]) -> tuple[list[float], list[bytes]]:
    url: str | None = f"{URL}?limit={PAGE}"
    times, bodies = [], []
    while url:
        started = time.perf_counter()
        response = client.get(url, **headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
        bodies.append(response.content)
        link = response.headers.get("Link")
        url = link[1 : link.index(">")] if link else None
    return times, bodies


def _baseline() -> tuple[float, list[dict[str, Any]]]:
    """The same documents straight from SQL: one query per table, dicts by hand, one json.dumps."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, country_code, party_id, ocpi_id, publish, name, address, city, postal_code, country, latitude,"
            " longitude, parking_type, operator, facilities, time_zone, twentyfourseven, last_updated"
            " FROM chargepoints_location WHERE roaming_enabled ORDER BY last_updated, id"
        )
        locations = cursor.fetchall()
        cursor.execute(
            "SELECT e.id, e.location_id, e.uid, e.evse_id, e.status, e.capabilities, e.physical_reference,"
            " e.last_updated FROM chargepoints_evse e JOIN chargepoints_location l ON l.id = e.location_id"
            " WHERE l.roaming_enabled ORDER BY e.id"
        )
        evses = cursor.fetchall()
        cursor.execute(
            "SELECT c.evse_id, c.connector_id, c.standard, c.format, c.power_type, c.max_voltage, c.max_amperage,"
            " c.max_electric_power, c.tariff_ids, c.last_updated FROM chargepoints_connector c ORDER BY c.id"
        )
        connectors = cursor.fetchall()
        cursor.execute(
            "SELECT location_id, weekday, period_begin, period_end FROM chargepoints_regularhours ORDER BY id"
        )
        hours = cursor.fetchall()

    def js(value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    connectors_by_evse: dict[int, list[dict[str, Any]]] = {}
    for evse_id, cid, standard, fmt, power, volt, amp, max_power, tariffs, updated in connectors:
        doc: dict[str, Any] = {
            "id": cid,
            "standard": standard,
            "format": fmt,
            "power_type": power,
            "max_voltage": volt,
            "max_amperage": amp,
        }
        if max_power:
            doc["max_electric_power"] = max_power
        doc["tariff_ids"] = js(tariffs)
        doc["last_updated"] = format_datetime(updated)
        connectors_by_evse.setdefault(evse_id, []).append(doc)
    evses_by_location: dict[int, list[dict[str, Any]]] = {}
    for pk, location_id, uid, evse_id, status, capabilities, reference, updated in evses:
        evses_by_location.setdefault(location_id, []).append(
            {
                "uid": uid,
                "evse_id": evse_id,
                "status": status,
                "capabilities": js(capabilities),
                "connectors": connectors_by_evse.get(pk, []),
                "physical_reference": reference,
                "last_updated": format_datetime(updated),
            }
        )
    hours_by_location: dict[int, list[dict[str, Any]]] = {}
    for location_id, weekday, begin, end in hours:
        hours_by_location.setdefault(location_id, []).append(
            {"weekday": weekday, "period_begin": begin, "period_end": end}
        )
    documents = []
    for (
        pk,
        cc,
        pid,
        ocpi_id,
        publish,
        name,
        address,
        city,
        postal_code,
        country,
        lat,
        lon,
        parking_type,
        operator,
        facilities,
        time_zone,
        twentyfourseven,
        updated,
    ) in locations:
        doc = {
            "country_code": cc,
            "party_id": pid,
            "id": ocpi_id,
            "publish": publish,
            "name": name,
            "address": address,
            "city": city,
            "postal_code": postal_code,
            "country": country,
            "coordinates": {"latitude": lat, "longitude": lon},
            "parking_type": parking_type,
            "evses": evses_by_location.get(pk, []),
            "operator": js(operator),
        }
        if js(facilities):
            doc["facilities"] = js(facilities)
        doc["time_zone"] = time_zone
        if twentyfourseven is not None:
            doc["opening_times"] = {"twentyfourseven": twentyfourseven}
            if pk in hours_by_location:
                doc["opening_times"]["regular_hours"] = hours_by_location[pk]
        doc["last_updated"] = format_datetime(updated)
        documents.append(doc)
    json.dumps({"data": documents, "status_code": 1000}).encode()
    return time.perf_counter() - started, documents


def _bench(url: str) -> list[str]:
    started = time.perf_counter()
    with transaction.atomic():
        _create_rows()
    created = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        location_documents_rebuild(Location.objects.values_list("pk", flat=True))
    documents_built = time.perf_counter() - started
    with connection.cursor() as cursor:  # what autovacuum does to a table that just grew
        for table in (
            "chargepoints_location",
            "chargepoints_evse",
            "chargepoints_connector",
            LocationDocument._meta.db_table,
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    token = token_generate()
    Partner.objects.create(
        name=PARTNER_NAME,
        country_code="NL",
        party_id="BEN",
        status=Partner.Status.REGISTERED,
        token_hash=token_hash(token),
    )
    client = Client()
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": header_value(token, base64_encoded=True)}  # WSGI environ

    with CaptureQueriesContext(connection) as queries:  # warm-up pass, counting queries
        _, bodies = _crawl(client, headers)
    pages = len(bodies)
    counted = [q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    served = [location for body in bodies for location in json.loads(body)["data"]]

    api_times, _ = _crawl(client, headers)
    baseline_time, documents = _baseline()
    # First against last page, alternated and repeated so that a busy machine does not decide the comparison.
    page = PAGE
    first_last: dict[int, list[float]] = {0: [], LOCATIONS - page: []}
    for _ in range(5):
        for offset, samples in first_last.items():
            started = time.perf_counter()
            client.get(f"{URL}?limit={page}&offset={offset}", **headers)
            samples.append(time.perf_counter() - started)
    first, last = (sorted(samples)[2] for samples in first_last.values())
    assert len(served) == LOCATIONS
    assert len({loc["id"] for loc in served}) == LOCATIONS
    assert served == documents, "baseline documents differ from what the API serves"
    served_pages, served_time, p95, served_cpu = _served_by_gunicorn(url, token)
    api_total = sum(api_times)
    return [
        f"data: {LOCATIONS:,} locations, {LOCATIONS * EVSES_PER_LOCATION:,} EVSEs, "
        f"{Connector.objects.count():,} connectors (created in {created:.1f} s, "
        f"their documents built in {documents_built:.1f} s)",
        f"API full pull: {api_total:.2f} s in {pages} pages of {PAGE} "
        f"({api_total / LOCATIONS * 1000:.2f} ms per location)",
        f"baseline (raw SQL + json.dumps of the same documents): {baseline_time:.2f} s",
        f"ratio API / baseline: {api_total / baseline_time:.2f}x",
        f"queries per page: {len(counted) / pages:.1f} "
        "(BEGIN and COMMIT included; the first request also records the partner)",
        f"first page {first * 1000:.1f} ms, last page {last * 1000:.1f} ms, median of 5 "
        f"(last/first {last / first:.2f})",
        f"gunicorn -w 2, {CLIENTS} clients each reading the whole list at limit={SERVED_PAGE}: "
        f"{served_pages} pages in {served_time:.2f} s, {served_pages / served_time:.0f} pages/s, "
        f"p95 {p95 * 1000:.0f} ms; the workers' CPU: {served_cpu / served_pages * 1000:.1f} ms per page",
        result(
            "ocpi_locations",
            ratio=api_total / baseline_time,
            pages_per_s=served_pages / served_time,
            last_vs_first=last / first,
            queries_per_page=len(counted) / pages,
        ),
    ]


def _served_by_gunicorn(url: str, token: str) -> tuple[int, float, float, float]:
    """Pages read and seconds taken by ``CLIENTS`` concurrent clients, each following Link through the whole list,
    the p95 of a page's time and the CPU seconds the workers spent."""
    # Production settings, as README runs gunicorn (persistent database connections, CONN_MAX_AGE), on plain
    # http on loopback: no TLS proxy, so no redirect to https. Only this bench's Redis database.
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=url,
        DJANGO_SECRET_KEY=token_generate(),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="False",
        CELERY_BROKER_URL=REDIS_URL,
        REDIS_CACHE_URL=REDIS_URL,
    )
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "gunicorn.log"
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "config.wsgi",
                "-w",
                "2",
                "-b",
                "127.0.0.1:0",
                "--error-logfile",
                str(log),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = _listening(server, log)
            headers = {"Authorization": header_value(token, base64_encoded=True)}
            warm = [
                threading.Thread(target=lambda: requests.get(f"{base}{URL}?limit=1", headers=headers, timeout=30))
                for _ in range(2 * CLIENTS)
            ]  # both workers loaded their code and connected
            for thread in warm:
                thread.start()
            for thread in warm:
                thread.join()
            times: list[float] = []
            errors: list[str] = []
            deadline = time.monotonic() + SERVED_TIMEOUT

            def read_all() -> None:
                session = requests.Session()
                next_url: str | None = f"{base}{URL}?limit={SERVED_PAGE}"
                while next_url and time.monotonic() < deadline:
                    began = time.perf_counter()
                    response = session.get(next_url, headers=headers, timeout=30)
                    times.append(time.perf_counter() - began)
                    if response.status_code != 200:
                        errors.append(f"{response.status_code} {response.text[:200]}")
                        return
                    next_url = response.links.get("next", {}).get("url")

            threads = [threading.Thread(target=read_all) for _ in range(CLIENTS)]
            workers = _children(server.pid)
            cpu_before = _cpu_seconds(workers)
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - began
            cpu = _cpu_seconds(workers) - cpu_before
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert not errors, errors[0]
    expected = CLIENTS * -(-LOCATIONS // SERVED_PAGE)
    assert len(times) == expected, f"{len(times)} of {expected} pages read within {SERVED_TIMEOUT:.0f} s"
    return len(times), elapsed, sorted(times)[int(len(times) * 0.95)], cpu


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes (Linux /proc), so that the figure means something on a busy
    machine too."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _listening(server: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> str:
    """The base URL gunicorn bound (port 0: the system picked it), from its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text() if log.exists() else ''}")
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log.read_text() if log.exists() else "")
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")
