"""Storing tariffs: the service that writes whole tariffs, the model's validation, last_updated, engine input."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from pytest_django import DjangoAssertNumQueries

from ocpi_api.modules.tariffs.serializers import pricing_tariff_from_ocpi, tariff_input
from tariffs import pricing
from tariffs.models import PriceComponent, Tariff, TariffElement
from tariffs.selectors import tariff_get, tariff_list
from tariffs.services import tariff_data, tariff_pricing, tariff_replace
from tariffs.signals import tariff_changed

from .helpers import SPEC_EXAMPLES, spec_json

pytestmark = pytest.mark.django_db
D = Decimal
SPEC_TARIFFS = sorted(p.name for p in SPEC_EXAMPLES.glob("tariff*.json") if p.name != "tariff_put_example.json")


@pytest.mark.parametrize("name", SPEC_TARIFFS)
def test_every_spec_tariff_is_stored_and_read_back_for_the_engine_unchanged(name: str) -> None:
    stored = tariff_replace(data=tariff_input(spec_json(name)))
    assert tariff_pricing(tariff=stored) == pricing_tariff_from_ocpi(spec_json(name))


def test_replace_is_wholesale_and_keeps_one_row_per_id() -> None:
    first = tariff_replace(data=tariff_input(spec_json("tariff_4_complex.json")))
    assert first.elements.count() == 6
    data = tariff_input(spec_json("tariff_1_simple_2hour.json"))
    data["id"] = "14"  # same id as tariff_4: replaces it
    second = tariff_replace(data=data)
    assert second.pk == first.pk
    assert Tariff.objects.count() == 1
    assert [e.restrictions() for e in second.elements.all()] == [{}]
    assert second.tariff_alt_url == ""  # PUT semantics: not given means empty
    assert PriceComponent.objects.count() == 1


def test_replace_announces_the_change() -> None:
    seen: list[str] = []

    def receiver(sender: object, tariff: Tariff, **kwargs: object) -> None:
        seen.append(tariff.ocpi_id)

    tariff_changed.connect(receiver)
    try:
        tariff_replace(data=tariff_input(spec_json("tariff_8_simple_025kwh.json")))
    finally:
        tariff_changed.disconnect(receiver)
    assert seen == ["16"]


def test_an_invalid_element_leaves_the_stored_tariff_untouched() -> None:
    tariff_replace(data=tariff_input(spec_json("tariff_9_025kwh_start.json")))
    data = tariff_input(spec_json("tariff_9_025kwh_start.json"))
    data["elements"][0]["price_components"][0]["step_size"] = 60  # step_size on FLAT
    with pytest.raises(ValidationError) as error:
        tariff_replace(data=data)
    assert "elements[0].price_components[0].step_size" in error.value.message_dict
    assert [c.step_size for c in PriceComponent.objects.all()] == [1, 1]


def test_children_changes_bump_last_updated() -> None:
    tariff = tariff_replace(data=tariff_input(spec_json("tariff_9_025kwh_start.json")))
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    Tariff.objects.filter(pk=tariff.pk).update(last_updated=long_ago)
    component = PriceComponent.objects.filter(element__tariff=tariff).first()
    assert component is not None
    component.price = D("0.30")
    component.save()
    tariff.refresh_from_db()
    assert tariff.last_updated > long_ago
    Tariff.objects.filter(pk=tariff.pk).update(last_updated=long_ago)
    TariffElement.objects.filter(tariff=tariff).first().delete()  # type: ignore[union-attr]
    tariff.refresh_from_db()
    assert tariff.last_updated > long_ago


def _messages(obj: Tariff | TariffElement | PriceComponent) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        obj.full_clean(exclude=["tariff", "element"])
    return error.value.message_dict


def test_validation_explains_what_ocpi_cannot_express() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    tariff = Tariff(ocpi_id="X", currency="EUR", start_date_time=start)
    tariff.end_date_time = start - timedelta(days=1)
    assert "before it starts" in _messages(tariff)["end_date_time"][0]
    assert "ISO 4217" in _messages(Tariff(ocpi_id="X", currency="EUX"))["currency"][0]
    assert "capitals" in _messages(Tariff(ocpi_id="X", currency="eur"))["currency"][0]
    limits = Tariff(ocpi_id="X", currency="EUR", min_price_excl_vat=D(5), max_price_excl_vat=D(4))
    assert "above max_price" in _messages(limits)["max_price_excl_vat"][0]

    assert "cannot be negative" in _messages(PriceComponent(type="ENERGY", price=D("-0.1")))["price"][0]
    assert "no meaning on a FLAT" in _messages(PriceComponent(type="FLAT", price=D(1), step_size=300))["step_size"][0]
    PriceComponent(type="FLAT", price=D(0), step_size=0).full_clean(exclude=["element"])  # valid: tariff_5

    equal = TariffElement(start_time=time(10), end_time=time(10))
    assert "equal" in _messages(equal)["end_time"][0]
    TariffElement(start_time=time(22), end_time=time(6)).full_clean(exclude=["tariff"])  # wraps past midnight: fine
    dates = TariffElement(start_date=date(2025, 2, 1), end_date=date(2025, 1, 1))
    assert "never apply" in _messages(dates)["end_date"][0]
    assert "below max_kwh" in _messages(TariffElement(min_kwh=D(10), max_kwh=D(5)))["max_kwh"][0]


def test_selectors_prefetch_whole_tariffs(django_assert_num_queries: DjangoAssertNumQueries) -> None:
    for name in ("tariff_4_complex.json", "tariff_14_step_size.json", "tariff_17_reservation_with_expire_fee.json"):
        tariff_replace(data=tariff_input(spec_json(name)))
    with django_assert_num_queries(3):
        engines = [tariff_pricing(tariff=t) for t in tariff_list()]
    assert [len(t.elements) for t in engines] == [6, 3, 3]
    found = tariff_get(ocpi_id="22")
    assert found is not None
    assert tariff_data(tariff=found)["elements"][0]["restrictions"] == {"start_time": time(0), "end_time": time(17)}
    assert isinstance(tariff_pricing(tariff=found), pricing.Tariff)
