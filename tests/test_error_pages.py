"""403, 404 and 500 come in the portal's layout, with a line that says what happened and where to go next."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from config.views import server_error
from tests.factories import finance_user

pytestmark = pytest.mark.django_db


def test_403_names_the_account_and_links_the_sections_it_may_open(client):
    client.force_login(finance_user())
    response = client.get(reverse("partners:list"))
    assert response.status_code == 403
    page = response.content.decode()
    assert '<nav class="navbar' in page  # the portal's menu, not a bare "403 Forbidden"
    assert "You don't have access to this page" in page
    assert "signed in as <strong>finance</strong>" in page
    assert f'<a href="{reverse("billing:invoice_list")}">Invoices</a>' in page
    assert "Partners</a>" not in page  # not offered what it may not open


def test_404_in_the_portal_layout_with_a_way_back(client):
    client.force_login(finance_user())
    response = client.get("/stations/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<nav class="navbar' in page
    assert "There is no page at this address" in page
    assert 'href="/">Go to the start page</a>' in page
    assert f'<a href="{reverse("stations:list")}">Stations</a>' in page


def test_an_anonymous_404_offers_the_start_page_and_no_sections(client):
    response = client.get("/nowhere/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'href="/">Go to the start page</a>' in page
    assert "Find it again from the lists" not in page


def test_500_renders_without_a_request_context_or_the_database(client, settings):
    # The database may be what failed: any query would raise here.
    with mock.patch.object(connection, "cursor", side_effect=AssertionError("500 must not touch the database")):
        response = server_error(RequestFactory().get("/stations/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert settings.CPO_BUSINESS_NAME in page  # the layout's brand, without the context processor
    assert '<nav class="navbar' in page
    assert 'href="/">Go to the start page</a>' in page


def test_the_project_uses_the_500_handler():
    from config import urls

    assert urls.handler500 == "config.views.server_error"
