"""``import_locations --from-url``: the old back office's live endpoint, on loopback, page by page by Link."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from chargepoints.models import Connector, Location
from tests.chargepoints.feeds import operator_feed
from tests.loopback import LoopbackServer, Reply, Request, envelope, token_in

pytestmark = pytest.mark.django_db
TOKEN = "old-system-token"


@dataclass
class OldBackOffice(LoopbackServer):
    """Versions, version details and a paginated Locations endpoint; ``version`` is what it speaks."""

    locations: list[dict[str, Any]] = field(default_factory=list)
    version: str = "2.2.1"
    page_size: int = 7
    raw_token_only: bool = False
    paths: list[str] = field(default_factory=list)

    def answer(self, request: Request) -> Reply:
        self.paths.append(request.path)
        if not token_in(request.headers.get("Authorization", ""), [TOKEN], encoded=not self.raw_token_only):
            return Reply(401, envelope(2001, message="Unknown token"))
        base = self.base_url
        if request.route == "/ocpi/versions":
            return Reply(200, envelope(data=[{"version": self.version, "url": f"{base}/ocpi/{self.version}"}]))
        if request.route == f"/ocpi/{self.version}":
            endpoint = {"identifier": "locations", "url": f"{base}/ocpi/{self.version}/locations"}
            if self.version != "2.1.1":
                endpoint["role"] = "SENDER"
            return Reply(200, envelope(data={"version": self.version, "endpoints": [endpoint]}))
        if request.route == f"/ocpi/{self.version}/locations":
            offset = int(request.query.get("offset", ["0"])[0])
            page = self.locations[offset : offset + self.page_size]
            headers = {"X-Total-Count": str(len(self.locations)), "X-Limit": str(self.page_size)}
            if offset + self.page_size < len(self.locations):
                headers["Link"] = f'<{base}/ocpi/{self.version}/locations?offset={offset + self.page_size}>; rel="next"'
            return Reply(200, envelope(data=page), headers)
        return Reply(404, envelope(2000, message="no such path"))


@pytest.fixture
def old_system():
    server = OldBackOffice().start()
    yield server
    server.stop()


def _pull(url: str, **options: Any) -> str:
    out = StringIO()
    call_command("import_locations", format="ocpi", from_url=url, token=TOKEN, stdout=out, **options)
    return out.getvalue()


@pytest.mark.parametrize("start", ["/ocpi/versions", "/ocpi/2.2.1", "/ocpi/2.2.1/locations"])
def test_every_page_is_pulled_repaired_and_reported(old_system, tmp_path, start):
    old_system.locations = operator_feed("my", 30)  # ids as numbers, numeric coordinates, "Asia/Kuala Lumpur"
    report = tmp_path / "report.csv"
    out = _pull(old_system.base_url + start, report=str(report))

    assert "30 records: 29 created, 0 updated, 0 unchanged, 29 repaired, 1 rejected" in out
    assert "repaired time_zone.spelling: 29" in out
    # 30 locations, 7 a page; a Locations URL given directly is read once more to find out what it is.
    assert sum("/locations" in path for path in old_system.paths) == (6 if start.endswith("locations") else 5)
    assert Location.objects.count() == 29
    assert {row["rule"] for row in csv.DictReader(report.open())} >= {"id.string", "coordinates.number"}
    assert "30 records: 0 created, 0 updated, 29 unchanged" in _pull(old_system.base_url + start)


def test_a_2_1_1_system_with_a_raw_token(old_system):
    old_system.version, old_system.raw_token_only = "2.1.1", True
    old_system.locations = operator_feed("de", 10)
    out = _pull(old_system.base_url + "/ocpi/versions", country_code="DE", party_id="OLD")
    assert "10 records: 10 created" in out
    assert set(Location.objects.values_list("party_id", flat=True)) == {"OLD"}
    assert Connector.objects.filter(max_voltage=0).count() == 0


def test_a_wrong_token_or_no_locations_endpoint_is_a_clear_error(old_system):
    with pytest.raises(CommandError, match=r"Cannot import from .*401"):
        call_command("import_locations", format="ocpi", from_url=old_system.base_url + "/ocpi/versions", token="wrong")
    with pytest.raises(CommandError, match=r"Cannot import from .*404"):
        _pull(old_system.base_url + "/ocpi/nothing")
    with pytest.raises(CommandError, match="either a FILE or --from-url"):
        call_command("import_locations", format="ocpi")
