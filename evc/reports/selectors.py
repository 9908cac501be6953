"""Reads for the reports app: the public view of a decision and who may download its documents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language

from evc.assessments.models import Decision
from evc.assessments.selectors import cases_visible_to
from evc.reports.models import SignedDocument
from evc.reports.rendering import committee_display


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def public_name(full_name: str) -> str:
    """'Marianne de Vries' -> 'M. de Vries': enough to match the letter, too little to harvest.

    Decision ids are sequential, so the public page must not list applicants' full names.
    """
    parts = full_name.split()
    if len(parts) < 2:
        return full_name
    return f"{parts[0][0]}. {' '.join(parts[1:])}"


@dataclass(frozen=True)
class PublicDecision:
    """What /verify/<id> shows: only what the letter shows, and less of the applicant.

    Shown: institution, committee, programme (name, CROHO, academic year), the decision per
    unit (code, name, EC, granted/refused, validity), the date, the deciding members, the
    applicant as initial + surname, and the status. Never shown: student number, email,
    grounds, outcomes or evidence (they may describe the person; the letter holder has them).
    """

    public_id: str
    status: str
    status_label: str
    superseded_by: str | None
    supersedes: str | None
    committee: str
    snapshot: dict[str, Any]
    decided_on: dt.date | None
    applicant: str
    units: list[dict[str, Any]]


def public_decision_get(public_id: str) -> PublicDecision | None:
    decision = Decision.objects.filter(public_id=public_id).first()
    if decision is None:
        return None
    snapshot = decision.snapshot or {}
    newer = decision.replacement_public_id()
    units = [
        {
            "code": u.get("code", ""),
            "name": u.get("name", ""),
            "name_en": u.get("name_en", ""),
            "ects": u.get("ects", ""),
            "granted": u.get("decision") == "granted",
            "valid_until": _date(u.get("valid_until")),
        }
        for u in snapshot.get("units", [])
    ]
    return PublicDecision(
        public_id=decision.public_id,
        status=decision.status,
        status_label=str(decision.get_status_display()),
        superseded_by=newer,
        supersedes=snapshot.get("supersedes"),
        committee=committee_display(str(snapshot.get("committee") or ""), english=get_language() == "en"),
        snapshot={k: snapshot.get(k) for k in ("institution", "committee", "programme", "decided_by", "chair")},
        decided_on=_date(snapshot.get("decided_on")),
        applicant=public_name(str((snapshot.get("applicant") or {}).get("name", ""))),
        units=units,
    )


def documents_for_download(user: Any, public_id: str) -> QuerySet[SignedDocument]:
    """Signed documents of a decision the user may download: the case's applicant, its assessors
    and the committee (the same rule as reading the case, `cases_visible_to`); none for others."""
    visible_cases = cases_visible_to(user).values("pk")
    return SignedDocument.objects.select_related("decision").filter(
        decision__public_id=public_id, decision__case__in=visible_cases
    )
