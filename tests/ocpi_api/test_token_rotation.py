"""Retiring the token from before a rotation is final: the first call with the new token retires it in a transaction
of its own, so that call failing (its rollback) cannot bring the old token back."""

from __future__ import annotations

import pytest

from ocpi_api.core.tokens import token_generate, token_hash
from ocpi_api.models import Partner
from ocpi_api.modules.versions.views import VersionListView

from .conftest import auth
from .drivers import registered_partner

pytestmark = pytest.mark.django_db
VERSIONS = "/ocpi/versions"
TOKENS = "/ocpi/cpo/2.2.1/tokens/NL/EMS/CARD-1"


@pytest.fixture
def rotated() -> tuple[Partner, str, str]:
    """A partner we rotated with: its new token is current, the old one still valid until the new one is used."""
    old, new = token_generate(), token_generate()
    partner, _ = registered_partner(token_hash=token_hash(new), previous_token_hash=token_hash(old))
    return partner, old, new


def test_the_old_token_works_until_the_new_one_is_used(client, rotated) -> None:
    partner, old, new = rotated
    assert client.get(VERSIONS, **auth(old)).status_code == 200
    assert client.get(VERSIONS, **auth(new)).status_code == 200
    assert client.get(VERSIONS, **auth(old)).status_code == 401
    partner.refresh_from_db()
    assert partner.previous_token_hash is None


def test_a_first_call_that_fails_with_an_ocpi_error_still_retires_the_old_token(client, rotated) -> None:
    partner, old, new = rotated
    response = client.put(TOKENS, {"uid": 5}, content_type="application/json", **auth(new))
    assert (response.status_code, response.json()["status_code"]) == (400, 2001)  # rolled back
    partner.refresh_from_db()
    assert partner.previous_token_hash is None
    assert client.get(VERSIONS, **auth(old)).status_code == 401
    assert client.get(VERSIONS, **auth(new)).status_code == 200


def test_a_first_call_that_crashes_still_retires_the_old_token(client, rotated, monkeypatch) -> None:
    partner, old, new = rotated

    def crash(*args: object, **kwargs: object) -> None:
        Partner.objects.filter(pk=partner.pk).update(name="written, then rolled back")
        raise RuntimeError("boom")

    monkeypatch.setattr(VersionListView, "get", crash)
    response = client.get(VERSIONS, **auth(new))
    assert (response.status_code, response.json()["status_code"]) == (500, 3000)
    monkeypatch.undo()
    partner.refresh_from_db()
    assert partner.name != "written, then rolled back"  # the request's own writes are still undone
    assert partner.previous_token_hash is None
    assert client.get(VERSIONS, **auth(old)).status_code == 401
