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


def test_repeating_an_action_that_changes_nothing_adds_nothing_to_the_trail(make_case, applicant, assessor, chair,
                                                                            committee_member, admin_user, settings):
    from assessment_helpers import grant_all

    case = make_case("draft")
    units, credentials = list(case.units.all()), list(case.credentials.all())
    services.case_update(actor=applicant, case=case, units=units, motivation=case.motivation, credentials=credentials)
    assert not AuditEntry.objects.filter(case=case, action="evc.case.edited").exists()
    services.case_update(actor=applicant, case=case, units=units[:1], motivation=case.motivation, credentials=credentials)
    assert AuditEntry.objects.filter(case=case, action="evc.case.edited").count() == 1

    case = make_case("in_assessment", assessors=[assessor])
    services.assessor_assign(actor=admin_user, case=case, assessors=[assessor])
    assert AuditEntry.objects.filter(case=case, action="evc.case.assessors_assigned").count() == 1

    settings.EVC_DECISION_REQUIRES_TWO_MEMBERS = True
    advised = make_case("advice_ready")
    for _ in range(3):  # a double (or triple) submit of the same proposal
        services.decision_record(actor=committee_member, case=advised, units=grant_all(advised))
    assert AuditEntry.objects.filter(case=advised, action="evc.decision.proposed").count() == 1
    decision = services.decision_record(actor=chair, case=advised, units=grant_all(advised))
    assert decision.public_id and AuditEntry.objects.filter(case=advised, action="evc.decision.recorded").count() == 1
