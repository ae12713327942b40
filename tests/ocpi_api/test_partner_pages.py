"""Staff pages for OCPI partners: who may see them, and the buttons, against a real loopback eMSP."""

from __future__ import annotations

import re

import pytest

from ocpi_api.core.tokens import token_hash
from ocpi_api.models import Partner
from ocpi_api.push.models import OutboxItem
from tests.factories import finance_user, make_partner, make_user, operations_user

# The party agreed with the fake eMSP, granted when we register with it (its roles name it).
PARTY = {"country_code": "NL", "party_id": "EMS"}


def _shown_token(html: str) -> str:
    match = re.search(r'<code id="token-a">([^<]+)</code>', html)
    assert match is not None, "no token A on the page"
    return match[1]


@pytest.mark.django_db
def test_pages_need_a_login_and_the_operations_role(client) -> None:
    partner, _ = make_partner()
    for url in ("/partners/", f"/partners/{partner.pk}/"):
        assert client.get(url).status_code == 302
    client.force_login(finance_user())
    assert client.get("/partners/").status_code == 403
    assert client.post(f"/partners/{partner.pk}/rotate/").status_code == 403
    client.force_login(operations_user())
    assert client.get("/partners/").status_code == 200
    client.force_login(make_user("root", is_superuser=True))
    assert client.get(f"/partners/{partner.pk}/").status_code == 200


@pytest.mark.django_db
def test_the_list_shows_each_partners_deliveries_that_wait_or_fail(client) -> None:
    troubled, _ = make_partner(name="Troubled eMSP")
    make_partner(name="Quiet eMSP", party_id="QUI")
    for status in ("FAILED", "DEAD", "PENDING", "DELIVERED"):
        OutboxItem.objects.create(
            partner=troubled, module="locations", object_key=f"locations/{status}", method="PUT", status=status
        )
    client.force_login(operations_user())
    listing = client.get("/partners/").content.decode()
    assert (
        f'href="/partners/{troubled.pk}/deliveries/"><span class="badge text-bg-danger">2 failing</span> 1 waiting'
        in listing
    )
    assert "all delivered" in listing  # the quiet one


@pytest.mark.django_db
def test_list_and_detail_show_the_connection(client, settings) -> None:
    settings.PORTAL_BASE_URL = "https://portal.cpo.example"
    partner, _ = make_partner(
        roles=[{"role": "EMSP", "party_id": "EMS", "country_code": "NL", "business_details": {"name": "Test eMSP"}}],
        endpoints=[{"identifier": "tokens", "role": "SENDER", "url": "https://emsp.example/ocpi/2.2.1/tokens"}],
    )
    client.force_login(operations_user())
    listing = client.get("/partners/").content.decode()
    assert "Test eMSP" in listing
    assert "registered" in listing
    assert "https://portal.cpo.example/ocpi/versions" in listing
    detail = client.get(f"/partners/{partner.pk}/").content.decode()
    for text in (
        "NL*EMS",
        "2.2.1",
        "https://emsp.example/ocpi/2.2.1/tokens",
        "Test connection",
        "Rotate token",
        "Unregister",
    ):
        assert text in detail
    assert client.get("/partners/999999/").status_code == 404


@pytest.mark.django_db
def test_generate_token_a_shows_it_once(client) -> None:
    client.force_login(operations_user())
    page = client.post("/partners/token-a/", {"country_code": "nl", "party_id": "ems", "name": "New eMSP"})
    assert page.status_code == 200
    token = _shown_token(page.content.decode())
    partner = Partner.objects.get(country_code="NL", party_id="EMS")
    assert partner.status == Partner.Status.PENDING
    assert partner.token_hash == token_hash(token)
    assert token not in client.get(f"/partners/{partner.pk}/").content.decode()
    # A second token A replaces the first.
    again = client.post(f"/partners/{partner.pk}/token-a/")
    second = _shown_token(again.content.decode())
    partner.refresh_from_db()
    assert partner.token_hash == token_hash(second) != token_hash(token)
    # Not for a registered partner.
    registered, _ = make_partner(country_code="DE", party_id="REG")
    refused = client.post(f"/partners/{registered.pk}/token-a/", follow=True)
    assert "unregister it before" in refused.content.decode()


@pytest.mark.django_db(transaction=True)
def test_buttons_against_a_real_partner(client, cpo, emsp) -> None:
    client.force_login(operations_user())
    response = client.post(
        "/partners/register/",
        {"versions_url": emsp.versions_url, "token_a": emsp.token_a, "name": "Loopback eMSP", **PARTY},
    )
    partner = Partner.objects.get(name="Loopback eMSP")
    assert response.status_code == 302
    assert partner.status == Partner.Status.REGISTERED

    tested = client.post(f"/partners/{partner.pk}/test/", follow=True).content.decode()
    assert "Connection works: OCPI 2.2.1" in tested
    old_outbound = partner.outbound_token
    rotated = client.post(f"/partners/{partner.pk}/rotate/", follow=True).content.decode()
    assert "Tokens rotated" in rotated
    partner.refresh_from_db()
    assert partner.outbound_token != old_outbound
    unregistered = client.post(f"/partners/{partner.pk}/unregister/", follow=True).content.decode()
    assert "They confirmed the unregistration" in unregistered
    assert not emsp.registered

    failed = client.post(
        "/partners/register/", {"versions_url": "http://127.0.0.1:9/ocpi/versions", "token_a": "abc", **PARTY}
    )
    assert failed.status_code == 400
    assert "OCPI 3001" in failed.content.decode()


@pytest.mark.django_db
def test_admin_lists_partners(admin_client) -> None:
    partner, _ = make_partner()
    assert admin_client.get("/admin/ocpi_api/partner/").status_code == 200
    change = admin_client.get(f"/admin/ocpi_api/partner/{partner.pk}/change/").content.decode()
    assert f"/partners/{partner.pk}/" in change
    assert partner.token_hash not in change
