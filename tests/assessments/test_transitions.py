"""Every transition from every state: allowed where the procedure allows it, refused (and nothing
stored) everywhere else; and refused for the wrong person even in the right state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from assessment_helpers import grant_all
from django.db import transaction

from evc.assessments import services
from evc.assessments.models import AuditEntry, Case, CaseState, Verdict
from evc.curricula.models import LearningOutcome

pytestmark = pytest.mark.django_db

ALL_STATES = [s.value for s in CaseState]

EXPECTED: dict[str, set[str]] = {
    "case_submit": {"draft", "more_evidence_requested"},
    "case_withdraw": {"draft", "submitted", "in_assessment", "more_evidence_requested", "resubmitted", "advice_ready"},
    "assessor_assign": {"submitted", "in_assessment", "more_evidence_requested", "resubmitted"},
    "case_request_evidence": {"in_assessment", "resubmitted"},
    "review_record": {"in_assessment", "resubmitted"},
    "advice_record": {"in_assessment", "resubmitted"},
    "advice_complete": {"in_assessment", "resubmitted"},
    "note_record": {"in_assessment", "resubmitted"},
    "decision_record": {"advice_ready"},
    "decision_correct": {"decided", "appeal_resolved"},
    "appeal_lodge": {"decided"},
    "appeal_resolve": {"appeal_lodged"},
}


def _calls(p: dict[str, Any]) -> dict[str, Callable[[Case], Any]]:
    def review(c: Case) -> Any:
        outcome = LearningOutcome.objects.get(code="CLOUD-1")
        current = c.reviews.filter(outcome=outcome).first()
        return services.review_record(actor=p["assessor"], case=c, outcome=outcome, verdict=Verdict.ACCEPTED,
                                      expected_version=current.lock_version if current else 0)

    def advice(c: Case) -> Any:
        unit = c.units.get(code="CLOUD")
        current = c.advices.filter(unit=unit).first()
        return services.advice_record(actor=p["assessor"], case=c, unit=unit, advice="exemption", motivation="ok",
                                      expected_version=current.lock_version if current else 0)

    def complete(c: Case) -> Any:
        for unit in c.units.all():
            if c.state in services.ASSESSABLE_STATES and not c.advices.filter(unit=unit).exists():
                services.advice_record(actor=p["assessor"], case=c, unit=unit, advice="exemption", motivation="ok")
        return services.advice_complete(actor=p["assessor"], case=c)

    def correct(c: Case) -> Any:
        latest = c.decisions.order_by("-decided_at").first()
        if latest is None:
            raise services.WorkflowError("no decision")
        return services.decision_correct(actor=p["chair"], decision=latest, units=grant_all(c), reason="Correctie.")

    def resolve(c: Case) -> Any:
        appeal = c.appeals.filter(outcome="").first()
        if appeal is None:
            raise services.WorkflowError("no open appeal")
        return services.appeal_resolve(actor=p["chair"], appeal=appeal, outcome="dismissed")

    return {
        "case_submit": lambda c: services.case_submit(actor=p["applicant"], case=c),
        "case_withdraw": lambda c: services.case_withdraw(actor=p["applicant"], case=c),
        "assessor_assign": lambda c: services.assessor_assign(actor=p["admin"], case=c, assessors=[p["assessor"], p["chair"]]),
        "case_request_evidence": lambda c: services.case_request_evidence(actor=p["assessor"], case=c, message="Meer."),
        "review_record": review,
        "advice_record": advice,
        "advice_complete": complete,
        "note_record": lambda c: services.note_record(actor=p["assessor"], case=c, kind="interview", text="Gesprek."),
        "decision_record": lambda c: services.decision_record(actor=p["chair"], case=c, units=grant_all(c)),
        "decision_correct": correct,
        "appeal_lodge": lambda c: services.appeal_lodge(actor=p["applicant"], case=c, grounds="Oneens."),
        "appeal_resolve": resolve,
    }


class _Undo(Exception):
    pass


@pytest.mark.parametrize("state", ALL_STATES)
def test_each_transition_is_allowed_only_from_its_states(state, make_case, applicant, assessor, chair, admin_user):
    case = make_case(state, chair=chair)
    assert case.state == state
    people = {"applicant": applicant, "assessor": assessor, "chair": chair, "admin": admin_user}
    outcomes = {}
    for name, call in _calls(people).items():
        audit_before = AuditEntry.objects.count()
        try:
            with transaction.atomic():  # each attempt is undone, so the next starts from `state` again
                call(Case.objects.get(pk=case.pk))
                assert AuditEntry.objects.count() > audit_before, f"{name} left no audit entry"
                raise _Undo
        except _Undo:
            outcomes[name] = "allowed"
        except services.WorkflowError as exc:
            assert exc.message  # a sentence for the person, never empty
            outcomes[name] = "refused"
            assert Case.objects.get(pk=case.pk).state == state
            assert AuditEntry.objects.count() == audit_before  # nothing half-stored
    expected = {name: ("allowed" if state in states else "refused") for name, states in EXPECTED.items()}
    assert outcomes == expected


def test_the_wrong_people_are_refused_even_in_the_right_state(
    make_case, applicant, other_applicant, assessor, other_assessor, committee_member, chair, admin_user, employer_rep
):
    draft = make_case("draft")
    with pytest.raises(services.WorkflowError):
        services.case_submit(actor=other_applicant, case=draft)
    with pytest.raises(services.WorkflowError):
        services.case_withdraw(actor=admin_user, case=draft)
    submitted = make_case("submitted")
    for actor in (applicant, assessor, committee_member, employer_rep):
        with pytest.raises(services.WorkflowError):
            services.assessor_assign(actor=actor, case=submitted, assessors=[assessor])
    with pytest.raises(services.WorkflowError):  # an applicant cannot be made an assessor
        services.assessor_assign(actor=admin_user, case=submitted, assessors=[other_applicant])
    with pytest.raises(services.WorkflowError):  # at most two assessors
        services.assessor_assign(actor=chair, case=submitted, assessors=[assessor, other_assessor, committee_member])
    working = make_case("in_assessment")
    outcome = LearningOutcome.objects.get(code="CLOUD-1")
    for actor in (other_assessor, applicant, chair):
        with pytest.raises(services.WorkflowError):
            services.review_record(actor=actor, case=working, outcome=outcome, verdict=Verdict.ACCEPTED)
    with pytest.raises(services.WorkflowError, match="onderbouwing"):
        services.review_record(actor=assessor, case=working, outcome=outcome, verdict=Verdict.REJECTED)
    advised = make_case("advice_ready")
    for actor in (assessor, applicant, admin_user, employer_rep):
        with pytest.raises(services.WorkflowError):
            services.decision_record(actor=actor, case=advised, units=grant_all(advised))
    decided = make_case("decided", chair=chair)
    for actor in (other_applicant, assessor, chair):
        with pytest.raises(services.WorkflowError):
            services.appeal_lodge(actor=actor, case=decided, grounds="x")


def test_an_outcome_outside_the_case_scope_is_refused(make_case, assessor, admin_user, version):
    case = make_case("in_assessment")
    web = case.units.get(code="WEB")
    case.units.remove(web)
    with pytest.raises(services.WorkflowError):
        services.review_record(actor=assessor, case=case, outcome=web.outcomes.first(), verdict=Verdict.ACCEPTED)


def test_advice_is_ready_only_when_every_unit_has_one(make_case, assessor, admin_user):
    case = make_case("in_assessment")
    services.advice_record(actor=assessor, case=case, unit=case.units.get(code="CLOUD"), advice="exemption", motivation="ok")
    with pytest.raises(services.WorkflowError, match="WEB"):
        services.advice_complete(actor=assessor, case=case)


def test_resubmission_moves_the_deadline_by_the_time_the_applicant_took(make_case, applicant, assessor, admin_user):
    import datetime as dt

    from django.utils import timezone

    case = make_case("more_evidence_requested")
    due = case.decision_due
    Case.objects.filter(pk=case.pk).update(evidence_requested_at=timezone.now() - dt.timedelta(days=10))
    services.case_submit(actor=applicant, case=Case.objects.get(pk=case.pk))
    case.refresh_from_db()
    assert case.state == CaseState.RESUBMITTED
    assert case.decision_due == due + dt.timedelta(days=10)


def test_during_an_evidence_request_evidence_can_be_added_but_not_scope_changed(make_case, applicant, assessor,
                                                                                admin_user):
    from assessment_helpers import credential_for

    case = make_case("more_evidence_requested")
    units, old = list(case.units.all()), list(case.credentials.all())
    with pytest.raises(services.WorkflowError, match="onderwijseenheden"):
        services.case_update(actor=applicant, case=case, units=units[:1], motivation="x", credentials=old)
    with pytest.raises(services.WorkflowError, match="niet weghalen"):
        services.case_update(actor=applicant, case=case, units=units, motivation="x", credentials=[])
    extra = credential_for(applicant, title="Terraform Associate")
    services.case_update(actor=applicant, case=case, units=units, motivation="Met Terraform.", credentials=[*old, extra])
    assert set(case.credentials.all()) == {*old, extra}
