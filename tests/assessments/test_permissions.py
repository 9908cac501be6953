"""The permissions matrix: every URL x every role x own/other object -> the answer it must get.

Other people's objects answer 404 (we do not reveal they exist); your own object with an action
your role may not take answers 403; anonymous visitors are sent to the log-in page.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from evc.curricula.models import LearningOutcome

pytestmark = pytest.mark.django_db

# owner = the case's applicant; other_app = another applicant; assessor = assigned to the case;
# other_ass = an assessor not assigned; member/chair = committee; employer; admin.
PERSONAS = ["owner", "other_app", "assessor", "other_ass", "member", "chair", "employer", "admin"]

CASE_STAFF_READ = [200, 404, 200, 404, 200, 200, 404, 200]
ASSESSOR_ONLY = [403, 404, 200, 404, 403, 403, 404, 403]
ASSESSOR_ONLY_POST = [403, 404, 302, 404, 403, 403, 404, 403]
OWNER_DRAFT = [200, 404, 404, 404, 404, 404, 404, 404]

# (name, case state, method, url builder, expected per persona)
MATRIX: list[tuple[str, str | None, str, Any, list[int]]] = [
    ("queue", None, "get", lambda c: reverse("assessments:queue"), [403, 403, 200, 200, 200, 200, 403, 200]),
    ("my_cases", None, "get", lambda c: reverse("assessments:my_cases"), [200, 200, 403, 403, 403, 403, 403, 403]),
    ("case_create", None, "get", lambda c: reverse("assessments:case_create"), [200, 200, 403, 403, 403, 403, 403, 403]),
    ("case_detail", "in_assessment", "get", lambda c: reverse("assessments:case_detail", args=[c.pk]), CASE_STAFF_READ),
    ("case_detail_draft", "draft", "get", lambda c: reverse("assessments:case_detail", args=[c.pk]), OWNER_DRAFT),
    ("case_edit", "draft", "get", lambda c: reverse("assessments:case_edit", args=[c.pk]), OWNER_DRAFT),
    ("case_submit", "draft", "get", lambda c: reverse("assessments:case_submit", args=[c.pk]), OWNER_DRAFT),
    ("case_withdraw", "in_assessment", "get", lambda c: reverse("assessments:case_withdraw", args=[c.pk]),
     [200, 404, 403, 404, 403, 403, 404, 403]),
    ("matching_status", "in_assessment", "get", lambda c: reverse("assessments:matching_status", args=[c.pk]), CASE_STAFF_READ),
    ("audit_csv", "in_assessment", "get", lambda c: reverse("assessments:audit_csv", args=[c.pk]),
     [403, 404, 200, 404, 200, 200, 404, 200]),
    ("case_assign", "in_assessment", "get", lambda c: reverse("assessments:case_assign", args=[c.pk]),
     [403, 404, 403, 404, 403, 200, 404, 200]),
    ("case_review", "in_assessment", "get", lambda c: reverse("assessments:case_review", args=[c.pk]), ASSESSOR_ONLY),
    ("review_save", "in_assessment", "post",
     lambda c: reverse("assessments:review_save", args=[c.pk, LearningOutcome.objects.get(code="CLOUD-1").pk]),
     ASSESSOR_ONLY_POST),
    ("advice_save", "in_assessment", "post",
     lambda c: reverse("assessments:advice_save", args=[c.pk, c.units.get(code="CLOUD").pk]), ASSESSOR_ONLY_POST),
    ("note_add", "in_assessment", "post", lambda c: reverse("assessments:note_add", args=[c.pk]), ASSESSOR_ONLY_POST),
    ("request_evidence", "in_assessment", "get", lambda c: reverse("assessments:request_evidence", args=[c.pk]), ASSESSOR_ONLY),
    ("advice_complete", "in_assessment", "get", lambda c: reverse("assessments:advice_complete", args=[c.pk]), ASSESSOR_ONLY),
    ("decide", "advice_ready", "get", lambda c: reverse("assessments:decide", args=[c.pk]),
     [403, 404, 403, 404, 200, 200, 404, 403]),
    # Staff outside the case see a decision as an anonymised precedent (other_ass: 200).
    ("decision_detail", "decided", "get",
     lambda c: reverse("assessments:decision_detail", args=[c.decisions.get().public_id]),
     [200, 404, 200, 200, 200, 200, 404, 200]),
    ("decision_correct", "decided", "get",
     lambda c: reverse("assessments:decision_correct", args=[c.decisions.get().public_id]),
     [403, 404, 403, 404, 200, 200, 404, 403]),
    ("appeal_lodge", "decided", "get", lambda c: reverse("assessments:appeal_lodge", args=[c.pk]),
     [200, 404, 403, 404, 403, 403, 404, 200]),
    ("appeal_resolve", "appeal_lodged", "get",
     lambda c: reverse("assessments:appeal_resolve", args=[c.appeals.get().pk]),
     [403, 404, 403, 404, 403, 200, 404, 200]),
]


@pytest.fixture
def people(applicant, other_applicant, assessor, other_assessor, committee_member, chair, employer_rep, admin_user):
    return dict(zip(PERSONAS, [applicant, other_applicant, assessor, other_assessor, committee_member, chair,
                               employer_rep, admin_user], strict=True))


def _post_data(name: str) -> dict[str, Any]:
    return {
        "review_save": {"verdict": "accepted", "rationale": "", "lock_version": 0},
        "advice_save": {"advice": "exemption", "motivation": "ok", "lock_version": 0},
        "note_add": {"kind": "interview", "text": "Gesprek gevoerd."},
    }.get(name, {})


@pytest.mark.parametrize(("name", "state", "method", "url", "expected"), MATRIX, ids=[m[0] for m in MATRIX])
def test_permissions_matrix(name, state, method, url, expected, people, make_case, client_for, client):
    case = make_case(state, chair=people["chair"]) if state else None
    target = url(case)
    got = {}
    for persona in PERSONAS:
        response = getattr(client_for(people[persona]), method)(target, _post_data(name))
        got[persona] = response.status_code
    assert got == dict(zip(PERSONAS, expected, strict=True))
    anonymous = getattr(client, method)(target, _post_data(name))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))


def test_every_url_is_in_the_matrix():
    from evc.assessments.urls import urlpatterns

    covered = {m[0] for m in MATRIX}
    assert {p.name for p in urlpatterns} <= covered
