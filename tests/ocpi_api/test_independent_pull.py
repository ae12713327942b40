"""An independent eMSP's first full pull: it reads our version details and crawls every Sender list we serve from the
beginning, with no date_from, by following Link headers (OCPI 2.2.1 transport_and_format.asciidoc, pagination)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from billing.models import Cdr
from chargepoints.models import ChargingSession
from chargepoints.selectors import location_list_for_sync
from tariffs.selectors import tariff_list
from tests.chargepoints.sessions_support import T0

from .conftest import auth
from .drivers import charged_session, demo_tariff, registered_partner, roaming_station
from .test_pagination import next_link

pytestmark = pytest.mark.django_db
PAGE = 2  # smaller than every list below, so that each crawl needs its Link headers


def crawl(client, token: str, url: str) -> tuple[list[str], int]:
    """Every id of a paginated list, first page without any filter; and the number of pages it took."""
    ids: list[str] = []
    pages = 0
    next_url: str | None = f"{url}?limit={PAGE}"
    while next_url:
        response = client.get(next_url.removeprefix("http://testserver"), **auth(token))
        assert response.status_code == 200, (next_url, response.content)
        body = response.json()
        assert body["status_code"] == 1000, body
        ids.extend(item["id"] for item in body["data"])
        assert int(response["X-Total-Count"]) >= len(ids)
        assert "date_from" not in next_url
        next_url = next_link(response)
        pages += 1
    return ids, pages


def test_every_sender_list_is_pulled_from_the_beginning_without_date_from(client) -> None:
    partner, token = registered_partner()
    for kind in (("SWE", "DC"), ("DEU", "AC")):  # with roaming_station's SE-AC-STANDARD, three tariffs
        demo_tariff(*kind)
    for n in range(3):
        evse = roaming_station()
        # Years apart: a pull that silently began at some recent default date_from would miss the old ones.
        charged_session(evse, partner, start=T0 - timedelta(days=400 * n), minutes=20)
    expected = {
        "locations": [location.ocpi_id for location in location_list_for_sync().order_by("last_updated", "pk")],
        "sessions": list(ChargingSession.objects.order_by("last_updated", "pk").values_list("ocpi_id", flat=True)),
        "cdrs": list(Cdr.objects.order_by("last_updated", "pk").values_list("ocpi_id", flat=True)),
        "tariffs": [tariff.ocpi_id for tariff in tariff_list().order_by("last_updated", "pk")],
    }
    assert all(len(ids) == 3 for ids in expected.values()), expected

    details = client.get("/ocpi/2.2.1", **auth(token)).json()["data"]
    senders = {e["identifier"]: e["url"] for e in details["endpoints"] if e["role"] == "SENDER"}
    senders.pop("credentials")  # a single object, not a list
    assert set(senders) == set(expected), "a Sender module we serve has no expectation in this test"
    for module, url in senders.items():
        ids, pages = crawl(client, token, url)
        assert ids == expected[module], module
        assert pages == 2, module
