"""The pages a CPO shows off, in Chromium on the demo data (issue #18): the public map, the dashboard, a station page
and the admin's tariff editor, each from navigation to usable, as a ratio against a static page from the same live
server (``browser_timing``). Goals: the map, dashboard and station page under 1 s, the tariff editor under 500 ms.

The full run seeds the demo exactly as ``make run`` does (``seed_demo``, about 940 stations with their history);
the smoke run seeds only the users, the demo tariffs and three stations.
"""

from __future__ import annotations

import time

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import autodiscover_modules

from chargepoints.demo import SEEDERS
from chargepoints.models import Location
from tariffs.models import Tariff
from tests.bench.browser_timing import BrowserPage, browser_times, live_server_on_this_connection
from tests.bench.support import SMOKE, on_postgresql_rolled_back, result, sized
from tests.factories import make_location

REPEATS = sized(5, 1)
GOALS_MS = {"map": 1000.0, "dashboard": 1000.0, "station": 1000.0, "tariff_editor": 500.0}


def run() -> list[str]:
    return on_postgresql_rolled_back("demo_pages", _bench)


def _seed() -> str:
    if not SMOKE:
        call_command("seed_demo", stdout=_Quiet(), stderr=_Quiet())
        return "the demo (seed_demo)"
    autodiscover_modules("demo")
    for seeder in sorted(SEEDERS, key=lambda s: s.order):
        if seeder.name in ("users", "tariffs"):
            seeder.run("http://127.0.0.1")
    for _ in range(3):
        make_location()
    return "users, tariffs and 3 stations"


class _Quiet:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def _bench() -> list[str]:
    started = time.perf_counter()
    data = _seed()
    lines = [f"data: {data}, {Location.objects.count()} locations, seeded in {time.perf_counter() - started:.0f} s"]
    # The busiest station (most EVSEs) and the tariff with the most elements: the heaviest of each page.
    station = Location.objects.annotate(evse_total=Count("evses")).order_by("-evse_total", "pk").first()
    tariff = Tariff.objects.annotate(element_total=Count("elements")).order_by("-element_total", "pk").first()
    assert station is not None
    assert tariff is not None
    pages = (
        BrowserPage("map", "/map/", ready_mark="map-ready"),
        BrowserPage("dashboard", reverse("stations:dashboard")),
        BrowserPage("station", reverse("stations:detail", args=[station.pk])),
        BrowserPage("tariff_editor", reverse("admin:tariffs_tariff_change", args=[tariff.pk])),
    )
    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("bench-admin")
    client = Client()
    client.force_login(admin)
    with live_server_on_this_connection() as base_url:
        timed = browser_times(
            base_url=base_url, session_cookie=client.cookies["sessionid"].value, pages=pages, repeats=REPEATS
        )
    static_ms = timed["static"]
    lines += [f"browser {name:<14} {ms:7.1f} ms  {ms / static_ms:5.1f}× the static page" for name, ms in timed.items()]
    met = all(timed[name] < goal for name, goal in GOALS_MS.items())
    lines.append(f"goals (map, dashboard, station < 1 s; tariff editor < 500 ms): {'met' if met else 'NOT met'}")
    return [
        *lines,
        result(
            "demo_pages",
            static_ms=round(static_ms, 1),
            **{f"{name}_ms": round(timed[name], 1) for name in GOALS_MS},
            **{f"{name}_vs_static": round(timed[name] / static_ms, 2) for name in GOALS_MS},
            goals_met="yes" if met else "no",
        ),
    ]
