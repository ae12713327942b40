"""An imported status is not live: a data set's snapshot (NOBIL's real-time flags of 2019, BNetzA's "In Betrieb")
says nothing about who charges now. The EVSE stays UNKNOWN, as partners see it too, until a live source (a charger,
the simulator, staff) reports; the dashboard's figures then agree with the sessions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from chargepoints.models import EVSE, ChargingSession
from chargepoints.selectors import catalogue_overview, location_list_for_sync
from chargepoints.services import LocationInput, evse_set_status, location_upsert
from chargepoints.sessions.enums import SessionStatus
from ocpi_api.modules.locations.serializers import location_to_ocpi
from tests.factories import evse_data, location_data, operations_user
from tests.ocpi_api.drivers import charged_session, registered_partner

from .test_import_datasets import NOBIL, run_import

pytestmark = pytest.mark.django_db


def imported(*statuses: str, **fields: Any) -> LocationInput:
    evses = [evse_data(uid=f"nobil-1-{n}", status=status) for n, status in enumerate(statuses)]
    return location_data(source="nobil", source_ref="1", roaming_enabled=True, evses=evses, **fields)


def charging_figures() -> tuple[int, int]:
    """(EVSEs the dashboard counts as charging, sessions charging now)."""
    active = ChargingSession.objects.filter(status=SessionStatus.ACTIVE).count()
    return catalogue_overview().evses_by_status["CHARGING"], active


def test_imported_statuses_are_unknown_and_kept_as_what_the_data_set_said() -> None:
    location = location_upsert(data=imported("CHARGING", "AVAILABLE", "OUTOFORDER", "PLANNED")).location
    rows = list(location.evses.order_by("id").values_list("status", "import_status"))
    assert rows == [
        ("UNKNOWN", "CHARGING"),
        ("UNKNOWN", "AVAILABLE"),
        ("UNKNOWN", "OUTOFORDER"),
        ("PLANNED", "PLANNED"),  # a lifecycle fact, not a live reading
    ]
    served = location_to_ocpi(location_list_for_sync().get(pk=location.pk))
    assert [e["status"] for e in served["evses"]] == ["UNKNOWN", "UNKNOWN", "UNKNOWN", "PLANNED"]
    assert all("import_status" not in e for e in served["evses"])
    assert charging_figures() == (0, 0)


def test_a_live_status_survives_a_reimport_and_the_dashboard_agrees(client) -> None:
    data = imported("CHARGING", "CHARGING", "AVAILABLE")
    location = location_upsert(data=data).location
    first, second, third = location.evses.order_by("id")
    partner, _ = registered_partner()
    charged_session(first, partner, minutes=20, kw=Decimal(11), stop=False)  # a live source: the charger
    evse_set_status(evse=third, status="OUTOFORDER")  # staff
    assert charging_figures() == (1, 1)

    data["evses"][0]["status"] = "AVAILABLE"  # the next import says otherwise, and is not live either
    data["evses"][2]["status"] = "CHARGING"
    location_upsert(data=data)
    statuses = dict(EVSE.objects.values_list("uid", "status"))
    assert statuses == {first.uid: "CHARGING", second.uid: "UNKNOWN", third.uid: "OUTOFORDER"}
    assert charging_figures() == (1, 1)

    client.force_login(operations_user())
    page = client.get(reverse("stations:dashboard")).content.decode()
    assert "1 charging" in page
    assert "2 with no live status" not in page  # one unknown, not two
    assert "1 with no live status" in page


def test_a_data_set_may_retire_an_evse_and_bring_it_back() -> None:
    data = imported("AVAILABLE", "AVAILABLE")
    location = location_upsert(data=data).location
    gone = location.evses.order_by("id").last()
    assert gone is not None
    evse_set_status(evse=gone, status="AVAILABLE")  # reported live meanwhile
    kept = data["evses"].pop()
    location_upsert(data=data)
    gone.refresh_from_db()
    assert gone.status == "REMOVED"
    data["evses"].append(kept)
    location_upsert(data=data)
    gone.refresh_from_db()
    assert (gone.status, gone.import_status) == ("UNKNOWN", "AVAILABLE")


def test_the_real_nobil_file_brings_no_live_status() -> None:
    run_import(NOBIL, "nobil")
    assert set(EVSE.objects.values_list("status", flat=True)) == {"UNKNOWN"}
    assert {"AVAILABLE", "OUTOFORDER"} <= set(EVSE.objects.values_list("import_status", flat=True))
    assert charging_figures() == (0, 0)


def test_staff_and_owners_of_a_station_still_set_its_status_directly() -> None:
    """Without a data set (staff, a charger network's own OCPI feed), the status given is the status."""
    location = location_upsert(data=location_data(evses=[evse_data(status="BLOCKED")])).location
    assert location.evses.get().status == "BLOCKED"
