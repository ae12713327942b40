import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chargepoints import selectors
from chargepoints.dashboard_summary import CACHE_KEY
from chargepoints.models import EVSE, Location
from chargepoints.tasks import catalogue_summary_refresh_task
from tests.factories import connector_data, evse_data, finance_user, make_location

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance_client(client):
    client.force_login(finance_user())
    return client


@pytest.mark.parametrize("url_name", ["stations:dashboard", "stations:list"])
def test_anonymous_users_are_sent_to_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_anonymous_detail_and_status_change_redirect_to_login(client):
    location = make_location()
    evse = location.evses.get()
    assert client.get(reverse("stations:detail", args=[location.pk])).status_code == 302
    response = client.post(reverse("stations:evse_status", args=[location.pk, evse.pk]), {"status": "OUTOFORDER"})
    assert response.status_code == 302
    evse.refresh_from_db()
    assert evse.status == "AVAILABLE"


def test_dashboard_counts_by_status_and_power_class(ops_client):
    make_location(evses=[evse_data(status="AVAILABLE"), evse_data(status="CHARGING")])
    make_location(
        evses=[
            evse_data(
                status="OUTOFORDER", connectors=[connector_data(power_type="DC", max_voltage=500, max_amperage=300)]
            )
        ]
    )
    response = ops_client.get(reverse("stations:dashboard"))
    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview.locations == 2
    assert overview.evses_by_status["AVAILABLE"] == 1
    assert overview.evses_by_status["CHARGING"] == 1
    assert overview.evses_by_status["OUTOFORDER"] == 1
    assert ("OUTOFORDER", "Out of order", 1) in overview.status_rows
    assert ">Out of order</span>" in response.content.decode()
    assert '<link rel="icon" href="/static/favicon.svg"' in response.content.decode()  # no /favicon.ico round trip
    # 230 V x 32 A x 3 phases = 22 kW (fast); 500 V x 300 A DC = 150 kW (ultra).
    assert overview.evses_by_power_class["Fast (11–49 kW)"] == 2
    assert overview.evses_by_power_class["Ultra (≥ 150 kW)"] == 1


def test_an_evse_counts_once_in_the_class_of_its_most_powerful_connector_and_removed_ones_not_at_all():
    dc = connector_data(connector_id="2", power_type="DC", max_voltage=500, max_amperage=100)  # 50 kW
    make_location(evses=[evse_data(connectors=[connector_data(), dc]), evse_data(status="REMOVED")])
    by_class = selectors.catalogue_overview().evses_by_power_class
    assert sum(by_class.values()) == 1
    assert by_class["Rapid (50–149 kW)"] == 1


def test_station_list_filters(ops_client):
    make_location(name="Uppsala Central", city="Uppsala")
    make_location(
        name="Berlin Rapid",
        city="Berlin",
        country="DEU",
        time_zone="Europe/Berlin",
        evses=[
            evse_data(
                capabilities=["CREDIT_CARD_PAYABLE"],
                connectors=[
                    connector_data(standard="IEC_62196_T2_COMBO", power_type="DC", max_voltage=400, max_amperage=150)
                ],
            )
        ],
    )
    url = reverse("stations:list")

    def names(**params):
        response = ops_client.get(url, params)
        assert response.status_code == 200
        return {row.location.name for row in response.context["rows"]}

    assert names() == {"Uppsala Central", "Berlin Rapid"}
    assert names(city="berlin") == {"Berlin Rapid"}
    assert names(min_power_kw="50") == {"Berlin Rapid"}
    assert names(connector="IEC_62196_T2_COMBO") == {"Berlin Rapid"}
    assert names(capability="CREDIT_CARD_PAYABLE") == {"Berlin Rapid"}
    assert names(q="central") == {"Uppsala Central"}
    assert names(status="AVAILABLE") == {"Uppsala Central", "Berlin Rapid"}
    assert names(status="CHARGING") == set()


def test_station_list_rejects_bad_filter_values_without_error(ops_client):
    response = ops_client.get(reverse("stations:list"), {"min_power_kw": "lots", "connector": "NOPE"})
    assert response.status_code == 200
    assert response.context["form"].errors
    page = response.content.decode()
    assert "Min. power (kW): Enter a number." in page  # the error names the field
    assert 'href="/stations/">Reset</a>' in page  # back to the unfiltered list


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_station_list_query_count_does_not_grow_with_page_size(ops_client):
    url = reverse("stations:list")
    make_location(evses=[evse_data(), evse_data()])
    few = _count_queries(ops_client, url)
    for _ in range(12):
        make_location(evses=[evse_data(connectors=[connector_data(), connector_data(connector_id="2")]), evse_data()])
    many = _count_queries(ops_client, url)
    assert few == many


def test_station_detail_query_count_does_not_grow_with_evses(ops_client):
    small = make_location(evses=[evse_data()])
    large = make_location(
        evses=[evse_data(connectors=[connector_data(), connector_data(connector_id="2")]) for _ in range(8)]
    )
    assert _count_queries(ops_client, reverse("stations:detail", args=[small.pk])) == _count_queries(
        ops_client, reverse("stations:detail", args=[large.pk])
    )


def test_dashboard_query_count_is_constant(ops_client):
    make_location()
    few = _count_queries(ops_client, reverse("stations:dashboard"))
    for _ in range(5):
        make_location(evses=[evse_data(), evse_data()])
    assert _count_queries(ops_client, reverse("stations:dashboard")) == few


def test_operations_can_change_evse_status(ops_client):
    location = make_location()
    evse = location.evses.get()
    before = Location.objects.get(pk=location.pk).last_updated
    response = ops_client.post(reverse("stations:evse_status", args=[location.pk, evse.pk]), {"status": "OUTOFORDER"})
    assert response.status_code == 302
    evse.refresh_from_db()
    assert evse.status == "OUTOFORDER"
    assert Location.objects.get(pk=location.pk).last_updated > before


def test_finance_reads_stations_but_cannot_edit(finance_client):
    location = make_location()
    evse = location.evses.get()
    assert finance_client.get(reverse("stations:list")).status_code == 200
    detail = finance_client.get(reverse("stations:detail", args=[location.pk]))
    assert detail.status_code == 200
    assert b'name="status"' not in detail.content
    response = finance_client.post(
        reverse("stations:evse_status", args=[location.pk, evse.pk]), {"status": "OUTOFORDER"}
    )
    assert response.status_code == 403
    assert EVSE.objects.get(pk=evse.pk).status == "AVAILABLE"
    admin_change = finance_client.get(reverse("admin:chargepoints_location_change", args=[location.pk]))
    assert admin_change.status_code == 302  # finance staff are not admin users


def test_operations_admin_lists_and_searches_locations(ops_client):
    make_location(name="Findable Station", evses=[evse_data(evse_id="SE*CPO*E777")])
    response = ops_client.get(reverse("admin:chargepoints_location_changelist"), {"q": "SE*CPO*E777"})
    assert response.status_code == 200
    assert b"Findable Station" in response.content
    assert (
        ops_client.get(reverse("admin:chargepoints_evse_changelist"), {"status__exact": "AVAILABLE"}).status_code == 200
    )


def test_admin_action_marks_evses_out_of_order(ops_client):
    location = make_location(evses=[evse_data(), evse_data()])
    response = ops_client.post(
        reverse("admin:chargepoints_location_changelist"),
        {"action": "mark_evses_out_of_order", "_selected_action": [location.pk]},
    )
    assert response.status_code == 302
    assert set(location.evses.values_list("status", flat=True)) == {"OUTOFORDER"}


def test_attribution_page_is_public(client):
    response = client.get(reverse("attribution"))
    assert response.status_code == 200
    assert "Bundesnetzagentur" in response.content.decode()
    assert "NOBIL" in response.content.decode()


def test_roles_give_operations_the_cdr_queue_and_finance_the_invoices():
    from django.contrib.auth.models import Group

    from chargepoints.roles import FINANCE, OPERATIONS, roles_sync

    roles_sync()
    operations = set(Group.objects.get(name=OPERATIONS).permissions.values_list("content_type__app_label", "codename"))
    finance = set(Group.objects.get(name=FINANCE).permissions.values_list("content_type__app_label", "codename"))
    assert ("billing", "view_cdr") in operations
    assert ("billing", "change_cdr") in operations
    assert not {codename for app, codename in operations if app == "billing"} - {"view_cdr", "change_cdr"}
    assert ("chargepoints", "change_evse") in operations
    assert ("chargepoints", "view_location") in finance
    assert ("chargepoints", "change_location") not in finance


def test_a_tariff_that_connectors_still_list_cannot_be_deleted():
    from django.db.models import ProtectedError

    from chargepoints.demo import DEMO_TARIFFS
    from tariffs.models import Tariff
    from tariffs.services import tariff_replace

    tariff = tariff_replace(data=DEMO_TARIFFS[("SWE", "AC")])
    make_location(evses=[evse_data(connectors=[connector_data(tariff_ids=[tariff.ocpi_id])])])
    with pytest.raises(ProtectedError, match="still listed by 1 connector"), transaction.atomic():
        tariff.delete()
    unused = tariff_replace(data=DEMO_TARIFFS[("DEU", "AC")])
    unused.delete()
    assert not Tariff.objects.filter(pk=unused.pk).exists()


def test_station_list_shows_the_location_id_and_city_so_rows_at_one_address_differ(ops_client):
    for ocpi_id in ("BER-1", "BER-2"):
        make_location(ocpi_id=ocpi_id, name="", address="Pariser Str. 37", city="Berlin", time_zone="Europe/Berlin")
    page = ops_client.get(reverse("stations:list")).content.decode()
    assert '<th scope="col" aria-sort="ascending"><a class="sort-link" href="?sort=-name">Station' in page
    assert ">BER-1</td>" in page
    assert ">BER-2</td>" in page
    assert page.count("<td>Berlin</td>") == 2


def test_station_list_sorts_by_whitelisted_columns_both_ways(ops_client):
    make_location(ocpi_id="LOC-B", name="Alpha", city="Uppsala")
    make_location(ocpi_id="LOC-C", name="Bravo", city="Berlin", time_zone="Europe/Berlin")
    make_location(ocpi_id="LOC-A", name="Charlie", city="Malmö")
    url = reverse("stations:list")

    def names(**params):
        response = ops_client.get(url, params)
        assert response.status_code == 200
        return [row.location.name for row in response.context["rows"]]

    assert names() == ["Alpha", "Bravo", "Charlie"]
    assert names(sort="-name") == ["Charlie", "Bravo", "Alpha"]
    assert names(sort="id") == ["Charlie", "Alpha", "Bravo"]
    assert names(sort="-id") == ["Bravo", "Alpha", "Charlie"]
    assert names(sort="city") == ["Bravo", "Charlie", "Alpha"]
    assert names(sort="-city", city="") == ["Alpha", "Charlie", "Bravo"]
    # Only whitelisted keys: anything else (another field, an annotation, SQL) sorts by name.
    for unknown in ("evse_count", "-max_power_w", "address", "name; DROP TABLE x", "--name"):
        assert names(sort=unknown) == ["Alpha", "Bravo", "Charlie"]

    response = ops_client.get(url, {"sort": "city", "q": "a"})
    columns = response.context["columns"]
    assert (columns["city"].aria_sort, columns["city"].href) == ("ascending", "?sort=-city&q=a")
    assert (columns["name"].aria_sort, columns["name"].href) == ("none", "?sort=name&q=a")
    assert 'name="sort" value="city"' in response.content.decode()  # filtering keeps the order


@pytest.mark.parametrize("sort", ["name", "-id", "city"])
def test_station_list_query_count_is_the_same_for_every_sort_and_page_size(ops_client, sort):
    url = f"{reverse('stations:list')}?sort={sort}"
    make_location(evses=[evse_data()])
    few = _count_queries(ops_client, url)
    for n in range(8):
        make_location(
            city=f"City {n}", evses=[evse_data(connectors=[connector_data(), connector_data(connector_id="2")])]
        )
    assert _count_queries(ops_client, url) == few == _count_queries(ops_client, reverse("stations:list"))


def test_the_dashboard_reads_the_catalogue_counts_the_beat_task_keeps(ops_client, settings):
    settings.DASHBOARD_SUMMARY_MAX_AGE = 300
    cache.delete(CACHE_KEY)
    make_location(evses=[evse_data()])
    assert ops_client.get(reverse("stations:dashboard")).context["overview"].locations == 1  # a cold cache: counted
    make_location(evses=[evse_data()])
    assert ops_client.get(reverse("stations:dashboard")).context["overview"].locations == 1  # not counted again
    catalogue_summary_refresh_task.delay()
    response = ops_client.get(reverse("stations:dashboard"))
    assert response.context["overview"].locations == 2
    assert "Catalogue counted" in response.content.decode()


def test_beat_refreshes_the_dashboard_counts_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["chargepoints-catalogue-summary"]
    assert entry == {"task": catalogue_summary_refresh_task.name, "schedule": 60.0}
