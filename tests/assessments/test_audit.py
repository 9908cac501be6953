"""The audit trail is append-only and tells the committee's history on its own."""

from __future__ import annotations

import pytest

from evc.assessments import services
from evc.assessments.models import AuditEntry, ImmutableError

pytestmark = pytest.mark.django_db


def test_audit_entries_cannot_be_changed_or_deleted(make_case, assessor, admin_user):
    case = make_case("in_assessment")
    entry = AuditEntry.objects.filter(case=case).first()
    entry.comment = "rewritten history"
    with pytest.raises(ImmutableError):
        entry.save()
    with pytest.raises(ImmutableError):
        entry.delete()
    with pytest.raises(ImmutableError):
        AuditEntry.objects.filter(case=case).update(comment="x")
    with pytest.raises(ImmutableError):
        AuditEntry.objects.filter(case=case).delete()
    assert AuditEntry.objects.get(pk=entry.pk).comment == ""


def test_the_trail_records_who_what_and_before_after(make_case, applicant, assessor, chair, admin_user):
    case = make_case("decided", chair=chair)
    trail = list(AuditEntry.objects.filter(case=case).values_list("action", "before", "after"))
    actions = [a for a, _b, _c in trail]
    for expected in (
        "evc.case.created", "evc.case.submitted", "evc.case.assessors_assigned", "evc.case.assessment_started",
        "evc.review.recorded", "evc.advice.recorded", "evc.case.advice_ready", "evc.decision.recorded",
        "evc.case.decided",
    ):
        assert expected in actions
    assert ("evc.case.submitted", "draft", "submitted") in trail
    assert ("evc.case.decided", "advice_ready", "decided") in trail
    assert actions.index("evc.case.submitted") < actions.index("evc.case.advice_ready") < actions.index("evc.case.decided")
    submitted = AuditEntry.objects.get(case=case, action="evc.case.submitted")
    assert submitted.actor == applicant


def test_a_review_change_keeps_the_old_verdict_in_the_trail(make_case, assessor, admin_user):
    from evc.curricula.models import LearningOutcome

    case = make_case("in_assessment")
    outcome = LearningOutcome.objects.get(code="WEB-3")
    services.review_record(actor=assessor, case=case, outcome=outcome, verdict="accepted")
    services.review_record(actor=assessor, case=case, outcome=outcome, verdict="rejected",
                           rationale="Geen OWASP-test gezien.", expected_version=1)
    last = AuditEntry.objects.filter(case=case, action="evc.review.recorded").last()
    assert (last.before, last.after, last.comment) == ("accepted", "rejected", "Geen OWASP-test gezien.")
    assert last.data == {"outcome": "WEB-3", "unit": "WEB"}
