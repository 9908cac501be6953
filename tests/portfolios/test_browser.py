"""The portfolio page in a real browser: multi-file upload through htmx, drag and drop, detail, removal.

Every page passes axe-core (WCAG 2.1 A/AA) without serious or critical violations.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from evc.portfolios.models import Credential
from tests.portfolios import fixtures as fx

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _page(chromium: Any, live_server: Any, user: Any) -> Any:
    client = Client()
    client.force_login(user)
    context = chromium.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_applicant_uploads_drops_inspects_and_removes_credentials(chromium, live_server, applicant, check_accessibility, settings):
    settings.EVC_FETCH_REMOTE = False
    page = _page(chromium, live_server, applicant)
    page.goto(f"{live_server.url}/portfolio/")
    check_accessibility(page, "portfolio-empty")

    good = json.dumps(fx.ob3_credential()).encode()
    page.set_input_files("input[type=file]", [
        {"name": "english.json", "mimeType": "application/json", "buffer": good},
        {"name": "broken.json", "mimeType": "application/json", "buffer": b"{broken"},
    ])
    page.get_by_role("button", name="Uploaden").click()
    results = page.locator("#upload-results")
    results.get_by_text("geweigerd").wait_for()
    assert "ingelezen" in results.inner_text() and "geen geldige JSON" in results.inner_text()
    page.locator("#credential-list").get_by_role("link", name="English for Doing Business in Asia", exact=True).wait_for()  # htmx out-of-band refresh
    assert Credential.objects.count() == 1

    # Drag and drop: the drop handler hands the files to the file input.
    other = fx.ob3_credential()
    other["credentialSubject"]["achievement"]["name"] = "Intercultural negotiation"
    page.evaluate(
        """(text) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], 'dropped.json', {type: 'application/json'}));
            const form = document.querySelector('form.dropzone');
            form.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
        }""",
        json.dumps(other),
    )
    page.get_by_role("button", name="Uploaden").click()
    page.locator("#credential-list").get_by_role("link", name="Intercultural negotiation", exact=True).wait_for()
    check_accessibility(page, "portfolio-uploaded")

    page.locator("#credential-list").get_by_role("link", name="English for Doing Business in Asia", exact=True).click()
    page.get_by_role("heading", name="Controles").wait_for()
    assert "Het credential is niet ondertekend" in page.content()
    check_accessibility(page, "portfolio-credential-detail")

    page.get_by_role("link", name="Verwijderen").last.click()
    check_accessibility(page, "portfolio-confirm-delete")
    page.get_by_role("button", name="Ja, verwijderen").click()
    page.get_by_text("is verwijderd").wait_for()
    assert Credential.objects.count() == 1
