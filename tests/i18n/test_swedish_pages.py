"""Every page of tests/site_pages.py, rendered in Swedish, says lang="sv" and shows no English (tests.i18n.scan)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD
from tests.i18n.scan import english_on, page_language
from tests.site_pages import USERNAMES, SitePage, site_network, site_pages

pytestmark = pytest.mark.django_db


def _untranslated(client: Client, page: SitePage) -> list[str]:
    response = client.get(page.url)
    assert response.status_code == page.status, f"{page.url}: HTTP {response.status_code}"
    html = response.content.decode()
    assert page_language(html) == "sv", f"{page.url}: <html lang={page_language(html)!r}>"
    return english_on(html, data=page.data)


@pytest.mark.parametrize("role", ["anonymous", "operations", "finance", "admin"])
def test_every_page_in_swedish_shows_no_english(role):
    site_network()
    found: list[str] = []
    client = Client()
    client.cookies["django_language"] = "sv"
    if role != "anonymous":
        signed_in = client.post(reverse("login"), {"username": USERNAMES[role], "password": DEFAULT_PASSWORD})
        assert signed_in.status_code == 302
    for page in site_pages():
        if page.role == role:
            found += [f"{page.url}: {english!r}" for english in _untranslated(client, page)]
    assert not found, "\n".join(found)
