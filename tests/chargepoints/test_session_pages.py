"""Staff session pages: who may see them, the list's filters and query budget, the detail with its periods, price
lines and CDR link, the read-only admin, and a real browser filtering the list and opening a session."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from chargepoints import session_views
from chargepoints.models import EVSE, ChargingSession
from chargepoints.sessions.services import session_meter_values, session_stop
from tests.browser import log_in
from tests.chargepoints.sessions_support import T0, component, driver_token, start, tariff
from tests.factories import connector_data, evse_data, finance_user, make_location, make_user, operations_user

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CDR_LINK = re.compile(r'href="/finance/cdrs/\d+/"')


def charger(tariff_id: str = "T-ENERGY", **location: object) -> EVSE:
    connector = connector_data(power_type="AC_3_PHASE", tariff_ids=[tariff_id])
    return make_location(evses=[evse_data(connectors=[connector])], **location).evses.get()


def charged(
    evse: EVSE,
    *,
    at: datetime = T0,
    uid: str = "04A1B2C3",
    party: tuple[str, str] = ("NL", "EMP"),
    wh: int = 11_000,
    minutes: int = 60,
    stop: bool = True,
) -> ChargingSession:
    """A session on ``evse`` through the real services: half the energy at half time, then stopped (or left open)."""
    token = driver_token(uid, country_code=party[0], party_id=party[1])
    session = start(evse, at=at, token=token)
    session = session_meter_values(
        session=session,
        at=at + timedelta(minutes=minutes // 2),
        energy_wh_total=Decimal(wh // 2),
        power_w=Decimal(11_000),
        current_a=Decimal(16),
    )
    if not stop:
        return session
    return session_stop(
        session=session, at=at + timedelta(minutes=minutes), reason="Stopped by the driver", energy_wh_total=Decimal(wh)
    )


@pytest.fixture
def network():
    """Sessions at two stations, for two eMSP parties, one of them still running."""
    tariff(elements=[{"price_components": [component("ENERGY", "3.50"), component("FLAT", "5.00")]}])
    uppsala = charger(name="Uppsala Resecentrum", city="Uppsala")
    koln = charger(
        name="Köln Schnellladepark",
        city="Köln",
        country="DEU",
        time_zone="Europe/Berlin",
        latitude="50.937531",
        longitude="6.960279",
    )
    return {
        "old": charged(uppsala, at=T0 - timedelta(days=3), uid="AAA111"),
        "german": charged(koln, at=T0 - timedelta(days=1), uid="BBB222", party=("DE", "XYZ")),
        "running": charged(uppsala, at=T0, uid="CCC333", stop=False),
    }


def rows(response) -> list[ChargingSession]:
    return [row.session for row in response.context["rows"]]


# --- Who may see them ---------------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login(client, network):
    for url in (reverse("sessions:list"), reverse("sessions:detail", args=[network["old"].pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_users_without_the_session_permission_get_403(client, network):
    client.force_login(make_user("visitor", is_staff=True))
    assert client.get(reverse("sessions:list")).status_code == 403
    assert client.get(reverse("sessions:detail", args=[network["old"].pk])).status_code == 403


def test_operations_and_finance_read_sessions_and_find_them_in_the_nav(client, network):
    for user in (operations_user(), finance_user()):
        client.force_login(user)
        response = client.get(reverse("sessions:list"))
        assert response.status_code == 200
        assert {"label": "Sessions", "url": "/sessions/", "active": True} in response.context["portal_nav"]


# --- The list -----------------------------------------------------------------------------------------------------


def test_the_list_shows_the_newest_first_with_station_time_party_token_and_cost(ops_client, network):
    response = ops_client.get(reverse("sessions:list"))
    assert rows(response) == [network["running"], network["german"], network["old"]]
    html = response.content.decode()
    german = network["german"]
    # 08:00 UTC the day before T0 is 09:00 in Köln; the UTC time is on hover
    assert (
        f'<a href="/sessions/{german.pk}/" class="fw-medium"><time datetime="2026-03-01T08:00:00+00:00" '
        'title="2026-03-01 08:00:00 UTC">2026-03-01 09:00 CET</time></a>' in html
    )
    assert "DE*XYZ" in html
    assert "BBB222" in html
    assert german.evse.evse_id in html
    assert "1 h 00 min" in html
    assert f"{german.total_cost_incl_vat:.2f}</span> SEK" in html
    running = network["running"]
    assert running.total_cost_incl_vat is not None
    assert "so far" in html
    assert "Active" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "ACTIVE"}, ["running"]),
        ({"status": "COMPLETED"}, ["german", "old"]),
        ({"station": "köln"}, ["german"]),
        ({"station": "uppsala"}, ["running", "old"]),
        ({"party": "DE*XYZ"}, ["german"]),
        ({"party": "NL*EMP", "status": "COMPLETED"}, ["old"]),
        ({"token_uid": "ccc333"}, ["running"]),
        ({"started_from": "2026-03-01", "started_until": "2026-03-01"}, ["german"]),
        ({"started_until": "2026-03-01"}, ["german", "old"]),
        ({"started_from": "2026-03-02"}, ["running"]),
    ],
)
def test_filters(ops_client, network, query, expected):
    assert rows(ops_client.get(reverse("sessions:list"), query)) == [network[name] for name in expected]


def test_dates_are_the_stations_local_days(ops_client):
    tariff()
    stockholm = charger(name="Stockholm")
    # 23:30 UTC on 1 March is 00:30 on 2 March in Stockholm: it started on the 2nd
    late = charged(stockholm, at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    url = reverse("sessions:list")
    assert rows(ops_client.get(url, {"started_from": "2026-03-02", "started_until": "2026-03-02"})) == [late]
    assert rows(ops_client.get(url, {"started_until": "2026-03-01"})) == []


def test_bad_filters_show_an_error_and_every_session(ops_client, network):
    response = ops_client.get(
        reverse("sessions:list"), {"party": "XX*NOPE", "started_from": "2026-03-05", "started_until": "2026-03-01"}
    )
    assert response.status_code == 200
    assert len(rows(response)) == 3
    assert response.context["form"].errors.keys() == {"party", "started_until"}


def test_a_page_costs_the_same_queries_whatever_its_size(ops_client, monkeypatch, django_assert_num_queries):
    tariff()
    evses = [charger(name=f"Station {n}", city=f"City {n}") for n in range(12)]
    for n, evse in enumerate(evses):
        charged(evse, at=T0 - timedelta(hours=n), uid=f"TOK{n:03d}", party=("NL", "EMP") if n % 2 else ("DE", "XYZ"))
    url = reverse("sessions:list")
    # the request's savepoint and its release, session, user, user and group permissions, the parties, the stations'
    # time zones (for the dates), the count, the page
    for size in (2, 10):
        monkeypatch.setattr(session_views, "PAGE_SIZE", size)
        with django_assert_num_queries(10):
            response = ops_client.get(url, {"status": "COMPLETED", "started_from": "2026-02-01"})
        assert len(response.context["rows"]) == size
        assert response.context["page"].paginator.count == 12


# --- The detail ---------------------------------------------------------------------------------------------------


def test_the_detail_shows_the_periods_the_priced_lines_and_links_to_station_and_cdr(ops_client, network):
    session = network["old"]
    response = ops_client.get(reverse("sessions:detail", args=[session.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    periods = response.context["periods"]
    assert len(periods) == 1
    assert periods[0].dimensions["ENERGY"] == Decimal("11.000000")
    assert periods[0].dimensions["TIME"] == Decimal("1.0000")
    priced = response.context["breakdown"].priced
    # the lines the page shows add up to what the session stored
    assert priced.total_cost.incl_vat == session.total_cost_incl_vat
    assert [line.dimension for line in priced.lines] == ["FLAT", "ENERGY"]
    assert "11 kWh" in html or "11.000 kWh" in html
    assert "(Type 2, AC 3-phase)" in html  # the connector as it was at the start, in words
    assert f'href="{reverse("stations:detail", args=[session.location_id])}"' in html
    cdr = session.cdrs.get()
    assert f'href="{reverse("billing:cdr_detail", args=[cdr.pk])}"' in html
    assert "CDR · Issued" in html


def test_a_running_session_shows_its_cost_so_far_and_no_cdr(ops_client, network):
    session = network["running"]
    response = ops_client.get(reverse("sessions:detail", args=[session.pk]))
    html = response.content.decode()
    assert "Cost so far" in html
    assert "running" in html
    assert "now 11.0 kW" in html
    assert response.context["breakdown"].priced.total_cost.incl_vat == session.total_cost_incl_vat
    assert not CDR_LINK.search(html)


def test_the_station_page_links_its_recent_sessions(ops_client, network):
    session = network["old"]
    html = ops_client.get(reverse("stations:detail", args=[session.location_id])).content.decode()
    assert f'href="{reverse("sessions:detail", args=[session.pk])}"' in html
    assert f'href="{reverse("sessions:detail", args=[network["running"].pk])}"' in html


def test_operations_stop_a_running_session_at_the_charger(ops_client, network):
    session = network["running"]
    detail = ops_client.get(reverse("sessions:detail", args=[session.pk])).content.decode()
    assert "Remote stop" in detail
    response = ops_client.post(reverse("sessions:remote_stop", args=[session.pk]), follow=True)
    session.refresh_from_db()
    assert session.status == "COMPLETED"
    assert session.stop_reason == "Stopped remotely by CPO staff (ops)"
    assert session.end_date_time is not None
    assert session.cdrs.count() == 1  # billed like any other stop
    assert "Session stopped" in response.content.decode()
    assert "Remote stop" not in response.content.decode()  # nothing left to stop


def test_a_stop_needs_the_change_permission_and_an_active_session(client, network):
    running, done = network["running"], network["old"]
    client.force_login(finance_user())
    assert "Remote stop" not in client.get(reverse("sessions:detail", args=[running.pk])).content.decode()
    assert client.post(reverse("sessions:remote_stop", args=[running.pk])).status_code == 403
    running.refresh_from_db()
    assert running.status == "ACTIVE"

    client.force_login(operations_user())
    response = client.post(reverse("sessions:remote_stop", args=[done.pk]), follow=True)
    assert "Only an active session can be stopped; this one is Completed." in response.content.decode()
    assert ChargingSession.objects.get(pk=done.pk).end_date_time == done.end_date_time


def test_the_admin_shows_sessions_and_partner_records_but_never_edits_them(client, network):
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    session = network["old"]
    assert session.ocpi_id in client.get("/admin/chargepoints/chargingsession/").content.decode()
    assert client.get(f"/admin/chargepoints/chargingsession/{session.pk}/change/").status_code == 200  # view only
    for model in ("chargepoints/chargingsession", "ocpi_api/emsptoken", "ocpi_api/authorizationrecord"):
        assert client.get(f"/admin/{model}/add/").status_code == 403
    page = client.get(f"/admin/chargepoints/chargingsession/{session.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert client.post(f"/admin/chargepoints/chargingsession/{session.pk}/delete/").status_code == 403


def test_the_cdr_link_needs_the_cdr_permission(client, network):
    reader = make_user("reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_chargingsession"))
    client.force_login(reader)
    html = client.get(reverse("sessions:detail", args=[network["old"].pk])).content.decode()
    assert network["old"].cdrs.exists()
    assert not CDR_LINK.search(html)


def test_a_session_without_tariff_says_why_it_has_no_price(ops_client):
    session = charged(charger(tariff_id="T-MISSING"), uid="NOTARIFF")
    html = ops_client.get(reverse("sessions:detail", args=[session.pk])).content.decode()
    assert "No price breakdown: No tariff was in force" in html


def test_an_unknown_session_is_404(ops_client):
    assert ops_client.get(reverse("sessions:detail", args=[999_999])).status_code == 404


# --- Admin --------------------------------------------------------------------------------------------------------


def test_the_admin_lists_and_shows_sessions_but_never_changes_them(client, network):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    changelist = client.get(reverse("admin:chargepoints_chargingsession_changelist"), {"q": "BBB222"})
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].result_list) == [network["german"]]
    change = client.get(reverse("admin:chargepoints_chargingsession_change", args=[network["old"].pk]))
    assert change.status_code == 200
    assert not change.context["has_change_permission"]
    assert b'name="_save"' not in change.content
    assert b"Charging periods" in change.content
    assert client.get(reverse("admin:chargepoints_chargingsession_add")).status_code == 403


# --- A real browser -------------------------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_staff_logs_in_filters_sessions_and_opens_one(live_server, page):
    operations_user()
    tariff()
    charged(charger(name="Uppsala Resecentrum", city="Uppsala"), at=T0 - timedelta(days=1), uid="AAA111")
    charged(
        charger(name="Köln Schnellladepark", city="Köln", country="DEU", time_zone="Europe/Berlin"),
        uid="BBB222",
        party=("DE", "XYZ"),
    )

    log_in(page, f"{live_server.url}/sessions/", "ops")
    assert page.locator("table.table-sessions tbody tr").count() == 2

    page.select_option("select[name=party]", "DE*XYZ")
    page.fill("input[name=station]", "köln")
    page.click("text=Apply filters")
    page.wait_for_url(re.compile(r"party=DE"))
    table_rows = page.locator("table.table-sessions tbody tr")
    assert table_rows.count() == 1
    assert "Köln Schnellladepark" in table_rows.first.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "session_list.png"), full_page=True)

    table_rows.first.locator("td").nth(3).click()  # the whole row opens the session
    page.wait_for_url(re.compile(r"/sessions/\d+/$"))
    assert "Köln Schnellladepark" in page.locator("h1").inner_text()
    assert page.locator("#charging-periods tbody tr").count() == 1
    assert "ENERGY" in page.locator("#price-lines").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "session_detail.png"), full_page=True)
