"""Reads for the OCPI layer: which parties a partner speaks for, and the sessions, CDRs and tokens it may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from billing.models import Cdr
from chargepoints.models import ChargingSession
from chargepoints.sessions.selectors import session_list

from .models import AuthorizationRecord, EmspToken, Partner

Party = tuple[str, str]


def partner_parties(*, partner: Partner) -> set[Party]:
    """The (country_code, party_id) pairs a partner may act for: its roles from the handshake and its main party."""
    parties = {
        (str(role.get("country_code", "")).upper(), str(role.get("party_id", "")).upper())
        for role in partner.roles
        if role.get("country_code") and role.get("party_id")
    }
    if partner.country_code and partner.party_id:
        parties.add((partner.country_code.upper(), partner.party_id.upper()))
    return parties


def partners_for_party(*, country_code: str, party_id: str) -> list[Partner]:
    """Registered partners that speak for this party (normally one), e.g. the eMSP that owns a token."""
    party = (country_code.upper(), party_id.upper())
    candidates = Partner.objects.filter(status=Partner.Status.REGISTERED).order_by("id")
    return [partner for partner in candidates if party in partner_parties(partner=partner)]


def _token_party_filter(parties: set[Party]) -> Q:
    condition = Q(pk__in=[])
    for country_code, party_id in parties:
        condition |= Q(token_country_code__iexact=country_code, token_party_id__iexact=party_id)
    return condition


def session_list_for_partner(*, partner: Partner) -> QuerySet[ChargingSession]:
    """The sessions of the partner's drivers, and nobody else's, in sync order."""
    return session_list().filter(_token_party_filter(partner_parties(partner=partner)))


def cdr_list_for_partner(*, partner: Partner) -> QuerySet[Cdr]:
    """Issued CDRs (originals, credits and replacements) of the partner's drivers. Held and voided ones never go out."""
    return Cdr.objects.filter(_token_party_filter(partner_parties(partner=partner)), status=Cdr.Status.ISSUED)


def token_get(*, country_code: str, party_id: str, uid: str, token_type: str) -> EmspToken | None:
    return EmspToken.objects.filter(
        country_code=country_code.upper(), party_id=party_id.upper(), uid__iexact=uid, type=token_type
    ).first()


def token_find(*, uid: str, token_type: str) -> EmspToken | None:
    """The stored token a charger presented. The same uid under two eMSPs is ambiguous: the latest change wins."""
    return (
        EmspToken.objects.filter(uid__iexact=uid, type=token_type)
        .select_related("partner")
        .order_by("-last_updated", "-id")
        .first()
    )


def token_lookup(*, uid: str) -> list[EmspToken]:
    """Every stored token with this uid (any party, any type), for staff."""
    return list(EmspToken.objects.filter(uid__iexact=uid.strip()).select_related("partner").order_by("-last_updated"))


def authorization_records(*, uid: str | None = None, limit: int = 25) -> list[AuthorizationRecord]:
    """The latest authorization decisions, of one token uid or of all."""
    records = AuthorizationRecord.objects.select_related("partner")
    if uid is not None:
        records = records.filter(token_uid__iexact=uid.strip())
    return list(records.order_by("-created", "-id")[:limit])
