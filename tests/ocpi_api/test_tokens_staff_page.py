"""The staff token page: operations staff look a token up and see the stored token and why it was accepted or
refused; others may not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chargepoints.authorization import get_token_authority
from tests.factories import finance_user, operations_user

from .drivers import registered_partner, roaming_station, stored_token

pytestmark = pytest.mark.django_db
URL = reverse("partners:tokens")


def test_only_logged_in_operations_staff_may_look(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    client.force_login(finance_user())
    assert client.get(URL).status_code == 403
    client.force_login(operations_user())
    assert client.get(URL).status_code == 200


def test_a_token_and_the_reasons_of_its_decisions(client, settings):
    settings.OCPI_REALTIME_AUTHORIZATION_TIMEOUT = (0.2, 0.2)
    partner, _ = registered_partner(
        endpoints=[{"identifier": "tokens", "role": "SENDER", "url": "http://127.0.0.1:9/tokens"}], outbound_token="t"
    )
    stored_token(partner, uid="CARD-OK", visual_number="NL-EMS-0001", whitelist="ALWAYS")
    stored_token(partner, uid="CARD-NEVER", whitelist="NEVER")
    evse = roaming_station()
    authority = get_token_authority()
    for uid in ("CARD-OK", "CARD-NEVER", "STRANGER"):
        authority.authorize(token_uid=uid, token_type="RFID", location=evse.location, evse=evse)
    client.force_login(operations_user())

    page = client.get(URL, {"uid": "card-ok"}).content.decode()
    assert "NL*EMS · RFID · CARD-OK" in page
    assert "NL-EMS-0001" in page
    assert "whitelist ALWAYS" in page
    assert "whitelist ALWAYS: valid on our copy of the eMSP&#x27;s token" in page
    assert "CARD-NEVER" not in page

    page = client.get(URL, {"uid": "CARD-NEVER"}).content.decode()
    assert "refused" in page
    assert "whitelist NEVER needs the eMSP&#x27;s answer, and the eMSP could not answer" in page
    assert "Could not reach http://127.0.0.1:9/tokens/CARD-NEVER/authorize" in page

    page = client.get(URL, {"uid": "STRANGER"}).content.decode()
    assert "No eMSP has sent us a token with this uid" in page
    assert "unknown token: no eMSP has sent it to us" in page

    overview = client.get(URL).content.decode()
    assert all(uid in overview for uid in ("CARD-OK", "CARD-NEVER", "STRANGER"))


def test_the_admin_shows_tokens_decisions_and_commands_read_only(client, admin_user):
    partner, _ = registered_partner()
    token = stored_token(partner)
    client.force_login(admin_user)
    for model in ("emsptoken", "authorizationrecord", "commandrequest"):
        assert client.get(reverse(f"admin:ocpi_api_{model}_changelist")).status_code == 200
    assert client.get(reverse("admin:ocpi_api_emsptoken_add")).status_code == 403
    assert client.get(reverse("admin:ocpi_api_emsptoken_change", args=[token.pk])).status_code == 200  # view only
    page = client.get(reverse("admin:ocpi_api_partner_change", args=[partner.pk])).content.decode()
    assert 'name="realtime_authorization"' in page
