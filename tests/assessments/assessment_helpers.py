"""Helpers for the assessment tests (a uniquely named module: tests/ dirs are not packages)."""

from __future__ import annotations

from typing import Any

from evc.assessments import services
from evc.assessments.models import Advice, Case, OutcomeSuggestion, Verdict
from evc.curricula.models import LearningOutcome


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def _link_credentials(case: Case) -> None:
    """Link a portfolio credential of the owner, when the portfolios app provides them."""
    if not hasattr(case, "credentials"):
        return
    from assessment_helpers import credential_for

    case.credentials.add(credential_for(case.applicant))


def _suggest(case: Case) -> None:
    """Stand in for the matching engine's output (the engine itself is tested in tests/matching)."""
    creds = services.credentials_of(case)
    for i, outcome in enumerate(LearningOutcome.objects.filter(unit__version=case.version)):
        kwargs: dict[str, Any] = {}
        if creds and hasattr(OutcomeSuggestion, "credential"):
            kwargs["credential"] = creds[0]
        OutcomeSuggestion.objects.create(
            case=case,
            outcome=outcome,
            score=0.9 - i * 0.1,
            explanation=f"Overlap on '{outcome.code.lower()}'",
            signals={"achievement_key": "https://badges.example/class/aws-saa"},
            credential_title="AWS Certified Solutions Architect",
            **kwargs,
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
