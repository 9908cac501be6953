"""Background work for cases: run the matching engine over a submitted case's credentials."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from evc.curricula.models import LearningOutcome
from evc.portfolios.claims import Claim
from evc.portfolios.formats.stated_in_text import complete_from_text

from .models import Case, MatchingStatus, OutcomeSuggestion, UnitSuggestion

logger = logging.getLogger(__name__)

TOP_K = 25


def claim_as_matched(credential: Any) -> Claim:
    """A credential's stored claim as the intake reads it today: a claim stored before the intake read
    sizes stated in the text gets them here too (never overwriting a stored value)."""
    claim = Claim.from_dict(getattr(credential, "claim", None) or {})
    complete_from_text(claim)
    return claim


def _fingerprint(case: Case, credentials: list[Any], claims: list[Claim]) -> str:
    """What the suggestions depend on: the credentials' claims (as matched), the catalogue text, the
    year's rules for evidence (its age limit, whether one level below the unit's counts) and the engine (model,
    weights and code)."""
    from evc.matching.services import engine_fingerprint

    outcomes = LearningOutcome.objects.filter(unit__version=case.version).order_by("pk").values_list("pk", "text")
    basis = {
        "credentials": sorted((c.pk, json.dumps(claim.to_dict(), sort_keys=True, default=str))
                              for c, claim in zip(credentials, claims, strict=True)),
        "outcomes": [(pk, hashlib.sha256(text.encode()).hexdigest()) for pk, text in outcomes],
        **{rule: getattr(case.version, rule) for rule in case.version.EVIDENCE_RULES},
        "engine": engine_fingerprint(),
    }
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()


def fingerprint_for(case: Case) -> str:
    from .services import credentials_of

    credentials = credentials_of(case)
    return _fingerprint(case, credentials, [claim_as_matched(c) for c in credentials])


def _set(case_id: int, **fields: Any) -> None:
    Case.objects.filter(pk=case_id).update(**fields)


@task()
def match_case(case_id: int) -> int:
    """Store the engine's outcome suggestions for a case, and what it concludes per unit; returns how
    many outcome suggestions.

    Idempotent: the result depends only on the fingerprint of its inputs, and a run whose
    fingerprint matches the stored one does nothing; otherwise suggestions are replaced as a whole.
    """
    from .services import credentials_of

    case = Case.objects.select_related("version__programme").filter(pk=case_id).first()
    if case is None:
        return 0
    credentials = credentials_of(case)
    claims = [claim_as_matched(c) for c in credentials]  # read once: the fingerprint and the engine share them
    fingerprint = _fingerprint(case, credentials, claims)
    if case.matching_fingerprint == fingerprint and case.matching_status == MatchingStatus.READY:
        return case.suggestions.count()
    _set(case_id, matching_status=MatchingStatus.RUNNING, matching_progress=0, matching_error="")
    try:
        rows, unit_rows = _run_engine(case, credentials, claims)
    except Exception as exc:  # the engine failing must leave a readable state, not a stuck spinner
        logger.exception("Matching failed for case %s", case_id)
        _set(case_id, matching_status=MatchingStatus.FAILED, matching_error=str(exc)[:500])
        return 0
    with transaction.atomic():
        OutcomeSuggestion.objects.filter(case_id=case_id).delete()
        OutcomeSuggestion.objects.bulk_create(rows)
        UnitSuggestion.objects.filter(case_id=case_id).delete()
        UnitSuggestion.objects.bulk_create(unit_rows)
        _set(
            case_id,
            matching_status=MatchingStatus.READY,
            matching_progress=100,
            matching_fingerprint=fingerprint,
            matched_at=timezone.now(),
        )
    return len(rows)


def _run_engine(case: Case, credentials: list[Any],
                claims: list[Claim]) -> tuple[list[OutcomeSuggestion], list[UnitSuggestion]]:
    from evc.matching.api import achievement_key, match_claims

    from .selectors import precedent_lookup

    outcome_ids = set(LearningOutcome.objects.filter(unit__version=case.version).values_list("pk", flat=True))
    unit_ids = set(case.version.units.values_list("pk", flat=True))
    if not claims:
        return [], []
    results = match_claims(
        claims,
        [case.version.programme.code],
        top_k=TOP_K,
        academic_year=case.version.academic_year,
        verified=[getattr(c, "verified", None) for c in credentials],
        precedents=precedent_lookup,
        # The regulations limit the age of evidence on the day the application came in.
        max_age_years=case.version.evidence_max_age_years,
        today=timezone.localdate(case.submitted_at) if case.submitted_at else timezone.localdate(),
    )
    _set(case.pk, matching_progress=90)
    rows: list[OutcomeSuggestion] = []
    unit_rows: list[UnitSuggestion] = []
    for credential, claim, result in zip(credentials, claims, results, strict=True):
        key = achievement_key(claim)
        title = (claim.title or str(credential))[:500]
        unit_rows += [
            UnitSuggestion(case=case, credential=credential, credential_title=title, unit_id=u.unit_id,
                           suggestion=u.suggestion, coverage=float(u.coverage), blockers=list(u.blockers),
                           reason=u.reasons["nl"], reason_en=u.reasons["en"])
            for u in result.units if u.unit_id in unit_ids
        ]
        for m in result.outcomes:
            if m.outcome_id not in outcome_ids:
                continue
            rows.append(
                OutcomeSuggestion(
                    case=case,
                    credential=credential,
                    credential_title=title,
                    achievement_key=key[:500],
                    outcome_id=m.outcome_id,
                    score=float(m.score),
                    confidence=float(m.confidence),
                    strength=m.strength,
                    explanation=m.explanation("nl"),
                    explanation_en=m.explanation("en"),
                    evidence_sentence=m.evidence_sentence,
                    signals={k: round(float(v), 4) for k, v in m.signals.items()},
                )
            )
    return rows, unit_rows
