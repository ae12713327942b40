"""Staff log-in: lockout per username and per address (django-axes), unlock by staff, and back-office session
lifetimes (chargepoints.staff_login)."""

from __future__ import annotations

import time

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from chargepoints.staff_login import SEEN, STARTED
from tests.factories import DEFAULT_PASSWORD, make_user, operations_user

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def attempt(client, username: str, password: str = "wrong-password", address: str = "10.1.2.3"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_ten_wrong_passwords_lock_the_account_until_staff_unlock_it(client) -> None:
    operations_user()
    for _ in range(9):
        response = attempt(client, "ops")
        assert response.status_code == 200
        assert "didn't match" in response.content.decode()
    locked = attempt(client, "ops")
    assert locked.status_code == 429
    assert "Log-in locked." in locked.content.decode()
    assert "blocked for 30 minutes" in locked.content.decode()
    # The right password, even from another address, does not get in while the username is locked.
    right = attempt(client, "ops", DEFAULT_PASSWORD, address="10.9.9.9")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session

    AccessAttempt.objects.filter(username="ops").delete()  # what the admin's delete action does
    assert attempt(client, "ops", DEFAULT_PASSWORD).status_code == 302
    assert client.session["_auth_user_id"]


def test_ten_failures_from_one_address_lock_that_address(client) -> None:
    make_user("anna")
    for number in range(10):
        attempt(client, f"guess{number}", address="10.6.6.6")
    assert attempt(client, "anna", DEFAULT_PASSWORD, address="10.6.6.6").status_code == 429
    assert attempt(client, "anna", DEFAULT_PASSWORD, address="10.7.7.7").status_code == 302


def test_the_admin_lists_the_lockouts_for_unlocking(client) -> None:
    for _ in range(10):
        attempt(client, "ops")
    admin = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "ops" in page
    assert "10.1.2.3" in page


def test_sessions_last_hours_not_weeks() -> None:
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_IDLE_TIMEOUT <= settings.SESSION_COOKIE_AGE


def _age_session(client, *, started: int, seen: int) -> None:
    session = client.session
    session[STARTED], session[SEEN] = int(time.time()) - started, int(time.time()) - seen
    session.save()


def test_an_idle_session_ends(client) -> None:
    client.force_login(operations_user())
    assert client.get("/stations/").status_code == 200
    _age_session(client, started=2 * 3600, seen=settings.SESSION_IDLE_TIMEOUT + 5)
    response = client.get("/stations/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert "You were logged out after 1 hour without activity" in response.content.decode()


def test_a_busy_session_ends_after_its_lifetime(client) -> None:
    client.force_login(operations_user())
    _age_session(client, started=settings.SESSION_COOKIE_AGE + 5, seen=10)
    response = client.get("/stations/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_an_active_session_goes_on_and_marks_activity_at_most_once_a_minute(client) -> None:
    client.force_login(operations_user())
    _age_session(client, started=3600, seen=30)
    assert client.get("/stations/").status_code == 200
    assert int(time.time()) - client.session[SEEN] >= 30  # not rewritten within the minute
    _age_session(client, started=3600, seen=120)
    assert client.get("/stations/").status_code == 200
    assert int(time.time()) - client.session[SEEN] < 5


def test_behind_a_proxy_failures_count_for_the_client_not_the_proxy(client, settings) -> None:
    settings.AXES_TRUSTED_PROXY_COUNT = 1
    make_user("anna")
    for _ in range(10):  # the attacker also forges an X-Forwarded-For of its own: the proxy appends the real one
        client.post(
            LOGIN,
            {"username": "nobody", "password": "x"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9",
        )
    anna = {"username": "anna", "password": DEFAULT_PASSWORD}
    assert client.post(LOGIN, anna, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    assert client.post(LOGIN, anna, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302
