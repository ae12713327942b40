"""The language switch in a real browser: by keyboard, kept on reload and on other pages, kept for the user after
log-out and in another browser, and axe-clean."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.a11y import axe_violations, describe
from tests.browser import log_in
from tests.factories import DEFAULT_PASSWORD, make_location, operations_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_switching_to_swedish_sticks_to_the_user(live_server, browser):
    operations_user()
    make_location(name="Resecentrum")
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    log_in(page, f"{live_server.url}{reverse('stations:dashboard')}", "ops")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Dashboard"

    # By keyboard: the switch is a pair of buttons outside the collapsed phone menu.
    sv = page.locator(".language-switch button[value=sv]")
    assert sv.get_attribute("aria-pressed") == "false"
    sv.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(reverse("stations:dashboard"))
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("h1").inner_text() == "Översikt"
    assert page.locator(".language-switch button[value=sv]").get_attribute("aria-pressed") == "true"
    assert not describe(axe_violations(page))

    page.reload()
    assert page.locator("h1").inner_text() == "Översikt"
    page.goto(f"{live_server.url}{reverse('stations:list')}")
    assert page.locator("h1").inner_text() == "Stationer"

    page.get_by_role("button", name="Meny").click()  # the phone menu, in Swedish too
    # Bootstrap marks the menu .show once it has finished opening: a click while it still slides can miss the button.
    page.wait_for_selector(".navbar-collapse.show")
    page.locator("button", has_text="Logga ut").click()
    page.wait_for_url("**/accounts/login/")
    assert page.locator("h1").inner_text() == "Logga in"
    context.close()

    # Another browser: English until the user signs in, then the user's Swedish.
    other = browser.new_context(viewport={"width": 1440, "height": 900})
    page = other.new_page()
    page.goto(f"{live_server.url}{reverse('login')}")
    assert page.locator("h1").inner_text() == "Log in"
    page.fill("input[name=username]", "ops")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{reverse('stations:dashboard')}")
    assert page.locator("h1").inner_text() == "Översikt"
    other.close()
