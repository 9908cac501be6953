"""The public verification page in a real browser, Dutch and English: axe-core clean, upload works."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evc.reports.services import signed_document_create

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("EVC_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    # Same set-up as tests/browser/conftest.py (fixtures there are not visible from tests/reports).
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _axe(page: Any, label: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": tags}})
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{label}.png"), full_page=True)
    assert not bad, f"{label}: " + "; ".join(f"{v['id']}: {v['help']} ({len(v['nodes'])}x)" for v in bad)


@pytest.mark.parametrize("lang, check, verdict", [("nl", "Controleren", "Echt: dit document"), ("en", "Check", "Authentic: this document")])
def test_a_visitor_checks_a_letter_in_the_browser(chromium, live_server, transactional_db, make_decision, tmp_path, lang, check, verdict):
    document = signed_document_create(decision=make_decision("EVC-2026-000123"), kind="letter")
    letter = tmp_path / "besluit.pdf"
    with document.pdf.open("rb") as fh:
        letter.write_bytes(fh.read())
    context = chromium.new_context(locale="nl-NL" if lang == "nl" else "en-GB")
    context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/verify/EVC-2026-000123")
    _axe(page, f"reports-verify-{lang}")
    page.set_input_files("input[type=file]", str(letter))
    page.get_by_role("button", name=check).click()
    page.wait_for_selector("#verify-result")
    assert verdict in page.inner_text("#verify-result")
    _axe(page, f"reports-verify-result-{lang}")
    context.close()
