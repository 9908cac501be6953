"""Emails go out after commit, to the right people, in their own language."""

from __future__ import annotations

import pytest
from assessment_helpers import grant_all

from evc.assessments import services

pytestmark = pytest.mark.django_db


def test_submission_mails_the_applicant_and_the_assigners(make_case, applicant, chair, admin_user, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    case = make_case("draft")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_submit(actor=applicant, case=case)
    to = {m.to[0]: m for m in mailoutbox}
    assert set(to) == {"marianne@example.org", "chair@fontys.example", "admin@fontys.example"}
    assert to["marianne@example.org"].subject == f"Je EVC-aanvraag {case.reference} is ingediend"


def test_nothing_is_mailed_when_the_transaction_rolls_back(make_case, applicant, admin_user, mailoutbox,
                                                           django_capture_on_commit_callbacks):
    from django.db import transaction

    case = make_case("draft")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.case_submit(actor=applicant, case=case)
                raise RuntimeError("something later failed")
        except RuntimeError:
            pass
    assert callbacks == [] and mailoutbox == []


def test_an_evidence_request_mails_the_applicant_in_english(make_case, applicant, assessor, admin_user, mailoutbox,
                                                           django_capture_on_commit_callbacks):
    applicant.preferred_language = "en"
    applicant.save()
    case = make_case("in_assessment")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_request_evidence(actor=assessor, case=case, message="Please add your Terraform code.")
    (mail,) = mailoutbox
    assert mail.to == ["marianne@example.org"]
    assert "Please add your Terraform code." in mail.body
    assert mail.subject == f"Additional evidence requested for {case.reference}"


def test_advice_ready_mails_the_committee_except_the_assessors(make_case, assessor, committee_member,
                                                               committee_member_2, chair, admin_user, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    from evc.assessments.models import Advice

    case = make_case("in_assessment", assessors=[assessor, committee_member])
    for unit in case.units.all():
        services.advice_record(actor=assessor, case=case, unit=unit, advice=Advice.EXEMPTION, motivation="ok")
    with django_capture_on_commit_callbacks(execute=True):
        services.advice_complete(actor=assessor, case=case)
    assert {m.to[0] for m in mailoutbox} == {"member2@fontys.example", "chair@fontys.example"}


def test_the_decision_mail_names_the_appeal_deadline(make_case, applicant, assessor, chair, admin_user, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    case = make_case("advice_ready")
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.decision_record(actor=chair, case=case, units=grant_all(case))
    mails = [m for m in mailoutbox if m.to == ["marianne@example.org"]]
    assert len(mails) >= 1
    mail = next(m for m in mails if decision.public_id in m.subject)
    assert "College van Beroep voor de Examens" in mail.body and "CLOUD" in mail.body
    assert "vervangt besluit" not in mail.body
    with django_capture_on_commit_callbacks(execute=True):
        correction = services.decision_correct(actor=chair, decision=decision, units=grant_all(case), reason="Fout.")
    mail = next(m for m in mailoutbox if correction.public_id in m.subject)
    assert f"Dit besluit vervangt besluit {decision.public_id}; dat is niet meer geldig." in mail.body


def test_assignment_and_resubmission_mail_the_assessors(make_case, applicant, assessor, admin_user, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    case = make_case("submitted")
    with django_capture_on_commit_callbacks(execute=True):
        services.assessor_assign(actor=admin_user, case=case, assessors=[assessor])
    assert [m.to for m in mailoutbox] == [["assessor@fontys.example"]]
    assert case.reference in mailoutbox[0].subject
    services.case_request_evidence(actor=assessor, case=case, message="Meer graag.")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_submit(actor=applicant, case=case)
    assert [m.to for m in mailoutbox] == [["assessor@fontys.example"]]
    assert "opnieuw ingediend" in mailoutbox[0].body
