"""Reads of CDRs, for the OCPI layer, finance pages and invoicing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from chargepoints.paging import distinct_pairs
from chargepoints.sessions.selectors import PriceBreakdown, of_token_party, price_breakdown

from ..models import Cdr
from .invoices import _month_bounds


def cdr_list(*, token_country_code: str | None = None, token_party_id: str | None = None) -> QuerySet[Cdr]:
    """Issued CDRs (credits included) in sync order, optionally only those of one eMSP party's tokens.

    CDRs held for review or voided were never sent and are never listed to partners.
    """
    cdrs = Cdr.objects.filter(status=Cdr.Status.ISSUED)
    return of_token_party(cdrs, token_country_code=token_country_code, token_party_id=token_party_id)


# --- Staff pages --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CdrFilters:
    """What the staff CDR list narrows by. Empty values filter nothing."""

    status: str = ""
    token_country_code: str = ""
    token_party_id: str = ""
    month: date | None = None  # any day of the month the sessions ended in (billing time zone, as invoices count)


def cdr_search(*, filters: CdrFilters) -> QuerySet[Cdr]:
    """CDRs of every state, newest session end first, with their station and invoice joined in (no per-row queries)."""
    cdrs = Cdr.objects.select_related("session__location", "invoice_line__invoice")
    if filters.status:
        cdrs = cdrs.filter(status=filters.status)
    # The party comes from the filter's choices, which are the stored values: an exact match uses the index.
    if filters.token_country_code:
        cdrs = cdrs.filter(token_country_code=filters.token_country_code)
    if filters.token_party_id:
        cdrs = cdrs.filter(token_party_id=filters.token_party_id)
    if filters.month is not None:
        start, end = _month_bounds(filters.month)
        cdrs = cdrs.filter(end_date_time__gte=start, end_date_time__lt=end)
    return cdrs.order_by("-end_date_time", "-id")


def cdr_token_parties() -> list[tuple[str, str]]:
    """The eMSP parties (country code, party id) that have CDRs, for the list's filter."""
    return distinct_pairs(Cdr, "token_country_code", "token_party_id")


def cdr_review_count() -> int:
    return Cdr.objects.filter(status=Cdr.Status.REVIEW).count()


def cdr_get(*, pk: int) -> Cdr:
    """One CDR with its session's station, the CDRs it credits or replaces, and its invoice. Raises DoesNotExist."""
    return Cdr.objects.select_related(
        "session__location", "credit_of", "replaces", "decided_by", "invoice_line__invoice"
    ).get(pk=pk)


@dataclass(frozen=True)
class CdrCorrections:
    """What later corrected a CDR: its credit CDR and the CDRs issued in its place."""

    credit: Cdr | None
    replaced_by: list[Cdr]


def cdr_corrections(*, cdr: Cdr) -> CdrCorrections:
    return CdrCorrections(
        credit=Cdr.objects.filter(credit_of=cdr).first(),
        replaced_by=list(Cdr.objects.filter(replaces=cdr).order_by("created", "id")),
    )


def cdr_price_breakdown(*, cdr: Cdr) -> PriceBreakdown:
    """The engine's lines for the CDR's own periods and tariff snapshot, priced as the CDR was (a credit CDR shows
    the lines of the CDR it negates)."""
    return price_breakdown(
        tariff_snapshot=cdr.tariff_snapshot,
        start=cdr.start_date_time,
        periods=cdr.period_facts(),
        time_zone=cdr.session.location.time_zone,
    )
