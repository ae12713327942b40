"""Station search results for display: each location's connectors summarised, the connector that fits the filters,
and a price example for it; one page of them. Shared by the partner API and the public map."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    Window,
)
from django.utils import timezone
from django_stubs_ext import StrOrPromise

from tariffs import pricing
from tariffs.models import Tariff, TariffType
from tariffs.selectors import tariff_list
from tariffs.services import tariff_pricing

from .enums import ConnectorType, EvseStatus
from .models import Connector, Location
from .opening_hours import is_open
from .search import StationFilters, station_search

PRICE_EXAMPLE_KWH = Decimal(20)
# get_standard_display() flattens all 40 choices on every call; a page of results needs it hundreds of times.
STANDARD_LABELS: dict[str, StrOrPromise] = dict(ConnectorType.choices)

# --- Results for display --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectorSummary:
    """Connectors of one standard and power type at a location: "2 × CCS2 DC up to 150 kW, 1 free"."""

    standard: str
    standard_label: StrOrPromise
    power_type: str
    format: str
    max_power_kw: float
    count: int
    available: int


@dataclass(frozen=True)
class PriceExample:
    """What 20 kWh would cost if charging started now on the connector the searcher would pick."""

    tariff_id: str
    currency: str
    energy_kwh: Decimal
    power_kw: float
    connector_label: str
    excl_vat: Decimal
    incl_vat: Decimal | None


@dataclass(frozen=True)
class StationResult:
    location: Location
    distance_km: float | None
    max_power_kw: float
    evse_count: int
    available_count: int
    is_open: bool
    connectors: list[ConnectorSummary] = field(default_factory=list)
    price_example: PriceExample | None = None


def _summarise_connectors(location: Location) -> list[ConnectorSummary]:
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for evse in location.evses.all():
        for connector in evse.connectors.all():
            key = (connector.standard, connector.power_type, connector.format)
            group = groups.setdefault(key, {"max_w": 0, "count": 0, "available": 0, "label": ""})
            group["max_w"] = max(group["max_w"], connector.rated_power_w)
            group["count"] += 1
            group["available"] += evse.status == EvseStatus.AVAILABLE
            group["label"] = STANDARD_LABELS.get(connector.standard, connector.standard)
    summaries = [
        ConnectorSummary(
            standard=standard,
            standard_label=group["label"],
            power_type=power_type,
            format=fmt,
            max_power_kw=group["max_w"] / 1000,
            count=group["count"],
            available=group["available"],
        )
        for (standard, power_type, fmt), group in groups.items()
    ]
    return sorted(summaries, key=lambda s: (-s.max_power_kw, s.standard))


def _connector_fits(filters: StationFilters, connector: Connector) -> bool:
    """The connector filters of :func:`connector_q`, for one prefetched connector."""
    return (
        (not filters.min_power_kw or connector.rated_power_w >= math.ceil(filters.min_power_kw * 1000))
        and (not filters.power_types or connector.power_type in filters.power_types)
        and (not filters.connector_standards or connector.standard in filters.connector_standards)
        and (not filters.connector_formats or connector.format in filters.connector_formats)
    )


def _chosen_connector(location: Location, filters: StationFilters) -> Connector | None:
    """The connector a searcher would use: the most powerful one that meets the connector filters."""
    connectors = [c for evse in location.evses.all() for c in evse.connectors.all()]
    fitting = [c for c in connectors if _connector_fits(filters, c)] or connectors
    return max(fitting, key=lambda c: (c.rated_power_w, -c.pk), default=None)


def _tariffs_by_id(locations: Sequence[Location]) -> dict[str, Tariff]:
    """Our own tariffs named by the page's connectors, valid for anyone (no payment or preference type)."""
    ids = {tariff_id for location in locations for evse in location.evses.all() for c in evse.connectors.all()
           for tariff_id in c.tariff_ids}  # fmt: skip
    if not ids:
        return {}
    tariffs = tariff_list().filter(
        ocpi_id__in=ids,
        country_code=settings.CPO_COUNTRY_CODE,
        party_id=settings.CPO_PARTY_ID,
        type__in=["", TariffType.REGULAR],
    )
    return {tariff.ocpi_id: tariff for tariff in tariffs}


def _price_example(
    location: Location, filters: StationFilters, tariffs: dict[str, Tariff], now: datetime
) -> PriceExample | None:
    connector = _chosen_connector(location, filters)
    if connector is None or connector.rated_power_w <= 0:
        return None
    power_kw = connector.rated_power_w / 1000
    session = pricing.Session(
        start=now,
        periods=(
            pricing.ChargingPeriod(
                start=now,
                energy=PRICE_EXAMPLE_KWH,
                charging=timedelta(hours=float(PRICE_EXAMPLE_KWH) / power_kw),
                max_power=Decimal(connector.rated_power_w) / 1000,
            ),
        ),
    )
    for tariff_id in connector.tariff_ids:
        tariff = tariffs.get(tariff_id)
        if tariff is None:
            continue
        try:
            priced = pricing.price_session(
                tariff=tariff_pricing(tariff=tariff), session=session, time_zone=location.time_zone
            )
        except (pricing.TariffNotApplicable, pricing.PricingInputError):
            continue  # not in force now, or not priceable: the next tariff id may be
        return PriceExample(
            tariff_id=tariff.ocpi_id,
            currency=priced.currency,
            energy_kwh=PRICE_EXAMPLE_KWH,
            power_kw=power_kw,
            connector_label=f"{STANDARD_LABELS.get(connector.standard, connector.standard)} {power_kw:g} kW",
            excl_vat=priced.total_cost.excl_vat,
            incl_vat=priced.total_cost.incl_vat,
        )
    return None


def station_results(
    *, locations: Iterable[Location], filters: StationFilters, now: datetime | None = None
) -> list[StationResult]:
    """Display data for one page of :func:`station_search` results.

    Adds the tariff in force with the price of 20 kWh on the connector the searcher would pick (the most powerful
    one that meets the connector filters), charging at its rated power from ``now``. Costs three queries (tariffs,
    elements, components) when the page names any tariff, whatever its size.
    """
    now = now or timezone.now()
    locations = list(locations)
    tariffs = _tariffs_by_id(locations)
    results = []
    for location in locations:
        distance = getattr(location, "distance_km", None)
        results.append(
            StationResult(
                location=location,
                distance_km=None if distance is None else float(distance),
                max_power_kw=location.max_power_w / 1000,  # type: ignore[attr-defined]
                evse_count=location.evse_count,  # type: ignore[attr-defined]
                available_count=location.available_count,  # type: ignore[attr-defined]
                is_open=is_open(location=location, now=now),
                connectors=_summarise_connectors(location),
                price_example=_price_example(location, filters, tariffs, now),
            )
        )
    return results


@dataclass(frozen=True)
class StationPage:
    total: int
    results: list[StationResult]


def station_page(
    *, filters: StationFilters, offset: int = 0, limit: int = 20, now: datetime | None = None
) -> StationPage:
    """One page of results with the total number of matches, for the API and the map.

    The total comes from a window count in the page query itself, so the filters are evaluated once, not once for the
    page and again for a COUNT; only a page past the end needs a separate count.
    """
    now = now or timezone.now()
    found = station_search(filters=filters, now=now)
    page = list(found.annotate(total_found=Window(Count("pk")))[offset : offset + limit])
    total = page[0].total_found if page else (found.count() if offset else 0)
    return StationPage(total=total, results=station_results(locations=page, filters=filters, now=now))
