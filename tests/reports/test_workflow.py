"""End to end through the assessment services: decide, sign in the background, verify, correct."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evc.accounts.models import Role
from evc.assessments import services
from evc.assessments.models import Advice, Verdict
from evc.curricula.models import LearningOutcome
from evc.reports.models import SignedDocument
from evc.reports.verification import Reason, decision_pdf_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def advised_case(catalogue, applicant, assessor, make_user):  # type: ignore[no-untyped-def]
    from evc.portfolios.services import credential_add_manual

    version = catalogue.versions.get()
    credential = credential_add_manual(
        applicant=applicant, title="AWS Certified Solutions Architect", provider="Amazon Web Services",
        description="Designs distributed systems on AWS.", url="https://aws.example/verify/123",
    )
    case = services.case_create(
        actor=applicant, version=version, units=list(version.units.all()), motivation="Vijf jaar DevOps.",
        credentials=[credential],
    )
    services.case_submit(actor=applicant, case=case)
    admin = make_user("workflow-admin@fontys.example", Role.ADMIN)
    services.assessor_assign(actor=admin, case=case, assessors=[assessor])
    for outcome in LearningOutcome.objects.filter(unit__in=case.units.all()):
        services.review_record(actor=assessor, case=case, outcome=outcome, verdict=Verdict.ACCEPTED)
    for unit in case.units.all():
        services.advice_record(actor=assessor, case=case, unit=unit, advice=Advice.EXEMPTION, motivation="Aangetoond.")
    services.advice_complete(actor=assessor, case=case)
    return case


def _decide(case, grounds: str):  # type: ignore[no-untyped-def]
    return [
        services.UnitDecisionInput(unit_id=u.pk, decision="granted", grounds=f"{u.code}: {grounds}")
        for u in case.units.all()
    ]


def _letter(decision) -> bytes:  # type: ignore[no-untyped-def]
    with SignedDocument.objects.get(decision=decision, kind="letter").pdf.open("rb") as fh:
        return fh.read()


def test_a_decision_is_signed_after_commit_and_a_correction_supersedes_it(
    advised_case, chair, settings, client, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.decision_record(actor=chair, case=advised_case, units=_decide(advised_case, "advies overgenomen."))
    assert SignedDocument.objects.filter(decision=decision).count() == 2
    first = decision_pdf_verify(_letter(decision))
    assert first.authentic and first.reason == Reason.AUTHENTIC and first.decision_id == decision.public_id

    with django_capture_on_commit_callbacks(execute=True):
        correction = services.decision_correct(
            actor=chair, decision=decision, units=_decide(advised_case, "gecorrigeerd."), reason="Schrijffout."
        )
    # The old letter is still genuine, but no longer in force; it points to the correction.
    old = decision_pdf_verify(_letter(decision))
    assert old.authentic and old.reason == Reason.SUPERSEDED and old.superseded_by == correction.public_id
    new = decision_pdf_verify(_letter(correction))
    assert new.authentic and new.reason == Reason.AUTHENTIC
    page = client.get(reverse("reports:verify", args=[decision.public_id])).content.decode()
    assert "Vervangen" in page and reverse("reports:verify", args=[correction.public_id]) in page
