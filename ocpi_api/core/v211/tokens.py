"""Tokens between OCPI 2.1.1 (mod_tokens.md §3.2 Token object) and 2.2.1 (mod_tokens.asciidoc, Token object).

2.1.1 calls the contract id ``auth_id``, has only the TokenTypes OTHER and RFID, and has no party fields in the object
(they are in the URL), no ``group_id``, ``default_profile_type`` or ``energy_contract``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TOKEN_TYPES_211 = frozenset({"OTHER", "RFID"})
_TOKEN_DROPPED = ("country_code", "party_id", "group_id", "default_profile_type", "energy_contract")


def token_from_211(token: Mapping[str, Any], *, country_code: str, party_id: str) -> dict[str, Any]:
    """The 2.2.1 Token of a whole or partial 2.1.1 one; the party comes from the URL (or the caller)."""
    result: dict[str, Any] = {"country_code": country_code, "party_id": party_id}
    for key, value in token.items():
        result["contract_id" if key == "auth_id" else key] = value
    return result


def token_to_211(token: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in token.items():
        if key in _TOKEN_DROPPED:
            continue
        if key == "contract_id":
            result["auth_id"] = value
        elif key == "type":
            result[key] = value if value in TOKEN_TYPES_211 else "OTHER"
        else:
            result[key] = value
    return result
