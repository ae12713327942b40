from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypedDict

import pytest

from ocpi_api.models import Partner
from tests.factories import make_partner

from .emsp import FakeEmsp

if TYPE_CHECKING:
    from .drivers import DriversEmsp


class AuthHeader(TypedDict):
    HTTP_AUTHORIZATION: str


def auth(token: str, *, raw: bool = False) -> AuthHeader:
    """Django test client headers for a token, Base64 as 2.2.1 says or raw."""
    value = token if raw else base64.b64encode(token.encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Token {value}"}


@pytest.fixture
def partner(db: None) -> tuple[Partner, str]:
    return make_partner()


@pytest.fixture
def emsp() -> Iterator[FakeEmsp]:
    server = FakeEmsp().start()
    yield server
    server.stop()


@pytest.fixture
def drivers_emsp() -> Iterator[DriversEmsp]:
    """An eMSP that also answers real-time authorization, takes session and CDR pushes and command results."""
    from .drivers import DriversEmsp  # drivers imports this module's auth()

    server = DriversEmsp().start()
    yield server
    server.stop()


@pytest.fixture
def cpo(live_server, settings) -> str:
    """Our portal on a real loopback port; the URLs we advertise point at it."""
    settings.PORTAL_BASE_URL = live_server.url
    return str(live_server.url)
