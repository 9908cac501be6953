"""Browser fixtures for every test folder (registered in tests/conftest.py): Playwright driving Debian's Chromium.

The browser lives for one module only: Playwright's sync API keeps an event loop running in the
main thread, and Django refuses ORM calls while one runs (hence DJANGO_ALLOW_ASYNC_UNSAFE, set
only while a browser is open, so the tests that follow are checked as usual).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("EVC_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (make install adds it)")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def check_accessibility(artifacts: Path) -> Any:
    """axe-core on the current page (WCAG 2.1 A/AA): no serious or critical violation; keeps a screenshot."""

    def check(page: Any, label: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": tags}})
        bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
        page.screenshot(path=str(artifacts / f"{label}.png"), full_page=True)
        assert not bad, f"{label}: " + "; ".join(f"{v['id']}: {v['help']} ({len(v['nodes'])}x)" for v in bad)

    return check


def log_in(page: Any, base_url: str, email: str, password: str) -> None:
    """Log in through the form, as a person does, and wait for the dashboard."""
    import re

    page.goto(f"{base_url}/account/inloggen/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/overzicht/.*"))
