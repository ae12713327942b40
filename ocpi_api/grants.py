"""Parties are granted, never claimed: the one write path of ``PartyGrant`` (staff pages, admin, token A, migrations).

A partner acts only for the parties staff granted it (``selectors.partner_parties``). The roles of a handshake are
checked against the grants before anything of the partner changes (``ungranted_roles``); every module checks the
acting party against the same set, and pushes go only to the holder of the object's party.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Partner, PartyGrant
from .selectors import Party, partner_parties

logger = logging.getLogger(__name__)


def party_clean(country_code: str, party_id: str) -> Party:
    """The party in its stored form (upper case), or ValidationError naming the field."""
    country_code, party_id = country_code.strip().upper(), party_id.strip().upper()
    if len(country_code) != 2 or not country_code.isalpha() or not country_code.isascii():
        raise ValidationError({"country_code": _("Two letters, ISO 3166-1 alpha-2.")})
    if not 1 <= len(party_id) <= 3 or not party_id.isalnum() or not party_id.isascii():
        raise ValidationError({"party_id": _("One to three letters or digits.")})
    return country_code, party_id


def party_holder(*, country_code: str, party_id: str) -> PartyGrant | None:
    """The grant in force for this party, if any (there is at most one)."""
    return (
        PartyGrant.objects.filter(country_code=country_code.upper(), party_id=party_id.upper(), revoked_at__isnull=True)
        .select_related("partner")
        .first()
    )


@transaction.atomic
def party_grant(*, partner: Partner, country_code: str, party_id: str, reason: str, granted_by: str) -> PartyGrant:
    """Let ``partner`` act for the party. Granting a party it already holds returns that grant unchanged.

    Refused (ValidationError) for our own party, without a reason, or while another partner holds the party: that
    grant must be revoked first, so that moving a party is always two audited steps.
    """
    country_code, party_id = party_clean(country_code, party_id)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the partner may act for this party.")})
    if (country_code, party_id) == (settings.CPO_COUNTRY_CODE.upper(), settings.CPO_PARTY_ID.upper()):
        raise ValidationError(
            _("%(party)s is our own party; no partner may act for it.") % {"party": f"{country_code}*{party_id}"}
        )
    holder = party_holder(country_code=country_code, party_id=party_id)
    if holder is not None and holder.partner_id == partner.pk:
        return holder
    if holder is not None:
        raise ValidationError(
            _("%(party)s is granted to %(partner)s; revoke that grant first.")
            % {"party": f"{country_code}*{party_id}", "partner": holder.partner}
        )
    try:
        with transaction.atomic():
            grant = PartyGrant.objects.create(
                partner=partner,
                country_code=country_code,
                party_id=party_id,
                reason=reason[:255],
                granted_by=granted_by[:150],
            )
    except IntegrityError as error:  # another request granted the party a moment ago
        raise ValidationError(
            _("%(party)s was just granted to another partner.") % {"party": f"{country_code}*{party_id}"}
        ) from error
    logger.info("Party %s*%s granted to %s by %s: %s", country_code, party_id, partner, granted_by, reason)
    return grant


@transaction.atomic
def party_grant_revoke(*, grant: PartyGrant, reason: str, revoked_by: str) -> PartyGrant:
    """Stop the partner acting for the party. The main party of a registered partner stays: it is where we send its
    sessions and CDRs, so unregister the partner instead."""
    grant = PartyGrant.objects.select_for_update().select_related("partner").get(pk=grant.pk)
    if grant.revoked_at is not None:
        return grant
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the grant ends.")})
    partner = grant.partner
    main = (partner.country_code.upper(), partner.party_id.upper())
    if partner.is_registered and main == (grant.country_code, grant.party_id):
        raise ValidationError(
            _("%(party)s is the main party of %(partner)s; unregister it.")
            % {"party": f"{grant.country_code}*{grant.party_id}", "partner": partner}
        )
    grant.revoked_at, grant.revoked_by, grant.revoke_reason = timezone.now(), revoked_by[:150], reason[:255]
    grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    party = f"{grant.country_code}*{grant.party_id}"
    logger.info("Party %s revoked from %s by %s: %s", party, partner, revoked_by, reason)
    return grant


def ungranted_roles(*, partner: Partner, roles: Iterable[dict[str, Any]]) -> list[str]:
    """The roles (as 'EMSP NL*ABC') whose party is not granted to the partner, in the order given."""
    granted = partner_parties(partner=partner) if partner.pk else set()
    return [
        f"{role.get('role')} {str(role['country_code']).upper()}*{str(role['party_id']).upper()}"
        for role in roles
        if (str(role["country_code"]).upper(), str(role["party_id"]).upper()) not in granted
    ]


def partner_grants(*, partner: Partner) -> list[PartyGrant]:
    """All grants of the partner, in force first, for its staff page."""
    return sorted(partner.grants.all(), key=lambda g: (g.revoked_at is not None, g.country_code, g.party_id))
