"""Reads of CDRs, for the OCPI layer, finance pages and invoicing."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import Cdr


def cdr_list(*, token_country_code: str | None = None, token_party_id: str | None = None) -> QuerySet[Cdr]:
    """Issued CDRs (credits included) in sync order, optionally only those of one eMSP party's tokens.

    CDRs held for review or voided were never sent and are never listed to partners.
    """
    cdrs = Cdr.objects.filter(status=Cdr.Status.ISSUED)
    if token_country_code is not None:
        cdrs = cdrs.filter(token_country_code__iexact=token_country_code)
    if token_party_id is not None:
        cdrs = cdrs.filter(token_party_id__iexact=token_party_id)
    return cdrs.order_by("last_updated", "id")


def cdr_review_queue() -> QuerySet[Cdr]:
    return Cdr.objects.filter(status=Cdr.Status.REVIEW).select_related("session").order_by("created", "id")
