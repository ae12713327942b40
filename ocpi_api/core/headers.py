"""Request ids and routing headers (OCPI 2.2.1 transport_and_format.asciidoc, Unique message IDs, Message Routing), the
same way on what we serve and what we send."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

REQUEST_ID = "X-Request-ID"
CORRELATION_ID = "X-Correlation-ID"
# Routing headers are CiString(2)/(3); longer values are ignored rather than trusted.
_ROUTING_LIMITS = {"country_code": 2, "party_id": 3}


@dataclass(frozen=True)
class Party:
    country_code: str
    party_id: str

    @classmethod
    def ours(cls) -> Party:
        return cls(settings.CPO_COUNTRY_CODE, settings.CPO_PARTY_ID)


@dataclass(frozen=True)
class Routing:
    from_party: Party | None
    to_party: Party | None

    def as_headers(self) -> dict[str, str]:
        headers = {}
        for direction, party in (("from", self.from_party), ("to", self.to_party)):
            if party is not None:
                headers[f"OCPI-{direction}-country-code"] = party.country_code
                headers[f"OCPI-{direction}-party-id"] = party.party_id
        return headers


def _clean_id(value: str) -> str:
    # Ids travel in headers that the partner chose; keep them to printable ASCII without separators.
    return "".join(ch for ch in value.strip() if 0x21 <= ord(ch) <= 0x7E)[:100]


def correlation_ids(request: HttpRequest) -> tuple[str, str]:
    """The request's X-Request-ID and X-Correlation-ID, generated once when the partner sent none."""
    cached = getattr(request, "_ocpi_ids", None)
    if cached is None:
        request_id = _clean_id(request.headers.get(REQUEST_ID, "")) or str(uuid.uuid4())
        correlation_id = _clean_id(request.headers.get(CORRELATION_ID, "")) or str(uuid.uuid4())
        cached = (request_id, correlation_id)
        request._ocpi_ids = cached  # type: ignore[attr-defined]
    return cached


def _party_from(request: HttpRequest, direction: str) -> Party | None:
    country_code = request.headers.get(f"OCPI-{direction}-country-code", "").strip()
    party_id = request.headers.get(f"OCPI-{direction}-party-id", "").strip()
    if not country_code or not party_id:
        return None
    if len(country_code) > _ROUTING_LIMITS["country_code"] or len(party_id) > _ROUTING_LIMITS["party_id"]:
        return None
    if not (country_code + party_id).isascii() or not (country_code + party_id).isalnum():
        return None
    return Party(country_code.upper(), party_id.upper())


def routing_from_request(request: HttpRequest) -> Routing:
    """Routing headers as the partner sent them; direct peers may send none (they are never required)."""
    return Routing(from_party=_party_from(request, "from"), to_party=_party_from(request, "to"))
