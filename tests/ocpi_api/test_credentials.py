"""Credentials module checks that need no second party: bad bodies and wrong registration states."""

from __future__ import annotations

import pytest

from ocpi_api.models import Partner
from tests.factories import make_partner

from .conftest import auth

pytestmark = pytest.mark.django_db
URL = "/ocpi/2.2.1/credentials"
ROLE = {"role": "EMSP", "business_details": {"name": "X"}, "party_id": "EMS", "country_code": "NL"}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"token": "b", "url": "http://x.example/v", "roles": []},
        {"token": "has space", "url": "http://x.example/v", "roles": [ROLE]},
        {"token": "b" * 65, "url": "http://x.example/v", "roles": [ROLE]},
        {"token": 5, "url": "ftp://x", "roles": "EMSP"},
        {"token": "b", "url": "http://x.example/v", "roles": [{**ROLE, "role": "KING"}]},
        {"token": "b", "url": "http://x.example/v", "roles": [{**ROLE, "party_id": "TOOLONG"}]},
        {"token": "b", "url": "http://x.example/v", "roles": [ROLE, ROLE]},
        {"token": "b", "url": "http://x.example:99999/v", "roles": [ROLE]},
        {"token": None, "url": None, "roles": None},
        [1, 2, 3],
        '"just a string"',
    ],
)
@pytest.mark.parametrize("method", ["post", "put"])
def test_invalid_credentials_body_is_400_2001(client, body, method) -> None:
    status = Partner.Status.PENDING if method == "post" else Partner.Status.REGISTERED
    _, token = make_partner(status=status)
    response = getattr(client, method)(URL, data=body, content_type="application/json", **auth(token))
    assert response.status_code == 400
    envelope = response.json()
    assert envelope["status_code"] == 2001
    assert envelope["status_message"].startswith("Invalid or missing parameters")


def test_error_message_names_the_field(client) -> None:
    _, token = make_partner(status=Partner.Status.PENDING)
    body = {"token": "b", "url": "http://x.example/v", "roles": [{**ROLE, "party_id": "TOOLONG"}]}
    response = client.post(URL, data=body, content_type="application/json", **auth(token))
    assert "roles[0].party_id" in response.json()["status_message"]


def test_put_and_delete_before_registration_are_405(client) -> None:
    _, token_a = make_partner(status=Partner.Status.PENDING)
    body = {"token": "b", "url": "http://x.example/v", "roles": [ROLE]}
    put = client.put(URL, data=body, content_type="application/json", **auth(token_a))
    assert put.status_code == 405
    assert put.json()["status_code"] == 2000
    assert client.delete(URL, **auth(token_a)).status_code == 405
    assert Partner.objects.get().status == Partner.Status.PENDING


def test_post_when_registered_is_405_whatever_the_body(client, partner) -> None:
    _, token = partner
    response = client.post(URL, data="{broken", content_type="application/json", **auth(token))
    assert response.status_code == 405


def test_get_returns_the_presented_token_and_our_roles(client, partner) -> None:
    _, token = partner
    data = client.get(URL, **auth(token)).json()["data"]
    assert data["token"] == token
    assert data["url"] == "http://testserver/ocpi/versions"
    assert data["roles"] == [
        {
            "role": "CPO",
            "business_details": {"name": "Nordic Charge AB", "website": "https://cpo.example"},
            "party_id": "CPO",
            "country_code": "SE",
        }
    ]


def test_a_body_that_is_not_json_by_content_type_is_an_envelope_too(client) -> None:
    _, token_a = make_partner(status=Partner.Status.PENDING)
    response = client.post(URL, data="token=abc", content_type="application/x-www-form-urlencoded", **auth(token_a))
    assert response.status_code == 415
    assert response.json()["status_code"] == 2000
    assert Partner.objects.get().status == Partner.Status.PENDING
