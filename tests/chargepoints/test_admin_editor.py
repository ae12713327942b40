"""The admin's station editor: structured fields instead of JSON boxes, connectors edited within their EVSE."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chargepoints.models import Location
from tests.admin_forms import FormFields
from tests.factories import connector_data, evse_data, make_location

pytestmark = pytest.mark.django_db

LOGO = {"url": "https://cpo.example/logo.png", "category": "OPERATOR", "type": "png", "width": 120, "height": 40}


def _form(client: Client, location: Location) -> dict[str, list[str]]:
    parser = FormFields()
    parser.feed(client.get(_url(location)).content.decode())
    return {name: values for name, values in parser.data.items() if not name.startswith("_")}


def _url(location: Location) -> str:
    return reverse("admin:chargepoints_location_change", args=[location.pk])


def _post(client: Client, location: Location, data: dict[str, list[str]]) -> str:
    response = client.post(_url(location), {**data, "_save": "Save"})
    return response.content.decode() if response.status_code == 200 else ""


def test_the_location_page_has_no_raw_json_boxes(ops_client: Client) -> None:
    location = make_location(facilities=["CAFE"], owner={"name": "Owner AB", "logo": LOGO})
    page = ops_client.get(_url(location)).content.decode()
    for field in ("facilities", "images", "energy_mix", "owner", "operator", "directions", "related_locations"):
        assert f'<textarea name="{field}"' not in page
    assert re.search(r'<input type="checkbox" name="facilities" value="CAFE"[^>]* checked>', page)
    assert 'name="owner-0-name" value="Owner AB"' in page
    # Connectors are edited inside their EVSE, on the same page.
    assert 'name="evses-0-connectors-0-max_amperage"' in page


def test_structured_fields_save_ocpi_json_and_keep_what_they_do_not_show(ops_client: Client) -> None:
    location = make_location(owner={"name": "Owner AB", "logo": {**LOGO, "thumbnail": "https://cpo.example/t.png"}})
    data = _form(ops_client, location)
    data.update(
        {
            "facilities": ["CAFE", "WIFI"],
            "images-total": ["1"],
            "images-0-url": ["https://cpo.example/site.jpg"],
            "images-0-category": ["LOCATION"],
            "images-0-type": ["jpeg"],
            "images-0-width": ["800"],
            "owner-0-name": ["Owner Holding AB"],
            "energy_mix_green": ["yes"],
            "energy_mix_sources-total": ["2"],
            "energy_mix_sources-0-source": ["SOLAR"],
            "energy_mix_sources-0-percentage": ["60"],
            "energy_mix_sources-1-source": ["WIND"],
            "energy_mix_sources-1-percentage": ["40.5"],
            "energy_mix_supplier": ["Grön El AB"],
            "evses-0-connectors-0-max_amperage": ["16"],
            "evses-0-connectors-0-tariff_ids": ["AC-1, AC-2"],
        }
    )
    assert _post(ops_client, location, data) == ""
    location.refresh_from_db()
    assert location.facilities == ["CAFE", "WIFI"]
    assert location.images == [
        {"url": "https://cpo.example/site.jpg", "category": "LOCATION", "type": "jpeg", "width": 800}
    ]
    # The logo's thumbnail, width and height have no input of their own: they ride along unchanged.
    assert location.owner == {"name": "Owner Holding AB", "logo": {**LOGO, "thumbnail": "https://cpo.example/t.png"}}
    assert location.energy_mix == {
        "is_green_energy": True,
        "energy_sources": [{"source": "SOLAR", "percentage": 60}, {"source": "WIND", "percentage": 40.5}],
        "supplier_name": "Grön El AB",
    }
    connector = location.evses.get().connectors.get()
    assert (connector.max_amperage, connector.tariff_ids) == (16, ["AC-1", "AC-2"])


def test_clearing_a_row_removes_it_and_an_untouched_form_changes_nothing(ops_client: Client) -> None:
    location = make_location(images=[{"url": "https://cpo.example/a.jpg", "category": "LOCATION", "type": "jpeg"}])
    before = Location.objects.get(pk=location.pk).last_updated
    assert _post(ops_client, location, _form(ops_client, location)) == ""
    location.refresh_from_db()
    assert location.images == [{"url": "https://cpo.example/a.jpg", "category": "LOCATION", "type": "jpeg"}]
    data = _form(ops_client, location)
    data.update({"images-0-url": [""], "images-0-category": [""], "images-0-type": [""]})
    assert _post(ops_client, location, data) == ""
    location.refresh_from_db()
    assert location.images == []
    assert location.last_updated > before


def test_the_domains_validation_messages_name_the_field(ops_client: Client) -> None:
    location = make_location()
    data = _form(ops_client, location)
    data.update({"images-total": ["1"], "images-0-url": ["https://cpo.example/a.jpg"], "images-0-type": ["jpeg"]})
    data.update({"energy_mix_sources-total": ["1"], "energy_mix_sources-0-source": ["SOLAR"]})
    page = _post(ops_client, location, data)
    assert "images[0].category" in page
    assert "energy_mix.is_green_energy" in page
    # What staff typed is shown again, so they fix it rather than type it again.
    assert 'name="images-0-url" value="https://cpo.example/a.jpg"' in page
    data.update({"images-0-category": ["LOCATION"], "images-0-width": ["wide"]})
    assert "Row 1, Width (px): enter a number." in _post(ops_client, location, data)
    assert Location.objects.get(pk=location.pk).images == []


def test_a_new_evse_with_its_connector_is_added_on_the_location_page(ops_client: Client) -> None:
    location = make_location()
    data = _form(ops_client, location)
    data.update(
        {
            "evses-TOTAL_FORMS": ["2"],
            "evses-1-uid": ["NEW-1"],
            "evses-1-evse_id": ["SE*CPO*ENEW1"],
            "evses-1-status": ["AVAILABLE"],
            "evses-1-capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
            "evses-1-connectors-TOTAL_FORMS": ["1"],
            "evses-1-connectors-INITIAL_FORMS": ["0"],
            "evses-1-connectors-0-connector_id": ["1"],
            "evses-1-connectors-0-standard": ["IEC_62196_T2_COMBO"],
            "evses-1-connectors-0-format": ["CABLE"],
            "evses-1-connectors-0-power_type": ["DC"],
            "evses-1-connectors-0-max_voltage": ["920"],
            "evses-1-connectors-0-max_amperage": ["200"],
        }
    )
    assert _post(ops_client, location, data) == ""
    evse = location.evses.get(uid="NEW-1")
    assert evse.capabilities == ["RFID_READER", "REMOTE_START_STOP_CAPABLE"]
    assert evse.connectors.get().standard == "IEC_62196_T2_COMBO"


def test_the_location_page_costs_the_same_queries_for_one_evse_or_many(ops_client: Client) -> None:
    small = make_location()
    large = make_location(evses=[evse_data(connectors=[connector_data(connector_id=str(n))]) for n in range(1, 6)])
    counts = []
    for location in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert ops_client.get(_url(location)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
