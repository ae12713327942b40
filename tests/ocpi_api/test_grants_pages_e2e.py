"""The grant section of the partner page and the conflicts on the driver tokens page, in a real browser at desktop
and phone width (screenshots under GRANTS_SCREENSHOTS when set)."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from ocpi_api.grants import party_grant, party_grant_revoke
from ocpi_api.models import EmspToken
from tests.browser import log_in
from tests.factories import operations_user

from .drivers import registered_partner, token_fields

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    folder = os.environ.get("GRANTS_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_staff_grant_a_party_and_see_a_uid_conflict(live_server, page):
    operations_user()
    a, _ = registered_partner(
        party_id="AAA",
        roles=[
            {"role": "EMSP", "country_code": "NL", "party_id": "AAA", "business_details": {"name": "A"}},
            {"role": "EMSP", "country_code": "NL", "party_id": "ZZZ", "business_details": {"name": "Z"}},
        ],
    )
    b, _ = registered_partner(party_id="BBB")
    old = party_grant(partner=a, country_code="BE", party_id="OLD", reason="Old brand", granted_by="ops")
    party_grant_revoke(grant=old, reason="Brand sold", revoked_by="ops")
    for partner in (a, b):
        EmspToken.objects.create(
            **token_fields("BBB0000001", "NL", partner.party_id),
            partner=partner,
            last_updated=datetime(2026, 1, 1, tzinfo=UTC),
        )
    log_in(page, f"{live_server.url}/partners/{a.pk}/", "ops")
    assert "not granted" in page.inner_text("body")  # its NL*ZZZ role
    page.fill("#grant-country", "de")
    page.fill("#grant-party", "em2")
    page.fill("#grant-reason", "Contract 42")
    page.click("text=Grant party")
    page.wait_for_selector('[data-grant="DE*EM2"]')
    assert "DE*EM2 granted" in page.inner_text("body")
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        _shot(page, f"partner-{width}")
    page.goto(f"{live_server.url}/partners/tokens/")
    conflict = page.inner_text('[data-conflict="BBB0000001"]')
    assert "NL*AAA" in conflict
    assert "NL*BBB" in conflict
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        _shot(page, f"tokens-{width}")
