"""Committee decisions: who may decide, what is frozen, how corrections and appeals work."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from assessment_helpers import AWS_KEY, grant_all
from django.db import transaction
from django.utils import timezone

from evc.assessments import services
from evc.assessments.models import (
    AuditEntry,
    CaseState,
    Decision,
    DecisionProposal,
    DecisionStatus,
    ImmutableError,
)
from evc.assessments.selectors import precedents_for
from evc.assessments.services import UnitDecisionInput, WorkflowError
from evc.assessments.signals import decision_recorded

pytestmark = pytest.mark.django_db


@pytest.fixture
def advised(make_case, assessor, chair, committee_member, committee_member_2, admin_user):  # type: ignore[no-untyped-def]
    return make_case("advice_ready")


def test_it_records_a_chair_decision_with_the_agreed_snapshot(advised, chair, django_capture_on_commit_callbacks):
    received = []

    def listener(sender, decision, **kwargs):  # type: ignore[no-untyped-def]
        received.append(decision)

    decision_recorded.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            decision = services.decision_record(actor=chair, case=advised, units=grant_all(advised))
    finally:
        decision_recorded.disconnect(listener)
    assert isinstance(decision, Decision)
    assert received == [decision]
    snap = decision.snapshot
    year = timezone.localdate().year
    assert snap["decision_id"] == decision.public_id == f"EVC-{year}-000001"
    assert set(snap) == {
        "decision_id", "language", "institution", "committee", "applicant", "programme", "units",
        "decided_on", "decided_by", "chair", "supersedes", "appeal_deadline",
    }
    assert snap["applicant"] == {"name": "Marianne de Vries", "number": "A1001", "email": "marianne@example.org"}
    assert snap["programme"]["code"] == "HBO-ICT-SE" and snap["programme"]["croho_code"] == "34479"
    assert [u["code"] for u in snap["units"]] == ["CLOUD", "WEB"]
    cloud = snap["units"][0]
    assert cloud["ects"] == "5.0" and cloud["decision"] == "granted"
    assert cloud["outcomes"][0] == {
        "code": "CLOUD-1",
        "text": "The student designs a scalable, fault-tolerant cloud architecture on AWS or Azure.",
        "accepted": True,
        "evidence": ["AWS Certified Solutions Architect"],
    }
    assert snap["chair"] == "Els de Boer" and snap["decided_by"] == ["Els de Boer"]
    decided_on = dt.date.fromisoformat(snap["decided_on"])
    assert dt.date.fromisoformat(snap["appeal_deadline"]) == decided_on + dt.timedelta(weeks=6)
    assert snap["supersedes"] is None
    advised.refresh_from_db()
    assert advised.state == CaseState.DECIDED
    assert decision.curriculum_version.is_frozen
    assert AuditEntry.objects.filter(case=advised, action="evc.decision.recorded", after=decision.public_id).exists()


def test_it_refuses_to_change_a_recorded_decision(advised, chair):
    decision = services.decision_record(actor=chair, case=advised, units=grant_all(advised))
    decision.snapshot = {**decision.snapshot, "units": []}
    with pytest.raises(ImmutableError):
        decision.save()
    with pytest.raises(ImmutableError):
        Decision.objects.filter(pk=decision.pk).update(snapshot={})
    with pytest.raises(ImmutableError):
        Decision.objects.get(pk=decision.pk).delete()
    assert Decision.objects.get(pk=decision.pk).snapshot["units"]
    for change in (lambda: decision.decided_by.add(advised.applicant), decision.decided_by.clear,
                   chair.evc_decisions.clear):
        with pytest.raises(ImmutableError), transaction.atomic():
            change()
    assert list(decision.decided_by.all()) == [chair]


def test_it_needs_two_members_when_the_chair_is_absent(advised, committee_member, committee_member_2):
    first = services.decision_record(actor=committee_member, case=advised, units=grant_all(advised))
    assert isinstance(first, DecisionProposal)
    advised.refresh_from_db()
    assert advised.state == CaseState.ADVICE_READY
    # The same member confirming again is not a second signature.
    again = services.decision_record(actor=committee_member, case=advised, units=grant_all(advised))
    assert isinstance(again, DecisionProposal)
    decision = services.decision_record(actor=committee_member_2, case=advised, units=grant_all(advised))
    assert isinstance(decision, Decision)
    assert set(decision.decided_by.all()) == {committee_member, committee_member_2}
    assert decision.snapshot["chair"] is None


def test_a_second_member_who_changes_the_proposal_makes_a_new_proposal(advised, committee_member, committee_member_2):
    services.decision_record(actor=committee_member, case=advised, units=grant_all(advised))
    changed = [UnitDecisionInput(u.unit_id, "refused", "Onvoldoende bewijs.") for u in grant_all(advised)]
    result = services.decision_record(actor=committee_member_2, case=advised, units=changed)
    assert isinstance(result, DecisionProposal) and result.proposed_by == committee_member_2
    assert not Decision.objects.exists()


def test_the_two_member_setting_also_binds_the_chair(settings, advised, chair, committee_member):
    settings.EVC_DECISION_REQUIRES_TWO_MEMBERS = True
    assert isinstance(services.decision_record(actor=chair, case=advised, units=grant_all(advised)), DecisionProposal)
    decision = services.decision_record(actor=committee_member, case=advised, units=grant_all(advised))
    assert isinstance(decision, Decision)
    assert decision.snapshot["chair"] == "Els de Boer"


def test_an_assessor_of_the_case_cannot_decide_it(make_case, assessor, chair, committee_member, admin_user):
    case = make_case("advice_ready", assessors=[committee_member])
    with pytest.raises(WorkflowError, match="belangenverstrengeling"):
        services.decision_record(actor=committee_member, case=case, units=grant_all(case))
    assert not Decision.objects.exists() and not DecisionProposal.objects.exists()


def test_it_rejects_a_decision_that_leaves_out_a_unit_or_grounds(advised, chair):
    units = grant_all(advised)
    with pytest.raises(WorkflowError):
        services.decision_record(actor=chair, case=advised, units=units[:1])
    with pytest.raises(WorkflowError, match="motivering"):
        services.decision_record(actor=chair, case=advised, units=[UnitDecisionInput(u.unit_id, u.decision, " ") for u in units])
    assert not Decision.objects.exists()


def test_it_rejects_a_decision_before_the_advice_is_ready(make_case, assessor, chair, admin_user):
    case = make_case("in_assessment")
    with pytest.raises(WorkflowError):
        services.decision_record(actor=chair, case=case, units=grant_all(case))


def test_a_correction_supersedes_the_old_decision(advised, chair):
    old = services.decision_record(actor=chair, case=advised, units=grant_all(advised))
    units = grant_all(advised)
    units[1] = UnitDecisionInput(units[1].unit_id, "refused", "WEB-3 is niet aangetoond.")
    new = services.decision_correct(actor=chair, decision=old, units=units, reason="Rekenfout hersteld.")
    old.refresh_from_db()
    assert old.status == DecisionStatus.SUPERSEDED
    assert new.supersedes == old and new.snapshot["supersedes"] == old.public_id
    assert new.public_id != old.public_id
    assert AuditEntry.objects.filter(action="evc.decision.superseded", before=old.public_id, after=new.public_id).exists()
    with pytest.raises(WorkflowError):
        services.decision_correct(actor=chair, decision=old, units=units, reason="Nog eens.")


def test_an_upheld_appeal_withdraws_the_decision_and_allows_a_correction(make_case, assessor, chair, admin_user, applicant):
    case = make_case("appeal_lodged", chair=chair)
    appeal = case.appeals.get()
    services.appeal_resolve(actor=chair, appeal=appeal, outcome="upheld", note="Het CBE verklaart het beroep gegrond.")
    case.refresh_from_db()
    appeal.decision.refresh_from_db()
    assert case.state == CaseState.APPEAL_RESOLVED
    assert appeal.decision.status == DecisionStatus.WITHDRAWN_ON_APPEAL
    new = services.decision_correct(actor=chair, decision=appeal.decision, units=grant_all(case), reason="Na beroep.")
    assert new.supersedes == appeal.decision
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED


def _today_is(monkeypatch, day: dt.date) -> None:
    real = timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: real(value, timezone) if value else day)


def test_an_appeal_after_six_weeks_is_refused(make_case, assessor, chair, admin_user, applicant, monkeypatch):
    case = make_case("decided", chair=chair)
    deadline = case.decisions.get().appeal_deadline
    _today_is(monkeypatch, deadline + dt.timedelta(days=1))
    with pytest.raises(WorkflowError, match="beroepstermijn"):
        services.appeal_lodge(actor=applicant, case=case, grounds="Te laat.")
    _today_is(monkeypatch, deadline)
    ok = services.appeal_lodge(actor=applicant, case=case, grounds="Op tijd.")
    assert ok.decision.public_id == case.decisions.get().public_id and ok.lodged_on == deadline


def test_an_applicant_cannot_date_their_appeal_back_into_the_term(make_case, assessor, chair, admin_user, applicant,
                                                                 monkeypatch):
    case = make_case("decided", chair=chair)
    deadline = case.decisions.get().appeal_deadline
    _today_is(monkeypatch, deadline + dt.timedelta(days=30))
    for day in (deadline, dt.date(1990, 1, 1)):
        with pytest.raises(WorkflowError, match="datum van vandaag"):
            services.appeal_lodge(actor=applicant, case=case, grounds="Eerder ingesteld.", lodged_on=day)
    assert not case.appeals.exists()


def test_an_administrator_enters_a_paper_appeal_with_its_date_of_receipt(make_case, assessor, chair, admin_user,
                                                                         monkeypatch):
    case = make_case("decided", chair=chair)
    decision = case.decisions.get()
    decided_on = timezone.localdate(decision.decided_at)
    _today_is(monkeypatch, decision.appeal_deadline + dt.timedelta(days=3))
    for day in (decided_on - dt.timedelta(days=1), decision.appeal_deadline + dt.timedelta(days=4)):
        with pytest.raises(WorkflowError, match="tussen de datum van het besluit"):
            services.appeal_lodge(actor=admin_user, case=case, grounds="Per post.", lodged_on=day)
    with pytest.raises(WorkflowError, match="beroepstermijn"):  # received after the deadline: still too late
        services.appeal_lodge(actor=admin_user, case=case, grounds="Per post.",
                              lodged_on=decision.appeal_deadline + dt.timedelta(days=1))
    appeal = services.appeal_lodge(actor=admin_user, case=case, grounds="Per post.", lodged_on=decision.appeal_deadline)
    assert appeal.lodged_on == decision.appeal_deadline and appeal.recorded_by == admin_user


def test_precedents_are_found_by_badge_class_and_unit(advised, chair):
    decision = services.decision_record(actor=chair, case=advised, units=grant_all(advised))
    unit = advised.units.get(code="CLOUD")
    found = precedents_for(AWS_KEY, unit)
    assert [p.decision_id for p in found] == [decision.public_id]
    assert found[0].outcome == "granted"
    assert precedents_for("https://badges.example/class/other", unit) == []


def test_a_refusal_is_a_precedent_too_even_without_suggestions(advised, chair):
    from evc.assessments.models import OutcomeSuggestion
    from evc.matching.api import achievement_key
    from evc.portfolios.models import Credential

    credential = advised.credentials.get()
    Credential.objects.filter(pk=credential.pk).update(
        claim={**credential.claim, "achievement_id": "https://aws.example/saa", "issuer": {"id": "https://aws.example"}})
    OutcomeSuggestion.objects.filter(case=advised).delete()
    units = [UnitDecisionInput(u.unit_id, "refused", "Niet aangetoond.") for u in grant_all(advised)]
    services.decision_record(actor=chair, case=advised, units=units)
    key = achievement_key(Credential.objects.get(pk=credential.pk).get_claim())
    found = precedents_for(key, advised.units.get(code="WEB"))
    assert [p.outcome for p in found] == ["refused"]


def test_the_matching_engine_gets_precedents_in_its_own_shape(advised, chair):
    from evc.assessments.selectors import precedent_lookup
    from evc.matching.api import Precedent as MatchingPrecedent

    decision = services.decision_record(actor=chair, case=advised, units=grant_all(advised))
    (found,) = precedent_lookup(AWS_KEY, "HBO-ICT-SE/CLOUD")
    assert isinstance(found, MatchingPrecedent)
    assert (found.unit_reference, found.decision, found.case_reference) == ("HBO-ICT-SE/CLOUD", "granted", decision.public_id)
    assert precedent_lookup(AWS_KEY, "HBO-ICT-SE/NOPE") == []


def test_the_engines_exemption_suggestions_are_measured_against_the_valid_decisions(advised, chair):
    import io
    import json

    from django.core.management import call_command

    from evc.assessments.models import Case, UnitSuggestion

    Case.objects.filter(pk=advised.pk).update(matched_at=timezone.now())
    for unit in advised.units.all():  # the engine suggested an exemption for both units
        UnitSuggestion.objects.create(case=advised, unit=unit, suggestion="exemption", coverage=1.0, credential_title="AWS")
    old = services.decision_record(actor=chair, case=advised, units=grant_all(advised))
    units = grant_all(advised)
    units[1] = UnitDecisionInput(units[1].unit_id, "refused", "WEB-3 is niet aangetoond.")
    services.decision_correct(actor=chair, decision=old, units=units, reason="Rekenfout hersteld.")
    out = io.StringIO()
    call_command("evaluate_matching", "--from-reviews", "--json", stdout=out)
    decisions = json.loads(out.getvalue())["decisions"]
    # Only the correction counts (the superseded decision granted both): one of the two suggestions was refused.
    assert decisions == {"decided_units": 2, "granted": 1, "exemptions_suggested": 2, "suggested_and_granted": 1,
                         "exemption_precision": 0.5, "exemption_recall": 1.0}
    text = io.StringIO()
    call_command("evaluate_matching", "--from-reviews", stdout=text)
    assert "the engine suggested an exemption for 2, of which 1 were granted" in text.getvalue()


def test_a_granted_exemption_is_valid_until_a_date_after_the_decision(advised, chair):
    today = timezone.localdate()
    for day in (today, dt.date(2020, 1, 1)):
        units = [dataclasses.replace(u, valid_until=day) for u in grant_all(advised)]
        with pytest.raises(WorkflowError, match="na de dag van het besluit"):
            services.decision_record(actor=chair, case=advised, units=units)
    refused = [dataclasses.replace(u, decision="refused", valid_until=dt.date(2020, 1, 1)) for u in grant_all(advised)]
    services.decision_record(actor=chair, case=advised, units=refused)  # a refusal has no validity: the date is dropped
    assert all(u["valid_until"] is None for u in Decision.objects.get().snapshot["units"])
