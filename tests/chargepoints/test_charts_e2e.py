"""Every chart in a real browser: the data Chart.js drew equals its selector's, the page passes axe-core, fits 1440 px
and 390 px without sideways scrolling, and offers its CSV."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from billing.conf import billing_today
from billing.models import Invoice, InvoiceRun
from billing.selectors import analytics as billing_analytics
from billing.services.invoice_runs import invoice_run
from billing.services.invoices import invoice_issue, invoice_mark_paid
from chargepoints import analytics
from chargepoints.charts import Chart
from chargepoints.models import EvseStatusPeriod
from chargepoints.roles import FINANCE
from chargepoints.sessions.selectors import session_get
from tests.a11y import axe_violations, describe, settle
from tests.billing.invoice_builders import STANDARD, cdr_at, charger, profile, standard_tariffs
from tests.browser import log_in
from tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DRAWN = """(key) => {
  const chart = window.portalCharts[key];
  return {labels: chart.data.labels, datasets: chart.data.datasets.map((d) => ({label: d.label, data: d.data}))};
}"""

WIDER_THAN_WINDOW = """() => [...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5).map((e) => e.tagName + '#' + e.id + '.' + e.className)"""


def drawn(page: Page, key: str) -> dict[str, Any]:
    return dict(page.evaluate(DRAWN, key))


def expected(chart: Chart) -> dict[str, Any]:
    data = chart.chart_js_data()
    return {"labels": data["labels"], "datasets": [{"label": d["label"], "data": d["data"]} for d in data["datasets"]]}


def looked_at(page: Page, name: str) -> None:
    """Screenshots at both widths, with nothing wider than the window and no WCAG 2.1 AA violation."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        try:  # Chart.js redraws a canvas at its new width a frame or two after the window changed
            page.wait_for_function(f"document.documentElement.scrollWidth <= {width}", timeout=3000)
        except PlaywrightTimeoutError:
            raise AssertionError(f"{name} overflows at {width} px: {page.evaluate(WIDER_THAN_WINDOW)}") from None
        page.screenshot(path=str(SCREENSHOTS / f"chart_{name}_{width}.png"), full_page=True)
    settle(page)
    assert not describe(axe_violations(page))


def history(evse_pk: int) -> None:
    now = timezone.now()
    stretches = [("AVAILABLE", 40), ("CHARGING", 6), ("OUTOFORDER", 20), ("AVAILABLE", 100), ("CHARGING", 3)]
    since = now - timedelta(hours=sum(hours for _, hours in stretches))
    for index, (status, hours) in enumerate(stretches):
        until = since + timedelta(hours=hours)
        EvseStatusPeriod.objects.create(
            evse_id=evse_pk, status=status, since=since, until=None if index == len(stretches) - 1 else until
        )
        since = until


@pytest.fixture
def data() -> dict[str, Any]:
    """Two stations with a status history, charged sessions with their CDRs, and issued invoices, one paid."""
    standard_tariffs()
    busy = charger(STANDARD, name="Uppsala Resecentrum")
    quiet = charger(STANDARD, name="Gottsunda Centrum")
    history(busy.pk)
    EvseStatusPeriod.objects.create(evse=quiet, status="AVAILABLE", since=timezone.now() - timedelta(days=3))
    emp = profile(("NL", "EMP"))
    profile(("SE", "EVS"), legal_name="EV Sverige AB")
    start_of_month = billing_today().replace(day=1)
    last_month = timezone.now() - timedelta(days=start_of_month.day + 10)
    cdrs = [cdr_at(last_month, evse=busy), cdr_at(last_month, evse=quiet, party=("SE", "EVS"))]
    cdrs.append(cdr_at(timezone.now() - timedelta(hours=3), evse=busy, minutes=90, wh=30_000))
    invoice_run(trigger=InvoiceRun.Trigger.COMMAND)
    finance = make_user("fia", group=FINANCE)
    for invoice in Invoice.objects.all():
        invoice_issue(invoice=invoice, by=finance)
    invoice_mark_paid(invoice=Invoice.objects.get(profile=emp), by=finance)
    return {"busy": busy, "session": cdrs[-1].session}


def test_the_dashboard_draws_energy_ranking_and_revenue_as_their_selectors_say(live_server, page, data) -> None:
    make_user("admin", is_superuser=True, is_staff=True)
    page.emulate_media(reduced_motion="reduce")  # charts.js then draws without animation: screenshots show the end
    log_in(page, f"{live_server.url}/dashboard/", "admin")
    page.wait_for_function("() => window.portalCharts && Object.keys(window.portalCharts).length === 3")
    assert drawn(page, "daily-energy") == expected(analytics.daily_energy_chart())
    ranking = drawn(page, "station-ranking")
    assert ranking == expected(analytics.station_ranking_chart())
    assert ranking["labels"] == ["Uppsala Resecentrum, Uppsala", "Gottsunda Centrum, Uppsala"]
    revenue = drawn(page, "revenue-by-emsp")
    assert revenue == expected(billing_analytics.revenue_by_emsp_chart(today=billing_today()))
    assert {d["label"] for d in revenue["datasets"]} == {"NL*EMP (SEK)", "SE*EVS (SEK)"}
    with page.expect_download() as download:
        page.click("#daily-energy-figure >> text=Download CSV")
    assert Path(download.value.path()).read_bytes().decode() == analytics.daily_energy_chart().csv_text()
    page.click("#daily-energy-figure summary")
    assert page.locator("#daily-energy-figure table tbody tr").count() == 30
    looked_at(page, "dashboard")


def test_the_station_page_draws_utilisation_and_availability(live_server, page, data) -> None:
    make_user("admin", is_superuser=True, is_staff=True)
    busy = data["busy"]
    page.emulate_media(reduced_motion="reduce")  # charts.js then draws without animation: screenshots show the end
    log_in(page, f"{live_server.url}/stations/{busy.location_id}/", "admin")
    page.wait_for_function("() => window.portalCharts && window.portalCharts['station-availability']")
    chart = drawn(page, "station-availability")
    assert chart == expected(analytics.station_availability_chart(location=busy.location))
    assert chart["datasets"][0]["label"] == "Utilisation %"
    assert 0 < chart["datasets"][0]["data"][0] < chart["datasets"][1]["data"][0] < 100
    looked_at(page, "station")


def test_the_session_page_draws_power_and_energy(live_server, page, data) -> None:
    make_user("admin", is_superuser=True, is_staff=True)
    session = data["session"]
    page.emulate_media(reduced_motion="reduce")  # charts.js then draws without animation: screenshots show the end
    log_in(page, f"{live_server.url}/sessions/{session.pk}/", "admin")
    page.wait_for_function("() => window.portalCharts && window.portalCharts['session-power']")
    chart = drawn(page, "session-power")
    session.refresh_from_db()
    assert chart == expected(analytics.session_power_chart(session=session_get(pk=session.pk)))
    assert chart["datasets"][1]["data"][-1] == pytest.approx(float(session.kwh))
    looked_at(page, "session")


def test_the_finance_trends_draw_invoiced_and_paid(live_server, page, data) -> None:
    page.emulate_media(reduced_motion="reduce")  # charts.js then draws without animation: screenshots show the end
    log_in(page, f"{live_server.url}/finance/trends/", "fia")
    page.wait_for_function("() => window.portalCharts && window.portalCharts['paid-per-month']")
    today = billing_today()
    assert drawn(page, "invoiced-per-month") == expected(billing_analytics.invoiced_chart(today=today))
    paid = drawn(page, "paid-per-month")
    assert paid == expected(billing_analytics.paid_chart(today=today))
    assert [d["label"] for d in paid["datasets"]] == ["Emp Mobility B.V. (SEK)"]
    looked_at(page, "finance")
