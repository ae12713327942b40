"""OCPI pagination on the Locations list: crawl by Link, headers, filters, bad parameters."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from chargepoints.models import Location

from .conftest import auth

pytestmark = pytest.mark.django_db
URL = "/ocpi/cpo/2.2.1/locations"
START = datetime(2024, 1, 1, tzinfo=UTC)
LINK_RE = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


def bulk_locations(
    count: int, *, same_time_every: int = 7, roaming: bool = True, prefix: str = "BULK"
) -> list[Location]:
    """Rows straight into the table; groups of locations share a last_updated so that the id must break ties."""
    rows = [
        Location(
            ocpi_id=f"{prefix}-{i:05d}",
            address=f"Street {i}",
            city="Uppsala",
            country="SWE",
            latitude="59.858562",
            longitude="17.638927",
            lat=59.858562,
            lon=17.638927,
            roaming_enabled=roaming,
            last_updated=START + timedelta(seconds=i // same_time_every),
        )
        for i in range(count)
    ]
    return Location.objects.bulk_create(rows, batch_size=500)


def next_link(response) -> str | None:
    if "Link" not in response:
        return None
    match = LINK_RE.match(response["Link"])
    assert match, response["Link"]
    return match["url"]


def given_link(response) -> str:
    link = next_link(response)
    assert link is not None, "no Link header"
    return link


def test_crawl_by_link_sees_every_location_exactly_once(client, partner) -> None:
    _, token = partner
    bulk_locations(2500)
    bulk_locations(30, roaming=False, prefix="PRIVATE")  # never served, never counted
    seen: list[str] = []
    url: str | None = f"http://testserver{URL}?limit=100"
    pages = 0
    while url:
        response = client.get(url, **auth(token))
        assert response.status_code == 200
        assert response["X-Total-Count"] == "2500"
        assert response["X-Limit"] == "1000"
        seen.extend(location["id"] for location in response.json()["data"])
        url = next_link(response)
        pages += 1
    assert pages == 25
    assert len(seen) == 2500
    assert len(set(seen)) == 2500
    assert seen == [f"BULK-{i:05d}" for i in range(2500)]  # oldest first, ties in id order


def test_link_keeps_filters_and_uses_the_request_host(client, partner, settings) -> None:
    _, token = partner
    settings.ALLOWED_HOSTS = ["ocpi.cpo.example"]
    bulk_locations(50)
    date_from, date_to = "2024-01-01T00:00:01Z", "2024-01-01T00:00:05Z"
    response = client.get(
        URL,
        {"date_from": date_from, "date_to": date_to, "limit": 10},
        HTTP_HOST="ocpi.cpo.example",
        secure=True,
        **auth(token),
    )
    # last_updated in [1 s, 5 s): locations 7..34
    assert response["X-Total-Count"] == "28"
    link = urlsplit(given_link(response))
    assert (link.scheme, link.netloc, link.path) == ("https", "ocpi.cpo.example", URL)
    assert parse_qs(link.query) == {"date_from": [date_from], "date_to": [date_to], "offset": ["10"], "limit": ["10"]}
    ids = [loc["id"] for loc in response.json()["data"]]
    assert ids[0] == "BULK-00007"


def test_date_from_is_inclusive_and_date_to_exclusive(client, partner) -> None:
    _, token = partner
    bulk_locations(21, same_time_every=7)  # 7 locations at +0 s, +1 s, +2 s

    def count(**params: str) -> int:
        return int(client.get(URL, params, **auth(token))["X-Total-Count"])

    assert count(date_from="2024-01-01T00:00:01Z") == 14
    assert count(date_to="2024-01-01T00:00:01Z") == 7
    assert count(date_from="2024-01-01T00:00:01", date_to="2024-01-01T00:00:02.000Z") == 7
    assert count(date_from="2024-01-01T01:00:01+01:00") == 14  # an offset is accepted and converted


def test_limit_above_the_maximum_is_capped_not_refused(client, partner, settings) -> None:
    _, token = partner
    settings.OCPI_MAX_PAGE_SIZE = 20
    bulk_locations(30)
    response = client.get(URL, {"limit": 2000}, **auth(token))
    assert response.status_code == 200
    assert len(response.json()["data"]) == 20
    assert response["X-Limit"] == "20"
    assert parse_qs(urlsplit(given_link(response)).query)["limit"] == ["20"]


def test_default_page_and_past_the_end(client, partner, settings) -> None:
    _, token = partner
    settings.OCPI_DEFAULT_PAGE_SIZE = 4
    bulk_locations(6)
    first = client.get(URL, **auth(token))
    assert len(first.json()["data"]) == 4
    assert given_link(first).endswith("offset=4&limit=4")
    last = client.get(URL, {"offset": 4}, **auth(token))
    assert len(last.json()["data"]) == 2
    assert "Link" not in last
    beyond = client.get(URL, {"offset": 100}, **auth(token))
    assert beyond.json()["data"] == []
    assert beyond["X-Total-Count"] == "6"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"offset": "-1"}, "offset"),
        ({"offset": "ten"}, "offset"),
        ({"offset": "1.5"}, "offset"),
        ({"limit": "abc"}, "limit"),
        ({"limit": ""}, "limit"),
        ({"date_to": ""}, "date_to"),
        ({"limit": "0"}, "limit"),
        ({"limit": "-5"}, "limit"),
        ({"limit": "9" * 40}, "limit"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2024-13-45T00:00:00Z"}, "date_from"),
        ({"date_to": "2024-01-01"}, "date_to"),
        ({"date_from": "2024-01-02T00:00:00Z", "date_to": "2024-01-01T00:00:00Z"}, "date_to"),
    ],
)
def test_bad_paging_parameters_are_2001_naming_the_field(client, partner, params, field) -> None:
    _, token = partner
    response = client.get(URL, params, **auth(token))
    assert response.status_code == 400
    body = response.json()
    assert body["status_code"] == 2001
    assert f"'{field}'" in body["status_message"]
    assert body["data"] is None
