"""A real Chromium for the browser tests, driven through Playwright's sync API.

The `browser` fixture (tests/conftest.py) launches it; tests using it carry the `browser` marker.
"""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from .people import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium():
    """A headless Chromium; the test is skipped where it is not installed, and fails in CI."""
    if not Path(CHROMIUM).exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def new_page(browser, *, width: int = 1280, height: int = 900):
    """A tab in a fresh context (no cookies) with a window of that size."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page, base_url: str, email: str) -> None:
    """Sign in through the login page, as the person with that address would."""
    page.goto(f"{base_url}/incidents/")
    assert "/login/" in page.url
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/incidents/")
