"""Many realistic cases at once, for query-count tests and the page benchmark.

Built with bulk inserts (the services would take minutes for a thousand cases); the shape matches
what the services produce: units in scope, a credential, suggestions, reviews, advice and an audit
trail per case, spread over every open state and over a range of deadlines (some overdue).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from evc.accounts.models import Role, User
from evc.curricula.models import CurriculumVersion

from .models import AuditEntry, Case, CaseState, OutcomeReview, OutcomeSuggestion, UnitAdvice, UnitSuggestion

STATES = [
    CaseState.SUBMITTED,
    CaseState.IN_ASSESSMENT,
    CaseState.IN_ASSESSMENT,
    CaseState.RESUBMITTED,
    CaseState.MORE_EVIDENCE_REQUESTED,
    CaseState.ADVICE_READY,
]


@transaction.atomic
def bulk_cases(
    n: int,
    *,
    versions: Sequence[CurriculumVersion],
    assessors: Sequence[User],
    units_per_case: int = 3,
    prefix: str = "bulk",
) -> list[Case]:
    from evc.portfolios.models import Credential, Format, Portfolio

    now = timezone.now()
    password = make_password(None)
    applicants = User.objects.bulk_create(
        User(email=f"{prefix}-{i}@example.org", password=password, role=Role.APPLICANT, first_name="Kandidaat",
             last_name=str(i), student_number=f"B{i:05d}")
        for i in range(n)
    )
    portfolios = Portfolio.objects.bulk_create(Portfolio(owner=a) for a in applicants)
    credentials = Credential.objects.bulk_create(
        Credential(
            portfolio=p,
            format=Format.MANUAL,
            title=f"Microcredential {i}",
            verified=[True, None, False][i % 3],
            claim={"title": f"Microcredential {i}", "description": "Designs and deploys cloud software; writes tests.",
                   "achievement_id": f"https://badges.example/class/{i % 7}", "issuer": {"id": "https://badges.example"}},
        )
        for i, p in enumerate(portfolios)
    )
    unit_lists = {v.pk: list(v.units.prefetch_related("outcomes").order_by("code")) for v in versions}
    cases = Case.objects.bulk_create(
        Case(
            applicant=a,
            version=versions[i % len(versions)],
            motivation="Ik werk sinds 2019 als ontwikkelaar en wil mijn ervaring laten erkennen. " * 3,
            state=STATES[i % len(STATES)],
            submitted_at=now - dt.timedelta(days=i % 70),
            decision_due=timezone.localdate(now) - dt.timedelta(days=i % 70) + dt.timedelta(weeks=8),
            matching_status="ready",
            matching_progress=100,
            matched_at=now,
        )
        for i, a in enumerate(applicants)
    )
    unit_rows, assessor_rows, credential_rows = [], [], []
    suggestions, unit_suggestions, reviews, advices, audit = [], [], [], [], []
    assessor_cycle = itertools.cycle(assessors)
    for i, (case, credential) in enumerate(zip(cases, credentials, strict=True)):
        units = unit_lists[case.version_id][: units_per_case]
        for u in units:
            unit_rows.append(Case.units.through(case_id=case.pk, unit_id=u.pk))
        credential_rows.append(Case.credentials.through(case_id=case.pk, credential_id=credential.pk))
        assessor = next(assessor_cycle)
        if case.state != CaseState.SUBMITTED:
            assessor_rows.append(Case.assessors.through(case_id=case.pk, user_id=assessor.pk))
        for u in units:
            unit_suggestions.append(UnitSuggestion(
                case=case, credential=credential, credential_title=credential.title, unit=u, suggestion="partial",
                coverage=0.6, blockers=["coverage"],
                reason="3 van 5 leeruitkomsten gevonden in het bewijs (dekking 0,60); gedeeltelijk: onvoldoende voor vrijstelling.",
                reason_en="3 of 5 outcomes found in the evidence (coverage 0.60); partial: not enough for an exemption.",
            ))
            for j, o in enumerate(u.outcomes.all()):
                suggestions.append(OutcomeSuggestion(
                    case=case, credential=credential, credential_title=credential.title, outcome=o,
                    achievement_key=f"https://badges.example|https://badges.example/class/{i % 7}",
                    score=max(0.2, 0.9 - 0.1 * j), confidence=0.8, strength="strong" if j < 2 else "possible",
                    explanation="Gedeelde termen: cloud, deployment, testen.", explanation_en="Shared terms: cloud, deployment, testing.",
                    evidence_sentence="Designs and deploys cloud software.", signals={"bm25": 0.4, "cosine": 0.6},
                ))
                if case.state != CaseState.SUBMITTED and j < 2:
                    reviews.append(OutcomeReview(case=case, outcome=o, verdict="accepted", reviewer=assessor))
            if case.state == CaseState.ADVICE_READY:
                advices.append(UnitAdvice(case=case, unit=u, advice="exemption", motivation="Aangetoond.", assessor=assessor))
        audit.append(AuditEntry(case=case, actor=case.applicant, action="evc.case.created", after="draft", created_at=now))
        audit.append(AuditEntry(case=case, actor=case.applicant, action="evc.case.submitted", before="draft",
                                after="submitted", created_at=now))
        if case.state != CaseState.SUBMITTED:
            audit.append(AuditEntry(case=case, actor=None, action="evc.case.assessors_assigned", after=assessor.email,
                                    created_at=now))
            audit.extend(
                AuditEntry(case=case, actor=assessor, action="evc.review.recorded", after="accepted",
                           comment="Aangetoond met het bewijs.", created_at=now)
                for _ in range(4)
            )
    Case.units.through.objects.bulk_create(unit_rows)
    Case.assessors.through.objects.bulk_create(assessor_rows)
    Case.credentials.through.objects.bulk_create(credential_rows)
    OutcomeSuggestion.objects.bulk_create(suggestions, batch_size=2000)
    UnitSuggestion.objects.bulk_create(unit_suggestions, batch_size=2000)
    OutcomeReview.objects.bulk_create(reviews, batch_size=2000)
    UnitAdvice.objects.bulk_create(advices, batch_size=2000)
    AuditEntry.objects.bulk_create(audit, batch_size=2000)
    return cases


def ensure_assessors(count: int = 3, prefix: str = "bulk-assessor") -> list[User]:
    found: list[User] = []
    for i in range(count):
        user, _created = User.objects.get_or_create(
            email=f"{prefix}-{i}@fontys.example",
            defaults={"role": Role.ASSESSOR, "first_name": "Beoordelaar", "last_name": str(i), "password": make_password(None)},
        )
        found.append(user)
    return found

