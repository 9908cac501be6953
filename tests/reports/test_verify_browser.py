"""The public verification page in a real browser, Dutch and English: axe-core clean, upload works."""

from __future__ import annotations

import pytest

from evc.reports.services import signed_document_create

pytestmark = [pytest.mark.browser, pytest.mark.slow]

@pytest.mark.parametrize("lang, check, verdict", [("nl", "Controleren", "Echt: dit document"), ("en", "Check", "Authentic: this document")])
def test_a_visitor_checks_a_letter_in_the_browser(chromium, live_server, transactional_db, make_decision, tmp_path, lang, check, verdict, check_accessibility):
    document = signed_document_create(decision=make_decision("EVC-2026-000123"), kind="letter")
    letter = tmp_path / "besluit.pdf"
    with document.pdf.open("rb") as fh:
        letter.write_bytes(fh.read())
    context = chromium.new_context(locale="nl-NL" if lang == "nl" else "en-GB")
    context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/verify/EVC-2026-000123")
    check_accessibility(page, f"reports-verify-{lang}")
    page.set_input_files("input[type=file]", str(letter))
    page.get_by_role("button", name=check).click()
    page.wait_for_selector("#verify-result")
    assert verdict in page.inner_text("#verify-result")
    check_accessibility(page, f"reports-verify-result-{lang}")
    context.close()
