"""A smoke test in a real browser: Debian's Chromium driven by Playwright."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (apt-get install -y chromium)"),
]

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture
def browser_page(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the test thread
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        yield page
        browser.close()


@pytest.mark.django_db(transaction=True)
class BrowserSmokeTests:
    def test_an_official_logs_in_and_sees_their_scope(self, users, live_server, browser_page):
        page = browser_page
        page.goto(f"{live_server.url}/")
        page.fill("input[name=username]", "t_ninhson")
        page.fill("input[name=password]", PASSWORD)
        page.click("[data-testid=login-submit]")
        page.wait_for_selector("[data-testid=home-scope]")
        scope_text = page.inner_text("[data-testid=home-scope]")
        assert "Ninh Sơn" in scope_text and "585" in scope_text
        # Vietnamese first, whatever language the browser announces.
        assert "Phạm vi" in scope_text
        # The CSP allows our own assets: Bootstrap's stylesheet is applied.
        assert page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "flex"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "home-ninhson.png"), full_page=True)
        assert (ARTIFACTS / "home-ninhson.png").stat().st_size > 10_000
        page.click("button[name=language][value=en]")
        page.wait_for_selector("text=Where to go next")
