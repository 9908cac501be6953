"""The demo world `seed_demo` builds, in a real Chromium.

Scenario 2: Anna opens Leah's dossier, reads the badge's narrative and the video link next to the
outcomes, sees that the engine proposes nothing for this history badge, judges an outcome it did not
propose and advises on the unit. And on a phone, no page of the world scrolls sideways."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command

from evc.accounts.models import User
from evc.assessments.models import Case, OutcomeReview, UnitAdvice
from evc.curricula.models import LearningOutcome
from tests.browser_support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO_PASSWORD = "evc-demo-2026"


def test_the_assessor_reviews_leahs_history_badge_in_the_demo_world(
    chromium, live_server, transactional_db, settings, check_accessibility
) -> None:
    settings.DEBUG = True  # seed_demo refuses to run otherwise
    settings.EVC_USE_EMBEDDINGS = False  # the story does not depend on the model; lexical matching is quick
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("seed_demo", verbosity=0)
    anna = User.objects.get(email="anna.bakker@demo.evc.test")
    case = Case.objects.get(applicant__first_name="Leah", state="in_assessment")
    outcome = LearningOutcome.objects.get(unit__version=case.version, code="LE-ICC-LO1")

    page: Any = chromium.new_context(locale="nl-NL").new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, anna.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/dossiers/")
    page.get_by_role("link", name=case.reference).click()
    page.get_by_role("link", name="Beoordelen").first.click()
    page.wait_for_url(re.compile(rf"/dossiers/{case.pk}/beoordelen/"))

    # The evidence next to the outcomes: the badge's narrative and the video it links to.
    evidence = page.inner_text("section[aria-labelledby=evidence-h]")
    assert "History of the 17th century" in evidence and "maritime museum" in evidence
    assert page.locator("a[href='https://video.example.org/leah/maritiem-museum']").count() >= 1
    # The engine says so when it proposes nothing, instead of stretching a history badge over the units.
    assert "De matching stelde voor deze eenheid niets voor." in page.inner_text("main")
    check_accessibility(page, "demo-leah-review")

    # Anna judges an outcome the engine did not propose, with her reason, and advises on the unit.
    row = page.locator(f"#lo-{outcome.pk}")
    details = page.locator("details", has=row)
    if not details.evaluate("d => d.open"):  # open already when the engine proposed nothing in the unit
        details.locator("summary").click()
    row.locator("textarea").fill("De badge gaat over de Nederlandse Republiek, niet over Engelstalige landen.")
    row.get_by_role("button", name="Niet aangetoond").click()
    row.get_by_text("Opgeslagen.").wait_for()
    review = OutcomeReview.objects.get(case=case, outcome=outcome)
    assert review.verdict == "rejected" and review.reviewer == anna and review.added_by_assessor

    unit = outcome.unit
    advice = page.locator(f"#advice-{unit.pk}")
    advice.get_by_label("Geen vrijstelling").check()
    advice.get_by_label(re.compile("^Motivering")).fill("Buitencurriculair: geen leeruitkomst van LE-ICC aangetoond.")
    advice.get_by_role("button", name=re.compile("Advies opslaan")).click()
    advice.get_by_text("Advies opgeslagen.").wait_for()
    assert UnitAdvice.objects.get(case=case, unit=unit).advice == "no_exemption"


def test_on_a_phone_no_page_of_the_demo_world_scrolls_sideways(chromium, live_server, transactional_db, settings) -> None:
    """Applicants are often on a phone (390 px wide): wide tables scroll inside their own box instead."""
    from evc.assessments.models import Decision
    from evc.employers.models import MappingRun

    settings.DEBUG = True
    settings.EVC_USE_EMBEDDINGS = False
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("seed_demo", verbosity=0)
    decision = Decision.objects.filter(status="valid").order_by("decided_at").first()
    run = MappingRun.objects.get(status="done")  # the demo employer's mapping, with its heatmap
    pages = {
        "marianne@demo.evc.test": ["/portfolio/", "/dossiers/mijn/", f"/dossiers/besluiten/{decision.public_id}/"],
        "els.deboer@demo.evc.test": ["/dossiers/", f"/dossiers/{decision.case_id}/", "/catalogus/HBO-ICT-SE/"],
        "fleur.hr@demo.evc.test": ["/werkgever/", f"/werkgever/koppelingen/{run.pk}/"],
        "": [f"/verify/{decision.public_id}"],  # the public page an employer opens from the letter's QR code
    }
    wide = []
    for email, paths in pages.items():
        context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                       locale="nl-NL")
        page: Any = context.new_page()
        if email:
            log_in(page, live_server.url, email, DEMO_PASSWORD)
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 391:  # name what sticks out, outside the boxes that scroll on their own
                culprits = page.evaluate("""[...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > 392 && !e.closest('.heatmap-wrap, .table-scroll'))
                    .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)""")
                wide.append((path, width, culprits))
        context.close()
    assert wide == []
