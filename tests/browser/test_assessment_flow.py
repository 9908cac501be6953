"""The whole path in a real browser, in Dutch and in English: an applicant submits, the chair
assigns an assessor, the assessor reviews in place (htmx, keyboard) and advises, the chair decides.
Every page passes axe-core without serious or critical violations; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from evc.assessments.models import Case, Decision, OutcomeReview, OutcomeSuggestion
from evc.assessments.tasks import match_case
from evc.curricula.models import LearningOutcome

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LABELS = {
    "nl": {"continue": "Verder", "motivation": "Motivatie", "save_submit": "Bewaren en indienen",
           "submit_final": "Definitief indienen", "submitted": "Ingediend", "assign_link": "Beoordelaars toewijzen",
           "assign": "Toewijzen", "assess": "Beoordelen", "accept": "Aangetoond", "reject": "Niet aangetoond",
           "rationale": "Onderbouwing", "saved": "Opgeslagen.", "exemption": "Vrijstelling", "grounds": "Motivering",
           "save_advice": "Advies opslaan", "advice_saved": "Advies opgeslagen.", "advice_ready": "Advies gereed melden",
           "advice_ready_state": "Advies gereed", "decide": "Besluit nemen", "check": "Controleren",
           "record": "Besluit vastleggen", "granted": "Vrijstelling verleend"},
    "en": {"continue": "Continue", "motivation": "Motivation", "save_submit": "Save and submit",
           "submit_final": "Submit for good", "submitted": "Submitted", "assign_link": "Assign assessors",
           "assign": "Assign", "assess": "Assess", "accept": "Demonstrated", "reject": "Not demonstrated",
           "rationale": "Rationale", "saved": "Saved.", "exemption": "Exemption", "grounds": "Grounds",
           "save_advice": "Save advice", "advice_saved": "Advice saved.", "advice_ready": "Report advice ready",
           "advice_ready_state": "Advice ready", "decide": "Take decision", "check": "Check",
           "record": "Record decision", "granted": "Exemption granted"},
}


def _page_for(chromium: Any, live_server: Any, user: Any, lang: str) -> Any:
    client = Client()
    client.force_login(user)
    context = chromium.new_context(locale="nl-NL" if lang == "nl" else "en-GB", viewport={"width": 1280, "height": 900})
    context.add_cookies([
        {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
        {"name": "django_language", "value": lang, "url": live_server.url},
    ])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _read(query: Any) -> Any:
    """Read from the test thread; the live server shares the in-memory SQLite database and can hold
    a table lock for a moment after it answered, so retry briefly instead of failing on it."""
    import time

    from django.db import OperationalError

    for _attempt in range(50):
        try:
            return query()
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.1)
    return query()


def _read_until(query: Any, seconds: float = 5.0) -> Any:
    import time

    deadline = time.monotonic() + seconds
    while not (result := _read(query)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return result


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_applicant_assessor_and_committee_walk_the_procedure(
    lang, chromium, live_server, check_accessibility, transactional_db, catalogue, applicant, assessor, chair, settings
):
    from evc.portfolios.services import credential_add_manual

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    t = LABELS[lang]
    # The description as the certificate states it: a one-line "Designs distributed systems on AWS."
    # scores below the engine's credential gate.
    credential_add_manual(applicant=applicant, title="AWS Certified Solutions Architect", provider="Amazon Web Services",
                          description="The holder designs secure, resilient and cost-optimised architectures on AWS.",
                          url="https://aws.example/verify/1")

    # 1. The applicant starts, scopes and submits a case.
    page = _page_for(chromium, live_server, applicant, lang)
    page.goto(f"{live_server.url}/dossiers/nieuw/")
    page.get_by_role("combobox").select_option(value=str(catalogue.versions.get().pk))
    page.get_by_role("button", name=t["continue"]).click()
    page.get_by_label(re.compile(r"^CLOUD")).check()
    page.get_by_label(re.compile(r"^WEB")).check()
    page.get_by_label("AWS Certified Solutions Architect").check()
    page.get_by_label(re.compile(rf"^{t['motivation']}")).fill("Vijf jaar DevOps bij een cloudbureau.")
    check_accessibility(page, f"{lang}-1-case-edit")
    page.get_by_role("button", name=t["save_submit"]).click()
    check_accessibility(page, f"{lang}-2-case-submit")
    page.get_by_role("button", name=t["submit_final"]).click()
    page.get_by_text(t["submitted"], exact=True).first.wait_for()
    case = _read(lambda: Case.objects.get(applicant=applicant))
    assert case.state == "submitted"
    check_accessibility(page, f"{lang}-3-case-applicant")
    # The real engine, run as the worker runs the queued task (this test's task backend only queues).
    match_case.call(case.pk)
    suggested = _read(lambda: set(OutcomeSuggestion.objects.filter(case=case).values_list("outcome__code", flat=True)))
    assert "CLOUD-1" in suggested  # an AWS architect badge evidences the cloud-architecture outcome

    # 2. The chair assigns an assessor.
    chair_page = _page_for(chromium, live_server, chair, lang)
    chair_page.goto(f"{live_server.url}/dossiers/{case.pk}/")
    chair_page.get_by_role("link", name=t["assign_link"]).click()
    chair_page.get_by_label(re.compile("Anna Bakker")).check()
    check_accessibility(chair_page, f"{lang}-4-assign")
    chair_page.get_by_role("button", name=t["assign"], exact=True).click()
    chair_page.wait_for_url(re.compile(rf"/dossiers/{case.pk}/$"))

    # 3. The assessor reviews in place: no page reloads, keyboard works.
    page = _page_for(chromium, live_server, assessor, lang)
    page.goto(f"{live_server.url}/dossiers/")
    check_accessibility(page, f"{lang}-5-queue")
    page.get_by_role("link", name=case.reference).click()
    page.get_by_role("link", name=t["assess"], exact=True).click()
    page.evaluate("window.__stillTheSamePage = true")
    # Above the outcomes, what the engine concludes for the unit from the badge (a suggestion, not a decision).
    cloud = case.units.get(code="CLOUD")
    assert "AWS Certified Solutions Architect" in page.locator(f"#unit-{cloud.pk} .engine-advice").inner_text()
    outcomes = list(LearningOutcome.objects.filter(unit__in=case.units.all()).order_by("code"))
    for outcome in outcomes:
        block = page.locator(f"#lo-{outcome.pk}")
        if outcome.code in suggested:
            assert "AWS Certified Solutions Architect" in block.inner_text()
        elif not block.is_visible():
            # An outcome the engine did not suggest: the assessor opens the list and adds it herself.
            block.locator("xpath=ancestor::details[1]/summary").click()
        if outcome.code == "CLOUD-2":
            block.get_by_label(re.compile(t["rationale"])).fill("Toont kennis, niet het bouwen van een pijplijn.")
            block.get_by_role("button", name=t["reject"], exact=True).click()
        else:
            button = block.get_by_role("button", name=t["accept"], exact=True)
            button.focus()
            page.keyboard.press("Enter")  # accept with a keystroke
        block.get_by_text(t["saved"]).wait_for()
    for unit in case.units.all():
        block = page.locator(f"#advice-{unit.pk}")
        block.get_by_label(t["exemption"], exact=True).check()
        block.get_by_label(re.compile(rf"^{t['grounds']}")).fill(f"{unit.code}: aangetoond met de AWS-badge.")
        block.get_by_role("button", name=t["save_advice"]).click()
        block.get_by_text(t["advice_saved"]).wait_for()
    assert page.evaluate("window.__stillTheSamePage === true")  # htmx swapped fragments only
    assert _read(lambda: OutcomeReview.objects.filter(case=case).count()) == len(outcomes)
    check_accessibility(page, f"{lang}-6-review")
    page.get_by_role("link", name=t["advice_ready"]).click()
    page.get_by_role("button", name=t["advice_ready"]).click()
    page.get_by_text(t["advice_ready_state"], exact=True).first.wait_for()

    # 4. The chair decides through the confirmation page.
    chair_page.goto(f"{live_server.url}/dossiers/{case.pk}/")
    chair_page.get_by_role("link", name=t["decide"]).click()
    check_accessibility(chair_page, f"{lang}-7-decide")
    chair_page.get_by_role("button", name=t["check"]).click()
    check_accessibility(chair_page, f"{lang}-8-decide-confirm")
    chair_page.get_by_role("button", name=t["record"]).click()
    decision = _read(lambda: Decision.objects.get(case=case))
    chair_page.get_by_role("heading", name=re.compile(decision.public_id)).wait_for()
    assert chair_page.get_by_text(t["granted"]).count() == 2
    check_accessibility(chair_page, f"{lang}-9-decision")
    assert decision.snapshot["units"][0]["decision"] == "granted"


def test_a_colleagues_earlier_save_is_shown_and_nothing_typed_is_lost(
    chromium, live_server, artifacts, transactional_db, catalogue, applicant, assessor, other_assessor, admin_user,
    settings
):
    from evc.assessments import services
    from evc.portfolios.services import credential_add_manual

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    credential = credential_add_manual(applicant=applicant, title="AWS Certified Solutions Architect",
                                       provider="Amazon Web Services", description="Designs distributed systems on AWS.")
    version = catalogue.versions.get()
    case = services.case_create(actor=applicant, version=version, units=list(version.units.all()),
                                motivation="DevOps.", credentials=[credential])
    services.case_submit(actor=applicant, case=case)
    services.assessor_assign(actor=admin_user, case=case, assessors=[assessor, other_assessor])
    match_case.call(case.pk)
    outcome = LearningOutcome.objects.get(code="CLOUD-1")
    t = LABELS["nl"]

    # Both open the review screen before either saves.
    anna = _page_for(chromium, live_server, assessor, "nl")
    bram = _page_for(chromium, live_server, other_assessor, "nl")
    for page in (anna, bram):
        page.goto(f"{live_server.url}/dossiers/{case.pk}/beoordelen/")
    anna.locator(f"#lo-{outcome.pk}").get_by_role("button", name=t["accept"], exact=True).click()
    anna.locator(f"#lo-{outcome.pk}").get_by_text(t["saved"]).wait_for()
    block = bram.locator(f"#lo-{outcome.pk}")
    block.get_by_label(re.compile(t["rationale"])).fill("Mijn uitgebreide onderbouwing die niet verloren mag gaan.")
    block.get_by_role("button", name=t["reject"], exact=True).click()
    alert = block.get_by_role("alert")
    alert.wait_for()
    assert "Iemand anders heeft dit intussen opgeslagen" in alert.inner_text()
    assert "Oordeel: Aangetoond (Anna Bakker)" in block.inner_text()  # the colleague's version is shown
    assert block.get_by_label(re.compile(t["rationale"])).input_value() == "Mijn uitgebreide onderbouwing die niet verloren mag gaan."
    bram.screenshot(path=str(artifacts / "nl-conflict.png"), full_page=True)
    review = _read(lambda: OutcomeReview.objects.get(case=case, outcome=outcome))
    assert (review.verdict, review.reviewer, review.lock_version) == ("accepted", assessor, 1)
    # Saving again on the version now shown goes through.
    block.get_by_role("button", name=t["reject"], exact=True).click()
    block.get_by_text("Oordeel: Niet aangetoond (Bram Smit)").wait_for()
    assert _read_until(lambda: OutcomeReview.objects.filter(case=case, outcome=outcome, verdict="rejected",
                                                            reviewer=other_assessor, lock_version=2).exists())
