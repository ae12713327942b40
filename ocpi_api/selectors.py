"""Reads for the OCPI layer: which parties a partner may act for (its grants), and the sessions, CDRs and tokens it
may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Upper

from billing.models import Cdr
from chargepoints.models import ChargingSession
from chargepoints.selectors import location_list_for_sync
from chargepoints.sessions.selectors import session_list

from .models import AuthorizationRecord, EmspToken, Partner, PartyGrant
from .modules.locations.serializers import locations_to_ocpi

Party = tuple[str, str]


def partner_parties(*, partner: Partner) -> set[Party]:
    """The (country_code, party_id) pairs a partner may act for: the parties staff granted it (``PartyGrant`` in
    force). The roles it names in a handshake are never trusted on their own; they must be among these."""
    grants = PartyGrant.objects.filter(partner_id=partner.pk, revoked_at__isnull=True)
    return set(grants.values_list("country_code", "party_id"))


def partners_for_party(*, country_code: str, party_id: str) -> list[Partner]:
    """The registered partner that holds the party's grant (at most one), e.g. the eMSP that owns a token."""
    return list(
        Partner.objects.filter(
            status=Partner.Status.REGISTERED,
            grants__country_code=country_code.upper(),
            grants__party_id=party_id.upper(),
            grants__revoked_at__isnull=True,
        ).order_by("id")
    )


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


def token_copies(*, uid: str, token_type: str) -> list[EmspToken]:
    """The stored tokens a charger's uid may be: at most one per party (the key is (country_code, party_id, uid,
    type)), only of parties granted to a partner (nobody may speak for the others), oldest copy first."""
    granted = PartyGrant.objects.filter(
        country_code=OuterRef("country_code"), party_id=OuterRef("party_id"), revoked_at__isnull=True
    )
    return list(
        EmspToken.objects.filter(Exists(granted), uid__iexact=uid, type=token_type)
        .select_related("partner")
        .order_by("created", "id")
    )


@dataclass(frozen=True)
class TokenConflict:
    """One uid (of one type) stored under several parties: no copy decides at the charger (``authority``)."""

    uid: str
    type: str
    tokens: list[EmspToken]


def token_conflicts(*, limit: int = 50) -> list[TokenConflict]:
    """Uids stored under more than one party, for the staff token page. Two queries, whatever the number."""
    groups = (
        EmspToken.objects.annotate(uid_key=Upper("uid"))
        .values("uid_key", "type")
        .annotate(copies=Count("id"))
        .filter(copies__gt=1)
        .order_by("uid_key", "type")
    )
    keys = [(row["uid_key"], row["type"]) for row in groups[:limit]]
    if not keys:
        return []
    condition = Q(pk__in=[])
    for uid_key, token_type in keys:
        condition |= Q(uid_key=uid_key, type=token_type)
    tokens = EmspToken.objects.annotate(uid_key=Upper("uid")).filter(condition).select_related("partner")
    grouped: dict[tuple[str, str], list[EmspToken]] = {key: [] for key in keys}
    for token in tokens.order_by("created", "id"):
        grouped[(token.uid_key, token.type)].append(token)
    return [TokenConflict(uid=key[0], type=key[1], tokens=copies) for key, copies in grouped.items()]


def token_lookup(*, uid: str) -> list[EmspToken]:
    """Every stored token with this uid (any party, any type), for staff."""
    return list(EmspToken.objects.filter(uid__iexact=uid.strip()).select_related("partner").order_by("-last_updated"))


def authorization_records(*, uid: str | None = None, limit: int = 25) -> list[AuthorizationRecord]:
    """The latest authorization decisions, of one token uid or of all."""
    records = AuthorizationRecord.objects.select_related("partner")
    if uid is not None:
        records = records.filter(token_uid__iexact=uid.strip())
    return list(records.order_by("-created", "-id")[:limit])


def locations_json_by_id(ids: set[str]) -> dict[str, dict[str, Any]]:
    """The 2.2.1 JSON of the roaming Locations with these ids, in a fixed number of queries: what an OCPI 2.1.1
    Session or CDR carries in full (ocpi_api.core.v211.sessions)."""
    if not ids:
        return {}
    locations = location_list_for_sync().filter(ocpi_id__in=ids)
    return {data["id"]: data for data in locations_to_ocpi(locations)}
