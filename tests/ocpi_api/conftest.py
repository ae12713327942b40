from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from ocpi_api.core.tokens import token_generate, token_hash
from ocpi_api.grants import party_grant
from ocpi_api.models import Partner

from .emsp import FakeEmsp


def auth(token: str, *, raw: bool = False) -> dict[str, str]:
    """Django test client headers for a token, Base64 as 2.2.1 says or raw."""
    value = token if raw else base64.b64encode(token.encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Token {value}"}


def make_partner(status: str = Partner.Status.REGISTERED, **fields: object) -> tuple[Partner, str]:
    token = token_generate()
    defaults: dict[str, object] = {
        "name": "Test eMSP",
        "country_code": "NL",
        "party_id": "EMS",
        "status": status,
        "version": "2.2.1",
        "token_hash": token_hash(token),
    }
    defaults.update(fields)
    partner = Partner.objects.create(**defaults)
    if partner.country_code and partner.party_id:
        party_grant(
            partner=partner,
            country_code=partner.country_code,
            party_id=partner.party_id,
            reason="Test partner",
            granted_by="tests",
        )
    return partner, token


@pytest.fixture
def partner(db: None) -> tuple[Partner, str]:
    return make_partner()


@pytest.fixture
def emsp() -> Iterator[FakeEmsp]:
    server = FakeEmsp().start()
    yield server
    server.stop()


@pytest.fixture
def cpo(live_server, settings) -> str:
    """Our portal on a real loopback port; the URLs we advertise point at it."""
    settings.PORTAL_BASE_URL = live_server.url
    return str(live_server.url)
