"""Bad input gets a clear 4xx answer and stores nothing; never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evc.assessments.models import AuditEntry, Case, Decision, OutcomeReview

pytestmark = pytest.mark.django_db


def test_garbage_never_causes_a_server_error(make_case, client_for, applicant, assessor, chair, admin_user):
    working = make_case("in_assessment")
    advised = make_case("advice_ready")
    audit_before = AuditEntry.objects.count()
    as_assessor, as_chair, as_applicant = client_for(assessor), client_for(chair), client_for(applicant)
    probes = [
        (as_assessor, "post", reverse("assessments:review_save", args=[working.pk, 999999]), {"verdict": "accepted"}),
        (as_assessor, "post", reverse("assessments:review_save", args=[working.pk, working.units.first().outcomes.first().pk]),
         {"verdict": "maybe", "lock_version": "x"}),
        (as_assessor, "post", reverse("assessments:advice_save", args=[working.pk, working.units.first().pk]),
         {"advice": "exemption", "motivation": "", "lock_version": -1}),
        (as_assessor, "post", reverse("assessments:note_add", args=[working.pk]), {"kind": "dance", "held_on": "31-02-2026"}),
        (as_assessor, "post", reverse("assessments:request_evidence", args=[working.pk]), {"message": "   "}),
        (as_chair, "post", reverse("assessments:decide", args=[advised.pk]), {"step": "confirm", "u1-decision": "maybe"}),
        (as_chair, "post", reverse("assessments:decide", args=[working.pk]), {"step": "confirm"}),
        (as_chair, "post", reverse("assessments:case_assign", args=[working.pk]), {"assessors": ["abc", 999999]}),
        (as_chair, "get", reverse("assessments:queue"), {"sort": "'; DROP TABLE", "page": "-1", "state": "nonsense"}),
        (as_chair, "get", reverse("assessments:decision_detail", args=["EVC-0000-000000"]), {}),
        (as_applicant, "post", reverse("assessments:case_create"), {"version": "not-a-number"}),
        (as_applicant, "post", reverse("assessments:appeal_lodge", args=[working.pk]), {"grounds": "", "lodged_on": "gisteren"}),
    ]
    for client, method, url, data in probes:
        response = getattr(client, method)(url, data)
        assert 200 <= response.status_code < 500, (url, response.status_code)
        if method == "post" and response.status_code not in (302,):
            assert response.status_code >= 400, (url, response.status_code)
    assert AuditEntry.objects.count() == audit_before
    assert not OutcomeReview.objects.filter(case=working).exists()
    assert not Decision.objects.exists()
    assert Case.objects.get(pk=working.pk).state == "in_assessment"
