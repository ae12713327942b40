"""Reads of charging sessions, for the staff pages, billing and the OCPI layer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db.models import Model, Q, QuerySet

from tariffs import pricing

from ..models import EVSE, ChargingSession, Location
from ..paging import distinct_pairs
from .pricing import PeriodFacts, price_periods
from .tariffs import tariff_from_snapshot

TokenRecord = TypeVar("TokenRecord", bound=Model)  # a model with token_country_code, token_party_id, last_updated


def session_period_facts(*, session: ChargingSession) -> list[PeriodFacts]:
    """The session's periods in order; a still-running period ends at the session's last report."""
    return [
        PeriodFacts(
            start=period.start_date_time,
            end=period.end_date_time or session.accounted_until,
            parking=period.parking,
            tariff_id=period.tariff_id,
            energy_kwh=period.energy_kwh,
            min_power_kw=period.min_power_kw,
            max_power_kw=period.max_power_kw,
            min_current_a=period.min_current_a,
            max_current_a=period.max_current_a,
            ampere_seconds=period.ampere_seconds,
        )
        for period in session.charging_periods.all()  # Meta.ordering: start, id; uses a prefetch when there is one
    ]


def session_list(
    *, token_country_code: str | None = None, token_party_id: str | None = None
) -> QuerySet[ChargingSession]:
    """Sessions in sync order (last_updated, id), optionally only those of one eMSP party's tokens."""
    sessions = ChargingSession.objects.select_related("location", "evse").prefetch_related("charging_periods")
    return of_token_party(sessions, token_country_code=token_country_code, token_party_id=token_party_id)


def of_token_party(
    rows: QuerySet[TokenRecord], *, token_country_code: str | None, token_party_id: str | None
) -> QuerySet[TokenRecord]:
    """Sessions or CDRs of one eMSP party's tokens (either part may be left out), in OCPI sync order
    (last_updated, id): what a partner's GET lists."""
    if token_country_code is not None:
        rows = rows.filter(token_country_code__iexact=token_country_code)
    if token_party_id is not None:
        rows = rows.filter(token_party_id__iexact=token_party_id)
    return rows.order_by("last_updated", "id")


# --- Staff pages --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionFilters:
    """What the staff session list narrows by. Empty values filter nothing; dates are the station's local days."""

    status: str = ""
    station: str = ""  # part of the station's name, address or city, or an EVSE id
    token_country_code: str = ""
    token_party_id: str = ""
    token_uid: str = ""
    started_from: date | None = None
    started_until: date | None = None  # inclusive


def session_search(*, filters: SessionFilters) -> QuerySet[ChargingSession]:
    """Sessions newest first, with their station and EVSE joined in (no per-row queries)."""
    sessions = ChargingSession.objects.select_related("location", "evse")
    if filters.status:
        sessions = sessions.filter(status=filters.status)
    if filters.station:
        # The matching stations and EVSEs first (two small queries over thousands of rows), then their sessions by
        # the location and EVSE indexes: matching the text on every session's joined station read all 200,000 (0.9 s).
        text = filters.station
        stations = (
            Location.objects.filter(Q(name__icontains=text) | Q(address__icontains=text) | Q(city__icontains=text))
            .order_by()
            .values_list("pk", flat=True)
        )
        evses = EVSE.objects.filter(evse_id__icontains=text).order_by().values_list("pk", flat=True)
        sessions = sessions.filter(Q(location_id__in=list(stations)) | Q(evse_id__in=list(evses)))
    # The party comes from the filter's choices, which are the stored values: an exact match uses the index.
    if filters.token_country_code:
        sessions = sessions.filter(token_country_code=filters.token_country_code)
    if filters.token_party_id:
        sessions = sessions.filter(token_party_id=filters.token_party_id)
    if filters.token_uid:
        sessions = sessions.filter(token_uid__iexact=filters.token_uid)  # OCPI token uids are case-insensitive
    if filters.started_from or filters.started_until:
        sessions = sessions.filter(_started_on_local_days(filters.started_from, filters.started_until))
    return sessions.order_by("-start_date_time", "-id")


def _started_on_local_days(first: date | None, last: date | None) -> Q:
    """Started on ``first``..``last`` as the station's clock shows it: one pair of UTC bounds per station time zone.

    A network spans few time zones, so this is one small query and an exact filter, where a single UTC day would
    drop or add the sessions that start around midnight local time.
    """
    zones = Location.objects.order_by().values_list("time_zone", flat=True).distinct()
    found = Q(pk__in=[])
    for zone in zones:
        tz = ZoneInfo(zone)
        bounds = Q(location__time_zone=zone)
        if first is not None:
            bounds &= Q(start_date_time__gte=datetime.combine(first, time(), tzinfo=tz))
        if last is not None:
            bounds &= Q(start_date_time__lt=datetime.combine(last + timedelta(days=1), time(), tzinfo=tz))
        found |= bounds
    return found


def session_token_parties() -> list[tuple[str, str]]:
    """The eMSP parties (country code, party id) whose tokens started sessions here, for the list's filter."""
    return distinct_pairs(ChargingSession, "token_country_code", "token_party_id")


def session_get(*, pk: int) -> ChargingSession:
    """One session with its station, EVSE and periods. Raises ChargingSession.DoesNotExist."""
    return ChargingSession.objects.select_related("location", "evse").prefetch_related("charging_periods").get(pk=pk)


@dataclass(frozen=True)
class PriceBreakdown:
    """The engine's priced result, line by line, or why there is none."""

    priced: pricing.PricedSession | None
    problem: str = ""


def price_breakdown(
    *, tariff_snapshot: dict[str, Any] | None, start: datetime, periods: Sequence[PeriodFacts], time_zone: str
) -> PriceBreakdown:
    """Price the periods with the tariff snapshot exactly as the running cost and the CDR are priced
    (:func:`price_periods`), so the lines shown add up to the stored totals."""
    if tariff_snapshot is None:
        return PriceBreakdown(priced=None, problem="No tariff was in force on the connector when the session started.")
    try:
        priced = price_periods(
            tariff=tariff_from_snapshot(tariff_snapshot), start=start, periods=periods, time_zone=time_zone
        )
    except (pricing.PricingInputError, pricing.TariffNotApplicable) as error:
        return PriceBreakdown(priced=None, problem=str(error))
    return PriceBreakdown(priced=priced)


def session_price_breakdown(*, session: ChargingSession) -> PriceBreakdown:
    return price_breakdown(
        tariff_snapshot=session.tariff_snapshot,
        start=session.start_date_time,
        periods=session_period_facts(session=session),
        time_zone=session.location.time_zone,
    )


@dataclass(frozen=True)
class PeriodRow:
    """One charging period as the staff pages show it: its times and its OCPI dimensions by type."""

    number: int
    start: datetime
    end: datetime
    parking: bool
    tariff_id: str
    dimensions: dict[str, Decimal]

    @property
    def duration_text(self) -> str:
        return duration_text(self.end - self.start)


def period_rows(*, periods: Sequence[PeriodFacts], session_only: bool) -> list[PeriodRow]:
    """``session_only`` adds the average POWER and CURRENT a session reports and a CDR does not carry."""
    return [
        PeriodRow(
            number=number,
            start=facts.start,
            end=facts.end,
            parking=facts.parking,
            tariff_id=facts.tariff_id,
            dimensions={str(kind): value for kind, value in facts.dimensions(session_only=session_only)},
        )
        for number, facts in enumerate(periods, start=1)
    ]


def duration_text(duration: timedelta) -> str:
    """A session length to read at a glance: '2 h 05 min', '12 min', '40 s'."""
    seconds = max(int(duration.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
