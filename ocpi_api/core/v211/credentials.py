"""The Credentials object between OCPI 2.1.1 (credentials.md, Credentials object) and 2.2.1 (credentials.asciidoc,
Credentials object).

2.1.1 has one party per connection, at the top level (``party_id``, ``country_code``, ``business_details``) and no
roles: a party that talks to our CPO endpoints is an eMSP.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ocpi_api.core.status import Role


def credentials_from_211(credentials: Mapping[str, Any], *, role: str = Role.EMSP.value) -> dict[str, Any]:
    party = {key: credentials[key] for key in ("business_details", "party_id", "country_code") if key in credentials}
    return {"token": credentials.get("token"), "url": credentials.get("url"), "roles": [{"role": role, **party}]}


def credentials_to_211(credentials: Mapping[str, Any]) -> dict[str, Any]:
    """Ours (a CPO has one role) in 2.1.1's flat form."""
    role = credentials["roles"][0]
    return {
        "token": credentials["token"],
        "url": credentials["url"],
        "business_details": role["business_details"],
        "party_id": role["party_id"],
        "country_code": role["country_code"],
    }
