"""eMSP-owned driver tokens (OCPI 2.2.1 mod_tokens.asciidoc, Receiver Interface): the eMSP PUTs and PATCHes them, we
keep the copy we authorize with.

A partner only writes tokens of the parties staff granted it; anything else is refused before a row is touched.
Updates older than the stored copy (an eMSP retrying an earlier push after a later one) are ignored, so the copy
never goes back in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from django.db import IntegrityError, transaction

from .models import EmspToken, Partner
from .selectors import partner_parties


class TokenData(TypedDict, total=False):
    country_code: str
    party_id: str
    uid: str
    type: str
    contract_id: str
    visual_number: str | None
    issuer: str
    group_id: str | None
    valid: bool
    whitelist: str
    language: str | None
    default_profile_type: str | None
    energy_contract: dict[str, Any] | None
    last_updated: datetime


# Optional Token fields and what "absent" means for each in our columns.
OPTIONAL_FIELDS: dict[str, Any] = {
    "visual_number": "",
    "group_id": "",
    "language": "",
    "default_profile_type": "",
    "energy_contract": None,
}
KEY_FIELDS = ("country_code", "party_id", "uid", "type")


class NotYourParty(Exception):
    """The partner addressed a token of a party it does not speak for."""


@dataclass(frozen=True)
class TokenWrite:
    token: EmspToken
    created: bool
    applied: bool  # False when the update was older than our copy and left it as it was


def token_check_party(*, partner: Partner, country_code: str, party_id: str) -> None:
    if (country_code.upper(), party_id.upper()) not in partner_parties(partner=partner):
        raise NotYourParty(f"{country_code.upper()}*{party_id.upper()} is not one of your parties.")


def _locked(country_code: str, party_id: str, uid: str, token_type: str) -> EmspToken | None:
    return (
        EmspToken.objects.select_for_update()
        .filter(country_code=country_code.upper(), party_id=party_id.upper(), uid__iexact=uid, type=token_type)
        .first()
    )


@transaction.atomic
def token_put(*, partner: Partner, data: TokenData) -> TokenWrite:
    """Create or replace a token with the complete object ``data``; optional fields not sent are cleared."""
    token_check_party(partner=partner, country_code=data["country_code"], party_id=data["party_id"])
    try:
        with transaction.atomic():
            return _token_write(partner, data)
    except IntegrityError:
        # Another writer (the eMSP's push and our pull of its list) created the same new token a moment ago. It
        # exists now, so this write becomes a replace, judged by last_updated like any other.
        return _token_write(partner, data)


def _token_write(partner: Partner, data: TokenData) -> TokenWrite:
    token = _locked(data["country_code"], data["party_id"], data["uid"], data["type"])
    created = token is None
    if token is None:
        token = EmspToken()
    elif data["last_updated"] < token.last_updated:
        return TokenWrite(token=token, created=False, applied=False)
    values: dict[str, Any] = {**OPTIONAL_FIELDS, **{k: v for k, v in data.items() if v is not None}}
    values["country_code"], values["party_id"] = data["country_code"].upper(), data["party_id"].upper()
    for name, value in values.items():
        setattr(token, name, value)
    token.partner = partner
    token.save()
    return TokenWrite(token=token, created=created, applied=True)


@transaction.atomic
def token_patch(
    *, partner: Partner, country_code: str, party_id: str, uid: str, token_type: str, changes: TokenData
) -> TokenWrite | None:
    """Change some fields of a stored token (``changes`` carries ``last_updated``). None when there is no such token.

    The key fields cannot change: a PATCH naming another party, uid or type is refused by the caller before this.
    """
    token_check_party(partner=partner, country_code=country_code, party_id=party_id)
    token = _locked(country_code, party_id, uid, token_type)
    if token is None:
        return None
    if changes["last_updated"] < token.last_updated:
        return TokenWrite(token=token, created=False, applied=False)
    for name, value in changes.items():
        if name in KEY_FIELDS:
            continue
        setattr(token, name, OPTIONAL_FIELDS.get(name) if value is None else value)
    token.partner = partner
    token.save()
    return TokenWrite(token=token, created=False, applied=True)
