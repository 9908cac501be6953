"""Reads for the assessment workflow: who may see which case, queues, precedents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from evc.accounts.models import Role
from evc.curricula.models import Unit

from .models import (
    ASSESSABLE_STATES,
    OPEN_STATES,
    Case,
    CaseState,
    DecisionStatus,
    UnitDecision,
    UnitSuggestion,
)


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """The object-level rule for reading a case; views return 404 for anything outside it.

    Applicants see their own cases; assessors the cases assigned to them; the committee every
    case past the draft stage (they oversee the procedure and decide); administrators every
    submitted case. Employer representatives see none.
    """
    qs = Case.objects.all()
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.role == Role.APPLICANT:
        return qs.filter(applicant=user)
    if user.role == Role.ASSESSOR:
        return qs.filter(assessors=user)
    if user.role in (Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR):
        # Exists, not a join: no duplicate rows, so no DISTINCT to fight the queue's ORDER BY.
        assigned = Case.assessors.through.objects.filter(case_id=OuterRef("pk"), user_id=user.pk)
        return qs.filter(Q(Exists(assigned)) | ~Q(state=CaseState.DRAFT))
    if user.is_administrator:
        return qs.exclude(state=CaseState.DRAFT)
    return qs.none()


def is_case_assessor(user: Any, case: Case) -> bool:
    # Uses the prefetched list when the view loaded one, so the case page stays at a fixed query count.
    return any(a.pk == user.pk for a in case.assessors.all())


def can_assign(user: Any) -> bool:
    return user.role in (Role.COMMITTEE_CHAIR, Role.ADMIN) or user.is_superuser


def can_assess(user: Any, case: Case) -> bool:
    return case.state in ASSESSABLE_STATES and is_case_assessor(user, case)


def can_decide(user: Any, case: Case) -> bool:
    """Committee people who did not assess this case (conflict of interest) may decide it."""
    return user.role in (Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR) and not is_case_assessor(user, case)


QUEUE_SORTS = {
    "deadline": ("decision_due", "id"),
    "-deadline": ("-decision_due", "-id"),
    "age": ("submitted_at", "id"),
    "-age": ("-submitted_at", "-id"),
    "programme": ("version__programme__name", "decision_due", "id"),
    "state": ("state", "decision_due", "id"),
}


def queue_for(
    user: Any, *, programme: str = "", state: str = "", due: str = "", sort: str = "deadline"
) -> QuerySet[Case]:
    """The cases a staff member works on, filtered and sorted; one query plus prefetches.

    Default view per role: assessors their assigned open cases, the committee cases awaiting a
    decision or an appeal, administrators everything submitted.
    """
    qs = cases_visible_to(user).exclude(state=CaseState.DRAFT)
    if state:
        qs = qs.filter(state=state)
    elif user.role == Role.ASSESSOR:
        qs = qs.filter(state__in=[*ASSESSABLE_STATES, CaseState.MORE_EVIDENCE_REQUESTED])
    elif user.role in (Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR):
        qs = qs.filter(state__in=[*OPEN_STATES, CaseState.APPEAL_LODGED])
    if programme:
        qs = qs.filter(version__programme__code=programme)
    today = timezone.localdate()
    if due == "overdue":
        qs = qs.filter(decision_due__lt=today, state__in=OPEN_STATES)
    elif due == "soon":
        qs = qs.filter(decision_due__gte=today, decision_due__lte=today + dt.timedelta(days=7), state__in=OPEN_STATES)
    order = QUEUE_SORTS.get(sort, QUEUE_SORTS["deadline"])
    return (
        qs.select_related("applicant", "version__programme")
        .prefetch_related("assessors")
        .order_by(*order)
    )


@dataclass(frozen=True)
class Precedent:
    """An earlier committee judgement on the same badge class for the same unit."""

    decision_pk: int
    decision_id: str
    decided_on: dt.date
    outcome: str  # granted | refused
    grounds: str
    academic_year: str


def precedents_for(achievement_key: str, unit: Unit, *, limit: int = 5) -> list[Precedent]:
    """Valid committee decisions on `unit` (same programme and unit code, any year) that rested on
    a credential of badge class `achievement_key` (Claim.achievement_id), newest first.

    For the matching engine and the review screen. Superseded and withdrawn decisions are left out.
    """
    if not achievement_key:
        return []
    rows = (
        UnitDecision.objects.filter(
            keys__achievement_key=achievement_key,
            programme_code=unit.version.programme.code,
            unit_code=unit.code,
            decision__status=DecisionStatus.VALID,
        )
        .select_related("decision__curriculum_version")
        .order_by("-decision__decided_at")
        .distinct()[:limit]
    )
    return [
        Precedent(
            decision_pk=r.decision.pk,
            decision_id=r.decision.public_id,
            decided_on=timezone.localdate(r.decision.decided_at),
            outcome=r.outcome,
            grounds=r.grounds,
            academic_year=r.decision.curriculum_version.academic_year,
        )
        for r in rows
    ]


def precedents_by_key(keys: set[str], programme_code: str, unit_codes: set[str]) -> dict[tuple[str, str], list[Precedent]]:
    """Batch form of `precedents_for` for one page: {(achievement_key, unit_code): [Precedent]} in one query."""
    if not keys or not unit_codes:
        return {}
    rows = (
        UnitDecision.objects.filter(
            keys__achievement_key__in=keys,
            programme_code=programme_code,
            unit_code__in=unit_codes,
            decision__status=DecisionStatus.VALID,
        )
        .select_related("decision__curriculum_version")
        .prefetch_related("keys")
        .order_by("-decision__decided_at")
        .distinct()
    )
    found: dict[tuple[str, str], list[Precedent]] = {}
    for r in rows:
        p = Precedent(
            decision_pk=r.decision.pk,
            decision_id=r.decision.public_id,
            decided_on=timezone.localdate(r.decision.decided_at),
            outcome=r.outcome,
            grounds=r.grounds,
            academic_year=r.decision.curriculum_version.academic_year,
        )
        for k in r.keys.all():
            if k.achievement_key in keys:
                found.setdefault((k.achievement_key, r.unit_code), []).append(p)
    return found


def precedent_lookup(achievement_key: str, unit_reference: str) -> list[Any]:
    """`evc.matching.api.PrecedentLookup`: (achievement key, "PROG/UNIT") -> matching Precedents.

    Pass this as `precedents=` to `match_claim(s)`; a refused precedent blocks an exemption suggestion.
    """
    from evc.matching.api import Precedent as MatchingPrecedent

    programme_code, _sep, unit_code = unit_reference.partition("/")
    rows = (
        UnitDecision.objects.filter(
            keys__achievement_key=achievement_key,
            programme_code=programme_code,
            unit_code=unit_code,
            decision__status=DecisionStatus.VALID,
        )
        .select_related("decision")
        .order_by("-decision__decided_at")
        .distinct()[:5]
    )
    return [
        MatchingPrecedent(
            unit_reference=unit_reference,
            decision=r.outcome,
            decided_on=timezone.localdate(r.decision.decided_at),
            case_reference=r.decision.public_id,
            summary=r.grounds[:300],
        )
        for r in rows
    ]


def unit_coverage(case: Case) -> dict[int, dict[str, Any]]:
    """Per unit of the case's programme year: how many of its outcomes the engine suggested (not a decision);
    outcomes shown only beside a suggested one ("beside") do not count, as they do not in the engine's units."""
    from .models import OutcomeSuggestion

    totals = dict(
        Unit.objects.filter(version=case.version).annotate(n=Count("outcomes")).values_list("pk", "n")
    )
    suggested: dict[int, set[int]] = {}
    for unit_id, outcome_id in OutcomeSuggestion.objects.filter(case=case).exclude(strength="beside").values_list(
            "outcome__unit_id", "outcome_id"):
        suggested.setdefault(unit_id, set()).add(outcome_id)
    return {
        unit_id: {"suggested": len(suggested.get(unit_id, ())), "total": total,
                  "share": (len(suggested.get(unit_id, ())) / total) if total else 0.0}
        for unit_id, total in totals.items()
    }


def reviews_by_unit(case: Case) -> dict[int, list[Any]]:
    from .models import OutcomeReview

    found: dict[int, list[Any]] = {}
    for r in OutcomeReview.objects.filter(case=case).select_related("outcome", "reviewer").order_by("outcome__position", "outcome__code"):
        found.setdefault(r.outcome.unit_id, []).append(r)
    return found


def exemptions_against_decisions(programme_codes: list[str] | None = None) -> dict[str, Any]:
    """The engine's exemption suggestions, as the assessor saw them, against the committee's valid decisions.

    Per decided unit: did the case's matching suggest an exemption for it (from any credential),
    and was the exemption granted? Only cases the engine matched count. A case decided before unit
    conclusions were stored has none, so `recall` may read low for those; `precision` (granted share
    of the suggested) is unaffected, and it is the figure that matters: a false exemption is the
    costly error."""
    decided = UnitDecision.objects.filter(decision__status=DecisionStatus.VALID, decision__case__matched_at__isnull=False)
    if programme_codes:
        decided = decided.filter(programme_code__in=programme_codes)
    rows = list(decided.values_list("decision__case_id", "unit_id", "outcome"))
    suggested = set(UnitSuggestion.objects.filter(case_id__in={case for case, _, _ in rows}, suggestion="exemption")
                    .values_list("case_id", "unit_id"))
    hits = [((case, unit) in suggested, outcome == UnitDecision.Outcome.GRANTED) for case, unit, outcome in rows]
    both = sum(1 for s, g in hits if s and g)
    n_suggested = sum(1 for s, _ in hits if s)
    n_granted = sum(1 for _, g in hits if g)
    return {
        "decided_units": len(rows),
        "granted": n_granted,
        "exemptions_suggested": n_suggested,
        "suggested_and_granted": both,
        "exemption_precision": both / n_suggested if n_suggested else None,
        "exemption_recall": both / n_granted if n_granted else None,
    }
