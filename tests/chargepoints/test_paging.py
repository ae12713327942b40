"""Staff list pages (chargepoints.paging): the same rows as counting from the start, whichever way a page is reached."""

from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from chargepoints import views
from chargepoints.models import Location
from chargepoints.paging import list_query, staff_page
from tests.factories import make_location

pytestmark = pytest.mark.django_db


@pytest.fixture
def locations() -> list[int]:
    # Names repeat, so the id decides ties: the cursor must carry both.
    for n in range(23):
        make_location(name=f"Station {n % 5}", ocpi_id=f"LOC{n:02d}")
    return list(Location.objects.order_by("name", "id").values_list("pk", flat=True))


def ids(page) -> list[int]:
    return [row.pk for row in page]


def test_every_numbered_page_holds_the_rows_counting_from_the_start_would(locations):
    ordered = Location.objects.order_by("name", "id")
    pages = [staff_page(ordered, per_page=5, page=n) for n in range(1, 6)]
    assert [ids(page) for page in pages] == [locations[n : n + 5] for n in range(0, 25, 5)]
    assert pages[-1].number == 5
    assert len(pages[-1]) == 3
    assert not pages[-1].has_next()
    assert (pages[0].count, pages[0].num_pages, pages[0].count_is_estimate) == (23, 5, False)


def test_next_and_previous_follow_the_cursor_to_the_same_pages(locations):
    ordered = Location.objects.order_by("name", "id")
    page = staff_page(ordered, per_page=5)
    seen = [ids(page)]
    while page.has_next():
        page = staff_page(ordered, per_page=5, page=page.next_page_number(), after=page.next_cursor)
        seen.append(ids(page))
    assert seen == [locations[n : n + 5] for n in range(0, 25, 5)]
    back = staff_page(ordered, per_page=5, page=page.previous_page_number(), before=page.previous_cursor)
    assert ids(back) == locations[15:20]
    assert back.number == 4


def test_a_descending_order_pages_by_cursor_too(locations):
    newest_first = Location.objects.order_by("-id")
    first = staff_page(newest_first, per_page=10)
    second = staff_page(newest_first, per_page=10, page=2, after=first.next_cursor)
    assert ids(first) + ids(second) == sorted(locations, reverse=True)[:20]


@pytest.mark.parametrize("cursor", ["nonsense", "W10", "WyJ4IiwgInkiXQ"])  # not base64 JSON, [], ["x", "y"]
def test_a_broken_cursor_falls_back_to_the_page_number(locations, cursor):
    page = staff_page(Location.objects.order_by("name", "id"), per_page=5, page=2, after=cursor)
    assert ids(page) == locations[5:10]


def test_page_numbers_out_of_range_or_not_numbers_give_the_first_or_last_page(locations):
    ordered = Location.objects.order_by("name", "id")
    assert ids(staff_page(ordered, per_page=5, page="x")) == locations[:5]
    assert ids(staff_page(ordered, per_page=5, page=99)) == locations[20:]


@override_settings(STAFF_LIST_EXACT_COUNT=10)
def test_above_the_exact_count_the_total_is_an_estimate_on_postgresql_and_exact_elsewhere(locations):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE chargepoints_location")  # the planner then estimates the 23 rows there are
    ordered = Location.objects.order_by("name", "id")
    page = staff_page(ordered, per_page=5, page=5)
    assert page.count_is_estimate == (connection.vendor == "postgresql")
    assert page.count == 23
    # The back half counts back from the last row; by an estimate, the last page is a full page of the last rows.
    assert ids(page) == (locations[18:] if page.count_is_estimate else locations[20:])
    assert not page.has_next()
    assert ids(staff_page(ordered, per_page=5, page=4)) == locations[15:20]
    assert ids(staff_page(ordered, per_page=5, page=2)) == locations[5:10]


@override_settings(STAFF_LIST_EXACT_COUNT=10)
def test_an_estimate_over_the_truth_gives_empty_pages_past_the_end_as_counting_from_the_start_would(locations):
    if connection.vendor != "postgresql":
        pytest.skip("estimates are PostgreSQL's planner's")
    extra = [make_location(name="Zebra", ocpi_id=f"MOVED{n:02d}").pk for n in range(60)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE chargepoints_location")
    Location.objects.filter(pk__in=extra).update(city="Enköping")  # the statistics still say 83 in Uppsala
    ordered = Location.objects.filter(city="Uppsala").order_by("name", "id")
    assert staff_page(ordered, per_page=5, page=1).count > 23
    assert ids(staff_page(ordered, per_page=5, page=5)) == locations[20:]
    assert ids(staff_page(ordered, per_page=5, page=12)) == []


def test_the_station_list_links_carry_the_cursor_and_drop_the_old_one(ops_client, locations, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 10)
    response = ops_client.get(reverse("stations:list"), {"page": "1"})
    page = response.context["page"]
    assert f"&page=2&after={page.next_cursor}" in response.content.decode()
    second = ops_client.get(reverse("stations:list") + f"?page=2&after={page.next_cursor}")
    assert [row.location.pk for row in second.context["rows"]] == locations[10:20]
    assert "after" not in parse_qs(second.context["query"])


def test_list_query_keeps_the_filters_only(rf):
    assert list_query(rf.get("/", {"q": "x", "page": "3", "after": "abc", "before": "d"}).GET) == "q=x"
