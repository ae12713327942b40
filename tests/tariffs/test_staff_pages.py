"""The tariff pages (list, detail with price preview) and the tariff editor in the admin."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from ocpi_api.modules.tariffs.serializers import tariff_input
from tariffs.models import PriceComponent, Tariff
from tariffs.services import tariff_replace
from tariffs.views import restrictions_in_words

from .helpers import spec_json

pytestmark = pytest.mark.django_db


def member(client: Client, group: str, *, staff: bool = False) -> User:
    user = User.objects.create_user(group.replace(" ", "_").lower(), password="pw", is_staff=staff)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


@pytest.fixture
def complex_tariff() -> Tariff:
    return tariff_replace(data=tariff_input(spec_json("tariff_4_complex.json")))


def test_pages_need_a_login_and_the_tariff_permission(client: Client, complex_tariff: Tariff) -> None:
    assert client.get("/tariffs/").status_code == 302
    client.force_login(User.objects.create_user("nobody", password="pw"))
    assert client.get("/tariffs/").status_code == 403
    assert client.get(f"/tariffs/{complex_tariff.pk}/").status_code == 403


def test_finance_reads_without_edit_links(client: Client, complex_tariff: Tariff) -> None:
    member(client, "Finance")
    page = client.get("/tariffs/").content.decode()
    assert f"/tariffs/{complex_tariff.pk}/" in page
    assert "New tariff" not in page
    detail = client.get(f"/tariffs/{complex_tariff.pk}/").content.decode()
    assert "Edit in the tariff editor" not in detail
    assert "Mon–Fri · from 32 A" in detail
    assert "PARKING_TIME 5.00/h + 10 % VAT, step 300" in detail


def test_the_preview_starts_filled_in_with_the_current_local_minute(client: Client, complex_tariff: Tariff) -> None:
    member(client, "Finance")
    before = datetime.now(ZoneInfo("Europe/Stockholm"))
    page = client.get(f"/tariffs/{complex_tariff.pk}/").content.decode()
    after = datetime.now(ZoneInfo("Europe/Stockholm"))
    assert any(f'name="start" value="{moment:%Y-%m-%dT%H:%M}"' in page for moment in (before, after))
    assert 'id="price-lines"' not in page  # nothing is priced until staff ask


def test_restrictions_read_as_words_with_the_spec_bounds() -> None:
    restrictions = {
        "start_time": time(22, 0),
        "end_time": time(6, 0),
        "day_of_week": ["SATURDAY", "SUNDAY"],
        "start_date": date(2026, 1, 1),
        "end_date": date(2026, 7, 1),
        "min_kwh": Decimal("10.000"),
        "max_kwh": Decimal("50.5"),
        "min_power": Decimal("50"),
        "max_current": Decimal("32.0000"),
        "min_duration": 2700,
        "max_duration": 5430,
        "reservation": "RESERVATION_EXPIRES",
    }
    assert restrictions_in_words(restrictions) == [
        "22:00–06:00",
        "Sat, Sun",
        "from 2026-01-01",
        "before 2026-07-01",
        "from 10 kWh",
        "below 50.5 kWh",
        "below 32 A",
        "from 50 kW",
        "after 45 min",
        "during the first 90 min 30 s",
        "when the reservation expires",
    ]
    assert restrictions_in_words({"start_time": time(7, 0)}) == ["07:00–24:00"]
    assert restrictions_in_words({"day_of_week": ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "FRIDAY"]}) == [
        "Mon–Wed, Fri, Sun"
    ]
    assert restrictions_in_words({"max_duration": 7200, "reservation": "RESERVATION"}) == [
        "during the first 2 h",
        "while reserved",
    ]


def test_operations_get_the_editor_links(client: Client, complex_tariff: Tariff) -> None:
    member(client, "CPO operations", staff=True)
    assert "New tariff" in client.get("/tariffs/").content.decode()
    assert (
        f"/admin/tariffs/tariff/{complex_tariff.pk}/change/"
        in client.get(f"/tariffs/{complex_tariff.pk}/").content.decode()
    )


def preview(client: Client, tariff: Tariff, **values: Any) -> str:
    query: dict[str, Any] = {
        "start": "2024-06-03T09:30",
        "time_zone": "Europe/Berlin",
        "duration_minutes": 165,
        "energy_kwh": 10,
        "parking_minutes": 42,
        "max_current_a": 16,
    } | values
    response = client.get(f"/tariffs/{tariff.pk}/", query)
    assert response.status_code == 200
    return response.content.decode()


class _Rows(HTMLParser):
    """The rows of the price preview table, as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.inside = False
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div" and ("id", "price-lines") in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def preview_rows(page: str) -> list[list[str]]:
    parser = _Rows()
    parser.feed(page)
    return parser.rows[1:]  # without the header


def test_price_preview_shows_each_part_of_the_session(client: Client, complex_tariff: Tariff) -> None:
    member(client, "Finance")
    rows = preview_rows(preview(client, complex_tariff))  # T11-A: Monday, 16 A
    assert rows[:3] == [
        ["Mon 09:30", "charging", "FLAT", "1, component 1", "1 ×", "1 ×", "2.50", "15 %", "2.5000", "2.8750"],
        ["Mon 09:30–12:15", "charging", "TIME", "2, component 1", "165 min", "165 min", "1.00", "20 %", "2.7500", "3.3000"],  # noqa: E501
        ["Mon 12:15–12:57", "parking", "PARKING_TIME", "5, component 1", "42 min", "45 min", "5.00", "10 %", "3.7500", "4.1250"],  # noqa: E501
    ]  # fmt: skip
    assert rows[-1] == ["Total (EUR, tariff 14)", "9.00", "10.30"]
    assert ["Parking", "3.75", "4.13"] in rows
    saturday = preview(
        client, complex_tariff, start="2024-06-08T13:30", duration_minutes=114, parking_minutes=71, max_current_a=43
    )
    # T11-B with the corrected charging cost
    assert preview_rows(saturday)[-1] == ["Total (EUR, tariff 14)", "12.38", "13.98"]
    assert "PARKING_TIME (charging time is not rounded when parking follows) total 71 min rounded up" in saturday


def test_price_preview_in_the_location_time_zone(client: Client) -> None:
    member(client, "Finance")
    tariff = tariff_replace(data=tariff_input(spec_json("tariff_14_step_size.json")))
    page = preview(
        client,
        tariff,
        start="2024-06-03T19:40",
        time_zone="Europe/Stockholm",
        duration_minutes=12,
        energy_kwh=2,
        parking_minutes=20,
    )
    rows = preview_rows(page)
    assert rows[2][:4] == ["Mon 20:00–20:12", "parking", "PARKING_TIME", "none: free"]
    assert rows[-1] == ["Total (EUR, tariff 22)", "0.73", "0.73"]


def test_price_preview_explains_bad_input_and_an_inapplicable_tariff(client: Client) -> None:
    member(client, "Finance")
    tariff = tariff_replace(data=tariff_input(spec_json("tariff_6_025kwh_start_max_price.json")))
    page = preview(client, tariff, time_zone="Mars/Olympus")
    assert "&#x27;Mars/Olympus&#x27; is not an IANA time zone" in page
    page = preview(client, tariff, start="2024-06-03T09:30")
    assert "This tariff does not apply: tariff 16 is valid until 2019-06-30T23:59:59Z" in page
    assert 'id="price-lines"' not in page


# --- The tariff editor (admin) -------------------------------------------------------------------------------------


def editor_post(**overrides: str) -> dict[str, str]:
    data = {
        "country_code": "SE",
        "party_id": "CPO",
        "ocpi_id": "NIGHT",
        "currency": "SEK",
        "type": "",
        "tariff_alt_text-total": "1",
        "tariff_alt_text-0-language": "",
        "tariff_alt_text-0-text": "",
        "tariff_alt_url": "",
        "elements-TOTAL_FORMS": "1",
        "elements-INITIAL_FORMS": "0",
        "elements-MIN_NUM_FORMS": "1",
        "elements-MAX_NUM_FORMS": "1000",
        "elements-0-position": "0",
        "elements-0-start_time": "22:00",
        "elements-0-end_time": "06:00",
        "elements-0-day_of_week": "MONDAY",
        "elements-0-reservation": "",
        "elements-0-price_components-TOTAL_FORMS": "2",
        "elements-0-price_components-INITIAL_FORMS": "0",
        "elements-0-price_components-MIN_NUM_FORMS": "1",
        "elements-0-price_components-MAX_NUM_FORMS": "1000",
        "elements-0-price_components-0-position": "0",
        "elements-0-price_components-0-type": "ENERGY",
        "elements-0-price_components-0-price": "2.50",
        "elements-0-price_components-0-vat": "25",
        "elements-0-price_components-0-step_size": "1",
        "elements-0-price_components-1-position": "1",
        "elements-0-price_components-1-type": "FLAT",
        "elements-0-price_components-1-price": "5",
        "elements-0-price_components-1-vat": "25",
        "elements-0-price_components-1-step_size": "1",
    }
    return data | overrides


@pytest.fixture
def editor(client: Client) -> Client:
    member(client, "CPO operations", staff=True)
    return client


def test_the_editor_saves_a_whole_tariff(editor: Client) -> None:
    response = editor.post("/admin/tariffs/tariff/add/", editor_post())
    assert response.status_code == 302, response.content.decode()[:3000]
    tariff = Tariff.objects.get(ocpi_id="NIGHT")
    (element,) = tariff.elements.all()
    assert element.day_of_week == ["MONDAY"]
    assert [c.type for c in element.price_components.all()] == ["ENERGY", "FLAT"]


def test_the_editor_edits_the_energy_mix_as_rows(editor: Client) -> None:
    mix = {
        "energy_mix_green": "yes",
        "energy_mix_sources-total": "2",
        "energy_mix_sources-0-source": "WIND",
        "energy_mix_sources-0-percentage": "70",
        "energy_mix_sources-1-source": "SOLAR",
        "energy_mix_sources-1-percentage": "29.5",
        "energy_mix_impact-total": "1",
        "energy_mix_impact-0-category": "CARBON_DIOXIDE",
        "energy_mix_impact-0-amount": "0",
        "energy_mix_supplier": "Grön El AB",
        "energy_mix_product": "",
    }
    assert editor.post("/admin/tariffs/tariff/add/", editor_post(**mix)).status_code == 302
    tariff = Tariff.objects.get(ocpi_id="NIGHT")
    assert tariff.energy_mix == {
        "is_green_energy": True,
        "energy_sources": [{"source": "WIND", "percentage": 70}, {"source": "SOLAR", "percentage": 29.5}],
        "environ_impact": [{"category": "CARBON_DIOXIDE", "amount": 0}],
        "supplier_name": "Grön El AB",
    }
    page = editor.get(f"/admin/tariffs/tariff/{tariff.pk}/change/").content.decode()
    assert 'name="energy_mix_sources-1-percentage" value="29.5"' in page
    assert '<option value="SOLAR" selected>Solar</option>' in page


def test_the_editor_edits_the_alternative_texts_as_rows(editor: Client) -> None:
    texts = {
        "tariff_alt_text-total": "2",
        "tariff_alt_text-0-language": "sv",
        "tariff_alt_text-0-text": "2,50 kr/kWh nattetid",
        "tariff_alt_text-1-language": "en",
        "tariff_alt_text-1-text": "2.50 SEK/kWh at night",
    }
    assert editor.post("/admin/tariffs/tariff/add/", editor_post(**texts)).status_code == 302
    assert Tariff.objects.get(ocpi_id="NIGHT").tariff_alt_text == [
        {"language": "sv", "text": "2,50 kr/kWh nattetid"},
        {"language": "en", "text": "2.50 SEK/kWh at night"},
    ]
    bad = editor.post("/admin/tariffs/tariff/add/", editor_post(**{**texts, "tariff_alt_text-1-language": "eng"}))
    assert "[1].language: a two-letter ISO 639-1 code such as en or sv." in bad.content.decode()


def test_the_editor_saves_no_energy_mix_when_its_rows_are_empty(editor: Client) -> None:
    response = editor.post("/admin/tariffs/tariff/add/", editor_post(**{"energy_mix_sources-total": "1"}))
    assert response.status_code == 302
    assert Tariff.objects.get(ocpi_id="NIGHT").energy_mix is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        # The energy mix's messages are the domain's (tariffs.validators), whatever the widget.
        ({"energy_mix_sources-total": "1", "energy_mix_sources-0-source": "WIND"}, "energy_mix needs is_green_energy"),
        (
            {"energy_mix_green": "no", "energy_mix_sources-total": "1", "energy_mix_sources-0-source": "WIND"},
            "energy_sources[0].percentage must be a number from 0 to 100",
        ),
        (
            {"energy_mix_green": "no", "energy_mix_supplier": "x" * 65},
            "supplier_name is text of at most 64 characters",
        ),
        ({"elements-0-price_components-0-price": "-1"}, "A price cannot be negative"),
        ({"elements-0-price_components-1-step_size": "300"}, "step_size has no meaning on a FLAT component"),
        ({"currency": "SEKK"}, "Ensure this value has at most 3 characters"),
        ({"currency": "XYZ"}, "is not an ISO 4217 currency code"),
        ({"elements-0-end_time": "22:00"}, "start_time and end_time are equal"),
        ({"elements-0-min_kwh": "10", "elements-0-max_kwh": "5"}, "min_kwh (10) must be below max_kwh (5)"),
        ({"elements-0-price_components-1-type": "ENERGY"}, "Only one ENERGY component per element"),
        ({"elements-0-reservation": "RESERVATION"}, "may only hold FLAT and TIME components"),
        (
            {
                "start_date_time_0": "2025-02-01",
                "start_date_time_1": "00:00",
                "end_date_time_0": "2025-01-01",
                "end_date_time_1": "00:00",
            },
            "The tariff would end",
        ),
    ],
)
def test_the_editor_refuses_what_ocpi_cannot_express_and_says_why(
    editor: Client, overrides: dict[str, str], message: str
) -> None:
    response = editor.post("/admin/tariffs/tariff/add/", editor_post(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Tariff.objects.exists()
    assert not PriceComponent.objects.exists()


def test_finance_cannot_use_the_editor(client: Client, complex_tariff: Tariff) -> None:
    member(client, "Finance", staff=True)
    assert client.post(f"/admin/tariffs/tariff/{complex_tariff.pk}/change/", editor_post()).status_code == 403
