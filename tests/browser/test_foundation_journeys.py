"""The journeys every user starts with: the public catalogue, signing up, logging in, switching language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from evc.accounts.models import User

pytestmark = pytest.mark.browser


def test_a_visitor_searches_the_catalogue_without_a_page_reload(
    chromium, live_server, catalogue, artifacts, check_accessibility
) -> None:  # type: ignore[no-untyped-def]
    page = chromium.new_context(locale="nl-NL").new_page()
    page.goto(f"{live_server.url}/catalogus/")
    page.evaluate("window.__marker = 'same page'")
    page.fill("#q", "pipeline")
    page.wait_for_selector("#results li")
    assert "CI/CD pipeline" in page.inner_text("#results")
    assert page.evaluate("window.__marker") == "same page"  # htmx swapped the results in place
    assert "q=pipeline" in page.url  # and pushed the search into the address bar
    check_accessibility(page, "foundation-catalogue-search")
    page.click("text=HBO-ICT Software Engineering")
    page.click("text=Cloud & DevOps")
    assert "Terraform" in page.inner_text("main")
    check_accessibility(page, "foundation-unit")


def test_an_applicant_signs_up_on_a_phone_confirms_and_switches_to_english(
    chromium, live_server, transactional_db, artifacts, check_accessibility, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.EVC_SITE_URL = live_server.url
    phone = chromium.new_context(locale="nl-NL", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    page.goto(f"{live_server.url}/")
    check_accessibility(page, "foundation-home-phone")
    page.click("main >> text=Account aanmaken")
    page.fill("#id_first_name", "Marianne")
    page.fill("#id_last_name", "de Vries")
    page.fill("#id_email", "marianne@example.org")
    page.fill("#id_password", "a-long-unusual-passphrase")
    check_accessibility(page, "foundation-register-phone")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/overzicht/applicant/$"))
    assert "Welkom, Marianne" in page.inner_text("h1")
    assert "Bevestig je e-mailadres" in page.inner_text("main")
    check_accessibility(page, "foundation-dashboard-phone")

    link = re.search(r"http\S+", mail.outbox[-1].body).group(0)  # type: ignore[union-attr]
    page.goto(link)
    assert User.objects.get(email="marianne@example.org").email_confirmed

    page.click("button[value=en]")
    page.goto(f"{live_server.url}/overzicht/")
    assert "Welcome, Marianne" in page.inner_text("h1")
    assert page.get_attribute("html", "lang") == "en"


def test_staff_log_in_and_reach_their_dashboard(
    chromium, live_server, assessor, artifacts, check_accessibility
) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import PASSWORD

    page: Any = chromium.new_context(locale="nl-NL").new_page()
    page.goto(f"{live_server.url}/account/inloggen/")
    check_accessibility(page, "foundation-login")
    page.fill("#id_username", assessor.email)
    page.fill("#id_password", "wrong")
    page.click("main button[type=submit]")
    assert "klopt niet" in page.inner_text("main")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/overzicht/assessor/$"))
    assert "Overzicht beoordelaar" in page.inner_text("h1")
    check_accessibility(page, "foundation-assessor-dashboard")
