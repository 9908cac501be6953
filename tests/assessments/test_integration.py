"""Where assessments meets the other apps: credential visibility, matching feedback, precedents."""

from __future__ import annotations

import pytest
from assessment_helpers import grant_all
from django.urls import reverse

from evc.assessments import services
from evc.assessments.models import Verdict
from evc.curricula.models import LearningOutcome
from evc.matching.models import MatchFeedback
from evc.portfolios.selectors import credential_visible_to

pytestmark = pytest.mark.django_db


def test_the_case_assessors_and_committee_can_read_its_credentials(make_case, assessor, other_assessor, chair,
                                                                   other_applicant, admin_user, client_for):
    case = make_case("in_assessment")
    credential = case.credentials.get()
    assert credential_visible_to(assessor, credential)
    assert credential_visible_to(chair, credential)
    assert not credential_visible_to(other_assessor, credential)
    assert not credential_visible_to(other_applicant, credential)
    url = reverse("portfolios:credential", args=[credential.pk])
    assert client_for(assessor).get(url).status_code == 200
    assert client_for(other_assessor).get(url).status_code == 404


def test_a_draft_credential_stays_private(make_case, assessor, chair):
    case = make_case("draft")
    assert not credential_visible_to(chair, case.credentials.get())


def test_accept_and_reject_become_labelled_examples_for_the_engine(make_case, assessor, admin_user):
    case = make_case("in_assessment")
    one, two = LearningOutcome.objects.filter(code__in=["CLOUD-1", "CLOUD-2"]).order_by("code")
    services.review_record(actor=assessor, case=case, outcome=one, verdict=Verdict.ACCEPTED)
    services.review_record(actor=assessor, case=case, outcome=two, verdict=Verdict.REJECTED, rationale="Alleen kennis.")
    services.review_record(actor=assessor, case=case, outcome=two, verdict=Verdict.REJECTED, rationale="Echt niet.",
                           expected_version=1)  # same verdict again: no second example
    rows = {(f.outcome.code, f.accepted) for f in MatchFeedback.objects.all()}
    assert rows == {("CLOUD-1", True), ("CLOUD-2", False)}
    example = MatchFeedback.objects.get(outcome=one)
    assert example.reviewer == assessor and example.score == pytest.approx(0.9)
    assert "CloudFormation" in example.claim_text


def test_staff_outside_a_case_see_its_decision_as_an_anonymous_precedent(make_case, assessor, other_assessor, chair,
                                                                         admin_user, client_for):
    case = make_case("advice_ready")
    decision = services.decision_record(actor=chair, case=case, units=grant_all(case))
    url = reverse("assessments:decision_detail", args=[decision.public_id])
    involved = client_for(assessor).get(url).content.decode()
    outsider = client_for(other_assessor).get(url).content.decode()
    assert "Marianne de Vries" in involved
    assert "Marianne de Vries" not in outsider and "precedent" in outsider
    assert "CLOUD" in outsider


def test_the_review_screen_shows_precedents_for_the_same_badge_class(make_case, client_for, assessor, chair,
                                                                     admin_user, other_applicant):
    from evc.matching.api import achievement_key
    from evc.portfolios.models import Credential

    # Give every credential in this test the same badge class, so the second case meets the first's decision.
    def same_badge_class(case):  # type: ignore[no-untyped-def]
        credential = case.credentials.get()
        Credential.objects.filter(pk=credential.pk).update(claim={**credential.claim, "achievement_id": "https://aws.example/saa",
                                                                  "issuer": {"id": "https://aws.example"}})
        return Credential.objects.get(pk=credential.pk)

    first = make_case("advice_ready")
    credential = same_badge_class(first)
    from evc.assessments.models import OutcomeSuggestion

    OutcomeSuggestion.objects.filter(case=first).update(achievement_key=achievement_key(credential.get_claim()))
    decision = services.decision_record(actor=chair, case=first, units=grant_all(first))
    second = make_case("in_assessment", owner=other_applicant)
    same_badge_class(second)
    OutcomeSuggestion.objects.filter(case=second).delete()  # even when the engine suggested nothing
    page = client_for(assessor).get(reverse("assessments:case_review", args=[second.pk])).content.decode()
    assert page.count(f">{decision.public_id}</a>") == 2  # once per unit
    assert "Earlier decisions" in page or "Eerdere besluiten" in page


def test_evidence_links_from_an_uploaded_badge_are_web_links_only(make_case, client_for, assessor, admin_user):
    from evc.portfolios.models import Credential

    case = make_case("in_assessment")
    credential = case.credentials.get()
    Credential.objects.filter(pk=credential.pk).update(claim={
        **credential.claim, "description": "<script>alert('x')</script>",
        "evidence_urls": ["javascript:alert(document.cookie)", "data:text/html,<b>x</b>", "https://video.example.org/blog"],
    })
    page = client_for(assessor).get(reverse("assessments:case_review", args=[case.pk])).content.decode()
    assert "javascript:alert" not in page and "data:text/html" not in page
    assert 'href="https://video.example.org/blog"' in page
    assert "<script>alert('x')</script>" not in page and "&lt;script&gt;" in page


def test_the_review_screen_shows_what_a_credential_says_it_does_not_cover(make_case, client_for, assessor):
    from evc.portfolios.models import Credential

    case = make_case("in_assessment")
    credential = case.credentials.get()
    url = reverse("assessments:case_review", args=[case.pk])
    assert "Volgens het bewijsstuk zelf valt dit erbuiten" not in client_for(assessor).get(url).content.decode()
    Credential.objects.filter(pk=credential.pk).update(claim={
        **credential.claim,
        "description": "Relational design and SQL are assessed. Document and graph stores are outside the scope of this course.",
    })
    page = client_for(assessor).get(url).content.decode()
    assert "Volgens het bewijsstuk zelf valt dit erbuiten" in page
    assert "<li>Document and graph stores are outside the scope of this course.</li>" in page


def test_the_review_screen_says_per_credential_how_many_outcomes_the_engine_suggested(make_case, client_for, assessor):
    from assessment_helpers import credential_for

    from evc.assessments.models import Case, MatchingStatus

    case = make_case("in_assessment")
    url = reverse("assessments:case_review", args=[case.pk])
    suggested = case.suggestions.filter(credential=case.credentials.get()).count()
    assert suggested > 1
    Case.objects.filter(pk=case.pk).update(matching_status=MatchingStatus.PENDING)
    assert "leeruitkomsten voorgesteld" not in client_for(assessor).get(url).content.decode()  # none before matching is done
    case.credentials.add(credential_for(case.applicant, title="Barista Level 2"))
    Case.objects.filter(pk=case.pk).update(matching_status=MatchingStatus.READY)
    page = client_for(assessor).get(url).content.decode()
    assert f"{suggested} leeruitkomsten voorgesteld" in page
    assert page.count("de koppeling vond hierin geen leeruitkomst van dit dossier") == 1  # the barista badge
