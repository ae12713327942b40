"""Reads of tariffs. Prefetching happens here, so that a page of tariffs costs a fixed number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import PriceComponent, Tariff, TariffElement


def tariff_list() -> QuerySet[Tariff]:
    """All tariffs with their elements and price components, in OCPI order."""
    return Tariff.objects.prefetch_related(
        Prefetch(
            "elements",
            queryset=TariffElement.objects.order_by("position", "id").prefetch_related(
                Prefetch("price_components", queryset=PriceComponent.objects.order_by("position", "id"))
            ),
        )
    )


def tariff_get(*, ocpi_id: str, country_code: str | None = None, party_id: str | None = None) -> Tariff | None:
    """The tariff a Connector's ``tariff_ids`` entry names (our own party unless told otherwise)."""
    found = tariff_list().filter(ocpi_id=ocpi_id)
    if country_code is not None:
        found = found.filter(country_code=country_code)
    if party_id is not None:
        found = found.filter(party_id=party_id)
    return found.first()
