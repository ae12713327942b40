"""Party grants: made with token A and when we register, given and revoked by staff with a reason (audited), one
holder per party (service and database), and checked against the roles of every handshake in both directions."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ocpi_api import services
from ocpi_api.grants import party_grant, party_grant_revoke
from ocpi_api.models import Partner, PartyGrant
from ocpi_api.selectors import partner_parties
from tests.factories import make_partner, operations_user

from .conftest import auth
from .drivers import token_body
from .emsp import ROLE

pytestmark = pytest.mark.django_db


def _roles(*parties: tuple[str, str]) -> list[dict[str, Any]]:
    return [{**ROLE, "country_code": cc, "party_id": pid} for cc, pid in parties]


def test_token_a_grants_its_party_and_a_party_has_one_holder() -> None:
    partner, _token = services.partner_issue_token_a(country_code="nl", party_id="aaa", granted_by="alice")
    grant = partner.grants.get()
    assert (grant.country_code, grant.party_id, grant.granted_by) == ("NL", "AAA", "alice")
    assert "token A" in grant.reason
    assert partner_parties(partner=partner) == {("NL", "AAA")}

    other, _ = make_partner(country_code="DE", party_id="OTH")
    with pytest.raises(ValidationError, match="NL\\*AAA is granted to"):
        party_grant(partner=other, country_code="NL", party_id="AAA", reason="Takeover", granted_by="bob")
    with pytest.raises(ValidationError, match="our own party"):
        party_grant(partner=other, country_code="SE", party_id="CPO", reason="Ours", granted_by="bob")
    with pytest.raises(ValidationError, match="reason"):
        party_grant(partner=other, country_code="NL", party_id="NEW", reason=" ", granted_by="bob")
    # The database holds the line too, whatever writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        PartyGrant.objects.create(partner=other, country_code="NL", party_id="AAA", reason="x", granted_by="x")


def test_staff_grant_and_revoke_on_the_partner_page_with_reasons(client) -> None:
    partner, _ = make_partner(country_code="NL", party_id="EMS")
    client.force_login(operations_user())
    page = client.post(
        f"/partners/{partner.pk}/grants/",
        {"country_code": "be", "party_id": "em2", "reason": "Contract 42: Belgian brand"},
        follow=True,
    ).content.decode()
    assert "BE*EM2 granted" in page
    grant = PartyGrant.objects.get(party_id="EM2")
    assert (grant.partner, grant.reason, grant.granted_by) == (partner, "Contract 42: Belgian brand", "ops")
    assert 'data-grant="BE*EM2"' in page
    assert partner_parties(partner=partner) == {("NL", "EMS"), ("BE", "EM2")}

    refused = client.post(f"/partners/{partner.pk}/grants/", {"country_code": "BE", "party_id": "EM3"}, follow=True)
    assert "Not granted" in refused.content.decode()
    main = partner.grants.get(party_id="EMS")
    kept = client.post(f"/partners/{partner.pk}/grants/{main.pk}/revoke/", {"reason": "oops"}, follow=True)
    assert "main party" in kept.content.decode()

    client.post(f"/partners/{partner.pk}/grants/{grant.pk}/revoke/", {"reason": "Contract ended"})
    grant.refresh_from_db()
    assert (grant.revoke_reason, grant.revoked_by) == ("Contract ended", "ops")
    assert grant.revoked_at is not None
    assert partner_parties(partner=partner) == {("NL", "EMS")}
    # Revoked, the party can go to another partner; the history stays.
    other, _ = make_partner(country_code="DE", party_id="OTH")
    party_grant(partner=other, country_code="BE", party_id="EM2", reason="Moved", granted_by="bob")
    assert PartyGrant.objects.filter(party_id="EM2").count() == 2


def test_the_admin_shows_grants_and_cannot_change_them(admin_client) -> None:
    partner, _ = make_partner()
    grant = partner.grants.get()
    assert admin_client.get(f"/admin/ocpi_api/partygrant/{grant.pk}/change/").status_code == 200
    assert admin_client.get("/admin/ocpi_api/partygrant/add/").status_code == 403
    assert "Test partner" in admin_client.get(f"/admin/ocpi_api/partner/{partner.pk}/change/").content.decode()


def test_we_register_and_their_answer_names_an_ungranted_role(cpo, emsp) -> None:
    emsp.credentials_body = lambda token: {"token": token, "url": emsp.versions_url, "roles": _roles(("NL", "EVL"))}
    with pytest.raises(services.HandshakeError, match="EMSP NL\\*EVL not granted") as raised:
        services.partner_register(
            versions_url=emsp.versions_url, token_a=emsp.token_a, country_code="NL", party_id="EMS"
        )
    assert int(raised.value.status_code) == 3001
    partner = Partner.objects.get(versions_url=emsp.versions_url)
    assert (partner.status, partner.token_hash, partner.roles) == (Partner.Status.PENDING, None, [])
    assert partner_parties(partner=partner) == {("NL", "EMS")}


def test_our_rotation_keeps_the_roles_when_their_answer_names_an_ungranted_one(cpo, emsp) -> None:
    partner = services.partner_register(
        versions_url=emsp.versions_url, token_a=emsp.token_a, country_code="NL", party_id="EMS"
    )
    roles_before = partner.roles
    emsp.credentials_body = lambda token: {
        "token": token,
        "url": emsp.versions_url,
        "roles": _roles(("NL", "EMS"), ("NL", "EVL")),
    }
    with pytest.raises(services.HandshakeError, match="NL\\*EVL") as raised:
        services.partner_rotate_token(partner=partner)
    assert int(raised.value.status_code) == 3001
    partner.refresh_from_db()
    assert partner.roles == roles_before
    assert partner.outbound_token in emsp.valid_tokens  # the tokens were exchanged: nobody is locked out
    assert "NL*EVL" in partner.last_error


def test_the_migration_grants_each_partner_the_parties_it_had() -> None:
    first, _ = make_partner(country_code="", party_id="", roles=_roles(("NL", "ONE"), ("NL", "TWO")))
    pending, _ = make_partner(
        country_code="", party_id="", status=Partner.Status.PENDING, roles=_roles(("NL", "TWO"), ("NL", "TRE"))
    )
    migration = importlib.import_module("ocpi_api.migrations.0005_party_grants")
    migration.grant_current_parties(apps, None)
    assert partner_parties(partner=first) == {("NL", "ONE"), ("NL", "TWO")}
    assert partner_parties(partner=pending) == {("NL", "TRE")}  # NL*TWO went to the registered one
    assert {g.granted_by for g in PartyGrant.objects.all()} == {"migration"}


def test_revoking_stops_the_partner_acting_for_the_party(client) -> None:
    partner, token = make_partner(country_code="NL", party_id="EMS")
    extra = party_grant(partner=partner, country_code="NL", party_id="EM2", reason="Brand", granted_by="bob")
    url = "/ocpi/cpo/2.2.1/tokens/NL/EM2/CARD1"
    body = token_body("CARD1", party_id="EM2")
    assert client.put(url, body, content_type="application/json", **auth(token)).status_code == 201
    party_grant_revoke(grant=extra, reason="Brand sold", revoked_by="bob")
    refused = client.put(url, body, content_type="application/json", **auth(token))
    assert refused.status_code == 404
    assert "not one of your parties" in refused.json()["status_message"]
