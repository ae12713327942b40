"""axe-core in the browser: the WCAG 2.1 A and AA rules run on a page as a person sees it.

axe-core is vendored under tests/vendor/axe-core for the tests only; it is never served to users."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

AXE_SOURCE = (Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js").read_text()
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def settle(page: Page) -> None:
    """Wait for what a page loads after itself (htmx sections); a page that polls never goes idle, so don't wait
    for ever."""
    try:
        page.wait_for_load_state("networkidle", timeout=10_000)
    except PlaywrightTimeoutError:
        page.wait_for_load_state("load")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The WCAG 2.1 A/AA violations on ``page`` now, one dict per rule with the offending elements."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        try:
            page.add_script_tag(content=AXE_SOURCE)
        except PlaywrightError:  # a page whose Content-Security-Policy refuses inline scripts (Stripe's pay page)
            page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> list[str]:
    """One readable line per offending element: the rule, the element and what axe says to fix."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"{violation['id']}: {' '.join(node['target'])}: {summary[:240]}")
    return lines
