"""Steps the Playwright tests share."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page

from tests.factories import DEFAULT_PASSWORD


def log_in(page: Page, url: str, username: str, password: str = DEFAULT_PASSWORD) -> None:
    """Open ``url`` signed out, sign in on the login page it sends us to, and wait to be back at ``url``."""
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(re.escape(urlsplit(url).path) + "$"))
