"""In a real browser: ten wrong passwords lock the account with a visible message; an admin unlocks it in the admin
(django-axes' access attempts), and the right password then logs in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from playwright.sync_api import Browser, Page, expect

from tests.browser import log_in
from tests.factories import DEFAULT_PASSWORD, make_user, operations_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def submit(page: Page, username: str, password: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_ten_wrong_passwords_lock_and_the_admin_unlocks(live_server, page: Page, browser: Browser) -> None:
    operations_user()
    make_user("root", is_staff=True, is_superuser=True)
    # The admin is signed in already: the failures below lock this machine's address as well as the username.
    admin = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    log_in(admin, f"{live_server.url}/stations/", "root")

    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    for number in range(1, 11):
        submit(page, "ops", f"wrong-password-{number}")
        if number < 10:
            expect(page.locator(".alert-danger")).to_contain_text("didn't match")
    locked = page.locator("#login-locked")
    expect(locked).to_be_visible()
    expect(locked).to_contain_text("Log-in locked.")
    expect(locked).to_contain_text("blocked for 30 minutes")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "login_locked_1440.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOTS / "login_locked_390.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})

    submit(page, "ops", DEFAULT_PASSWORD)  # the right password does not get in while locked
    expect(page.locator("#login-locked")).to_be_visible()

    admin.goto(f"{live_server.url}/admin/axes/accessattempt/")
    expect(admin.locator("#result_list")).to_contain_text("ops")
    admin.check("#action-toggle")
    admin.select_option("select[name=action]", "delete_selected")
    admin.click("button[name=index]")
    admin.click("input[type=submit]")  # "Yes, I'm sure"
    expect(admin.locator(".messagelist")).to_contain_text("Successfully deleted")
    assert not AccessAttempt.objects.exists()

    submit(page, "ops", DEFAULT_PASSWORD)
    page.wait_for_url(re.compile(r"/dashboard/$"))
    expect(page.locator("#login-locked")).to_have_count(0)
