"""Reads of charging sessions, for the staff pages, billing and the OCPI layer."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import ChargingSession
from .pricing import PeriodFacts


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
    if token_country_code is not None:
        sessions = sessions.filter(token_country_code__iexact=token_country_code)
    if token_party_id is not None:
        sessions = sessions.filter(token_party_id__iexact=token_party_id)
    return sessions.order_by("last_updated", "id")
