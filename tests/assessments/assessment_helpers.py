"""Helpers for the assessment tests (a uniquely named module: tests/ dirs are not packages)."""

from __future__ import annotations

from typing import Any

from evc.assessments import services
from evc.assessments.models import Advice, Case, OutcomeSuggestion, Verdict
from evc.curricula.models import LearningOutcome

AWS_KEY = "https://aws.example/issuer|https://badges.example/class/aws-saa"


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def credential_for(user: Any, title: str = "AWS Certified Solutions Architect") -> Any:
    """A credential in the user's portfolio, through the portfolios app's own service."""
    from evc.portfolios.services import credential_add_manual

    return credential_add_manual(
        applicant=user,
        title=title,
        provider="Amazon Web Services",
        description="Designs distributed systems on AWS; deploys with CodePipeline and CloudFormation.",
        url="https://aws.example/verify/123",
    )


def _suggest(case: Case) -> None:
    """Stand in for the matching engine's output (the engine itself is tested in tests/matching)."""
    creds = services.credentials_of(case)
    for i, outcome in enumerate(LearningOutcome.objects.filter(unit__version=case.version)):
        OutcomeSuggestion.objects.create(
            credential=creds[0] if creds else None,
            case=case,
            outcome=outcome,
            score=0.9 - i * 0.1,
            explanation=f"Overlap on '{outcome.code.lower()}'",
            signals={"bm25": 0.5},
            achievement_key=AWS_KEY,
            credential_title="AWS Certified Solutions Architect",
        )


def review_all(case: Case, assessor: Any) -> None:
    for outcome in LearningOutcome.objects.filter(unit__in=case.units.all()):
        services.review_record(actor=assessor, case=case, outcome=outcome, verdict=Verdict.ACCEPTED)
    for unit in case.units.all():
        services.advice_record(
            actor=assessor, case=case, unit=unit, advice=Advice.EXEMPTION, motivation="Alle leeruitkomsten aangetoond."
        )
    services.advice_complete(actor=assessor, case=case)


def grant_all(case: Case) -> list[services.UnitDecisionInput]:
    return [
        services.UnitDecisionInput(unit_id=u.pk, decision="granted", grounds=f"{u.code}: advies overgenomen.")
        for u in case.units.all()
    ]
