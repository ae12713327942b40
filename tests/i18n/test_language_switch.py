"""The language switch (chargepoints.languages): a cookie for everyone, a stored choice per user, restored at log-in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from chargepoints.languages import SESSION_KEY, language_choose
from chargepoints.models import StaffPreference
from tests.factories import DEFAULT_PASSWORD, make_location, operations_user

pytestmark = pytest.mark.django_db


def _log_in(client: Client) -> None:
    response = client.post(reverse("login"), {"username": "ops", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def test_english_is_the_default_and_the_page_says_so():
    response = Client().get(reverse("login"))
    assert '<html lang="en">' in response.content.decode()
    assert "Log in" in response.content.decode()


def test_an_anonymous_choice_lives_in_the_cookie_and_goes_back_to_the_page():
    client = Client()
    response = client.post(reverse("language"), {"language": "sv", "next": "/map/?q=Uppsala"})
    assert response.status_code == 302
    assert response["Location"] == "/map/?q=Uppsala"
    assert response.cookies["django_language"].value == "sv"
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="sv">' in page
    assert "Logga in" in page
    assert not StaffPreference.objects.exists()


def test_a_signed_in_choice_is_stored_for_the_user_and_follows_them_to_another_browser():
    operations_user()
    make_location(name="Resecentrum")
    first = Client()
    _log_in(first)
    first.post(reverse("language"), {"language": "sv", "next": reverse("stations:list")})
    assert StaffPreference.objects.get().language == "sv"
    other = Client()  # another browser: no cookie, English until the user signs in
    assert "Log in" in other.get(reverse("login")).content.decode()
    _log_in(other)
    assert other.session[SESSION_KEY] == "sv"
    page = other.get(reverse("stations:list"))
    assert '<html lang="sv">' in page.content.decode()
    assert "Stationer" in page.content.decode()
    assert page.cookies["django_language"].value == "sv"  # so the login page after log-out stays Swedish
    other.post(reverse("logout"))
    assert "Logga in" in other.get(reverse("login")).content.decode()


def test_the_stored_language_beats_the_cookie_and_the_browser():
    user = operations_user()
    language_choose(user=user, language="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="sv")
    client.cookies["django_language"] = "sv"
    _log_in(client)
    page = client.get(reverse("stations:list")).content.decode()
    assert '<html lang="en">' in page


def test_an_unknown_language_or_a_foreign_next_changes_nothing():
    client = Client()
    response = client.post(reverse("language"), {"language": "de", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert "django_language" not in response.cookies
    with pytest.raises(ValueError, match="unsupported"):
        language_choose(user=operations_user(), language="de")


def test_swedish_formats_numbers_and_dates(settings):
    from datetime import datetime
    from decimal import Decimal

    from django.utils import formats, translation

    with translation.override("sv"):
        assert formats.number_format(Decimal("1234.5"), 2, force_grouping=True) == "1\xa0234,50"
        assert formats.date_format(datetime(2026, 12, 4, 9, 5), "SHORT_DATETIME_FORMAT") == "2026-12-04 09:05"
        assert formats.date_format(datetime(2026, 12, 4), "DATE_FORMAT") == "2026-12-04"
    with translation.override("en"):
        assert formats.number_format(Decimal("1234.5"), 2, force_grouping=True) == "1,234.50"


def test_the_ocpi_edge_answers_in_english_whatever_the_partner_asks(client):
    response = client.get("/ocpi/cpo/2.2.1/locations", HTTP_ACCEPT_LANGUAGE="sv", HTTP_AUTHORIZATION="Token nope")
    assert response.headers["Content-Language"] == "en"
