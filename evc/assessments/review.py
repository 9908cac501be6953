"""The review screen's data: per unit in scope, what the engine concludes for the unit, every
outcome with the engine's suggestions, the credential behind each, its verification state,
precedents and the current review.

Built in a fixed number of queries whatever the case size, so the page stays fast.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.utils.translation import get_language

from evc.curricula.models import LearningOutcome, Unit

from .integration import CredentialView, credential_view
from .models import (
    Case,
    MatchingStatus,
    OutcomeReview,
    OutcomeSuggestion,
    UnitAdvice,
    UnitSuggestion,
    Verdict,
)
from .selectors import Precedent, precedents_by_key


@dataclass
class SuggestionView:
    score: float
    confidence: float | None
    strength: str
    explanation: str
    evidence_sentence: str
    credential_title: str
    credential: CredentialView | None
    precedents: list[Precedent]

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass
class OutcomeRow:
    outcome: LearningOutcome
    suggestions: list[SuggestionView]
    review: OutcomeReview | None

    @property
    def suggested(self) -> bool:
        return bool(self.suggestions)

    @property
    def best(self) -> float:
        return max((s.score for s in self.suggestions), default=0.0)

    @property
    def lock_version(self) -> int:
        return self.review.lock_version if self.review else 0


@dataclass
class EngineAdvice:
    """The engine's conclusion for a unit from one credential, in the reader's language."""

    credential_title: str
    suggestion: str  # exemption | partial | none
    label: str
    reason: str


@dataclass
class UnitSheet:
    unit: Unit
    rows: list[OutcomeRow]
    advice: UnitAdvice | None
    counts: dict[str, int] = field(default_factory=dict)
    # (credential title, precedent): earlier decisions on this unit that rested on the same badge class.
    precedents: list[tuple[str, Precedent]] = field(default_factory=list)
    engine: list[EngineAdvice] = field(default_factory=list)

    @property
    def suggested_rows(self) -> list[OutcomeRow]:
        return [r for r in self.rows if r.suggested]

    @property
    def other_rows(self) -> list[OutcomeRow]:
        return [r for r in self.rows if not r.suggested]

    @property
    def accepted(self) -> int:
        return sum(1 for r in self.rows if r.review and r.review.verdict == Verdict.ACCEPTED)


class Sheet(list[UnitSheet]):
    credentials: list[CredentialView]

    def row(self, outcome_pk: int) -> OutcomeRow:
        for u in self:
            for r in u.rows:
                if r.outcome.pk == outcome_pk:
                    return r
        raise KeyError(outcome_pk)

    def unit(self, unit_pk: int) -> UnitSheet:
        return next(u for u in self if u.unit.pk == unit_pk)


def review_sheet(case: Case, *, unit_ids: Iterable[int] | None = None) -> Sheet:
    units_qs = case.units.order_by("code").prefetch_related("outcomes")
    if unit_ids is not None:
        units_qs = units_qs.filter(pk__in=list(unit_ids))
    units = list(units_qs)
    unit_pks = [u.pk for u in units]
    suggestions = list(
        OutcomeSuggestion.objects.filter(case=case, outcome__unit_id__in=unit_pks)
        .select_related("credential")
        .prefetch_related("credential__evidence")
        .order_by("-score")
    )
    reviews = {
        r.outcome_id: r
        for r in OutcomeReview.objects.filter(case=case, outcome__unit_id__in=unit_pks).select_related("reviewer")
    }
    advices = {a.unit_id: a for a in UnitAdvice.objects.filter(case=case, unit_id__in=unit_pks).select_related("assessor")}
    english = (get_language() or "nl").startswith("en")
    engine: dict[int, list[EngineAdvice]] = {}
    for e in UnitSuggestion.objects.filter(case=case, unit_id__in=unit_pks):
        engine.setdefault(e.unit_id, []).append(EngineAdvice(
            credential_title=e.credential_title, suggestion=e.suggestion, label=e.get_suggestion_display(),
            reason=(e.reason_en if english and e.reason_en else e.reason)))
    # Precedents hang on the case's credentials, not only on suggestions: they matter most
    # exactly when the engine found nothing.
    case_credentials = [credential_view(c) for c in case.credentials.prefetch_related("evidence")]
    keys = {s.achievement_key for s in suggestions if s.achievement_key}
    keys |= {c.achievement_key for c in case_credentials if c.achievement_key}
    precedents = precedents_by_key(keys, case.version.programme.code, {u.code for u in units})
    cred_views: dict[int, CredentialView] = {c.pk: c for c in case_credentials}  # each view is built once
    by_outcome: dict[int, list[SuggestionView]] = {}
    unit_code = {o.pk: u.code for u in units for o in u.outcomes.all()}
    for s in suggestions:
        credential = s.credential
        view = None
        if credential is not None:
            view = cred_views.get(credential.pk) or cred_views.setdefault(credential.pk, credential_view(credential))
        by_outcome.setdefault(s.outcome_id, []).append(
            SuggestionView(
                score=s.score,
                confidence=s.confidence,
                strength=s.strength,
                explanation=(s.explanation_en if english and s.explanation_en else s.explanation),
                evidence_sentence=s.evidence_sentence,
                credential_title=s.credential_title,
                credential=view,
                precedents=precedents.get((s.achievement_key, unit_code.get(s.outcome_id, "")), []),
            )
        )
    sheet = Sheet()
    sheet.credentials = case_credentials
    if case.matching_status == MatchingStatus.READY and unit_ids is None:
        # Per credential, how much the engine found: a credential it found nothing in is worth a look of its own.
        found = Counter(s.credential_id for s in suggestions)
        sheet.credentials = [replace(c, suggested=found[c.pk]) for c in case_credentials]
    for u in units:
        rows = [OutcomeRow(outcome=o, suggestions=by_outcome.get(o.pk, []), review=reviews.get(o.pk)) for o in u.outcomes.all()]
        rows.sort(key=lambda r: (not r.suggested, -r.best, r.outcome.position, r.outcome.code))
        unit_precedents = [
            (c.title, p) for c in case_credentials for p in precedents.get((c.achievement_key, u.code), [])
        ]
        sheet.append(UnitSheet(unit=u, rows=rows, advice=advices.get(u.pk), precedents=unit_precedents,
                               engine=engine.get(u.pk, [])))
    return sheet

