"""Every change to a case, one function per business verb.

Each service checks the actor's role, the object-level permission and the case's current state,
runs in one transaction (the case row is locked first, so two transitions never interleave),
writes an audit entry, and schedules emails, signals and background work for after the commit.
A refused action raises `WorkflowError` with a message the person can read; nothing is half-stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evc.accounts.models import Role
from evc.curricula.models import CurriculumVersion, LearningOutcome, Unit

from . import notifications
from .models import (
    ASSESSABLE_STATES,
    Advice,
    Appeal,
    AppealOutcome,
    AssessmentNote,
    AuditEntry,
    Case,
    CaseState,
    Decision,
    DecisionProposal,
    DecisionSequence,
    DecisionStatus,
    MatchingStatus,
    NoteKind,
    OutcomeReview,
    PrecedentKey,
    UnitAdvice,
    UnitDecision,
    Verdict,
)
from .selectors import can_assign, cases_visible_to, is_case_assessor
from .signals import case_transitioned, decision_recorded

COMMITTEE = (Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR)


class WorkflowError(Exception):
    """A refused action; `message` is translated and safe to show to the person who tried it."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)


# --- helpers -----------------------------------------------------------------------------


def audit(
    case: Case,
    *,
    actor: Any,
    action: str,
    before: str = "",
    after: str = "",
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        case=case,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        before=str(before)[:200],
        after=str(after)[:200],
        comment=comment,
        data=data or {},
    )


def _lock(case: Case) -> Case:
    """Re-read the case under a row lock so the state we check is the state we change."""
    return Case.objects.select_for_update().select_related("applicant", "version__programme").get(pk=case.pk)


def _require_visible(actor: Any, case: Case) -> None:
    if not cases_visible_to(actor).filter(pk=case.pk).exists():
        raise WorkflowError(gettext_lazy("Dit dossier bestaat niet of is niet van jou."))


def _require_state(case: Case, allowed: Iterable[str], message: Any | None = None) -> None:
    if case.state not in set(allowed):
        raise WorkflowError(
            message
            or _("Dit kan niet in de status '%(state)s'.") % {"state": CaseState(case.state).label}
        )


def _transition(case: Case, *, actor: Any, to: str, action: str, comment: str = "", data: dict | None = None) -> None:
    before = case.state
    case.state = to
    case.save(update_fields=["state", "updated_at"])
    audit(case, actor=actor, action=action, before=before, after=to, comment=comment, data=data)
    transaction.on_commit(
        lambda: case_transitioned.send(sender=Case, case=case, before=before, after=to, actor=actor)
    )


def _owner_only(actor: Any, case: Case) -> None:
    if actor.role != Role.APPLICANT or case.applicant_id != actor.pk:
        raise WorkflowError(gettext_lazy("Alleen de kandidaat zelf kan dit doen."))


def _assessor_only(actor: Any, case: Case) -> None:
    if not is_case_assessor(actor, case):
        raise WorkflowError(gettext_lazy("Alleen een beoordelaar van dit dossier kan dit doen."))


def credentials_of(case: Case) -> list[Any]:
    """The portfolio credentials linked to the case."""
    return list(case.credentials.all())


# --- the applicant -------------------------------------------------------------------------


def case_create(
    *,
    actor: Any,
    version: CurriculumVersion,
    units: Sequence[Unit] = (),
    motivation: str = "",
    credentials: Sequence[Any] = (),
    evidence: Sequence[Any] = (),
) -> Case:
    if actor.role != Role.APPLICANT:
        raise WorkflowError(gettext_lazy("Alleen een kandidaat kan een EVC-aanvraag starten."))
    with transaction.atomic():
        case = Case.objects.create(applicant=actor, version=version, motivation=motivation.strip())
        _set_scope(case, actor=actor, units=units, credentials=credentials, evidence=evidence)
        audit(case, actor=actor, action="evc.case.created", after=CaseState.DRAFT)
        if credentials:
            _schedule_matching(case)
    return case


def _set_scope(
    case: Case, *, actor: Any, units: Sequence[Unit], credentials: Sequence[Any], evidence: Sequence[Any] = ()
) -> None:
    wrong = [u for u in units if u.version_id != case.version_id]
    if wrong:
        raise WorkflowError(gettext_lazy("Een gekozen onderwijseenheid hoort niet bij deze opleiding en dit studiejaar."))
    case.units.set(units)
    ids = {c.pk for c in credentials}
    if ids and case.credentials.model.objects.filter(pk__in=ids, portfolio__owner_id=case.applicant_id).count() != len(ids):
        raise WorkflowError(gettext_lazy("Je kunt alleen je eigen bewijsstukken koppelen."))
    case.credentials.set(credentials)
    evidence_ids = {e.pk for e in evidence}
    if evidence_ids and case.evidence.model.objects.filter(
        pk__in=evidence_ids, portfolio__owner_id=case.applicant_id
    ).count() != len(evidence_ids):
        raise WorkflowError(gettext_lazy("Je kunt alleen je eigen bewijsstukken koppelen."))
    case.evidence.set(evidence)


def case_update(
    *,
    actor: Any,
    case: Case,
    units: Sequence[Unit],
    motivation: str,
    credentials: Sequence[Any] = (),
    evidence: Sequence[Any] = (),
) -> Case:
    """Change a draft (or a case returned for more evidence); re-runs the matching preview."""
    with transaction.atomic():
        case = _lock(case)
        _owner_only(actor, case)
        _require_state(
            case,
            (CaseState.DRAFT, CaseState.MORE_EVIDENCE_REQUESTED),
            gettext_lazy("Een ingediende aanvraag kun je niet meer wijzigen."),
        )
        before_units = sorted(case.units.values_list("code", flat=True))
        before_credentials = set(case.credentials.values_list("pk", flat=True))
        before_evidence = set(case.evidence.values_list("pk", flat=True))
        before_motivation = case.motivation
        if case.state == CaseState.MORE_EVIDENCE_REQUESTED:
            # The assessment has started: evidence may be added, but the scope and the evidence
            # already judged stay as they were, so no review or advice loses its ground.
            if sorted(u.code for u in units) != before_units:
                raise WorkflowError(gettext_lazy("Tijdens de beoordeling kun je de onderwijseenheden niet meer wijzigen."))
            if not before_credentials <= {c.pk for c in credentials}:
                raise WorkflowError(gettext_lazy("Tijdens de beoordeling kun je bewijs toevoegen, maar niet weghalen."))
        case.motivation = motivation.strip()
        case.save(update_fields=["motivation", "updated_at"])
        _set_scope(case, actor=actor, units=units, credentials=credentials, evidence=evidence)
        if {c.pk for c in credentials} != before_credentials and credentials:
            _schedule_matching(case)
        after_units = sorted(u.code for u in units)
        if (after_units, {c.pk for c in credentials}, {e.pk for e in evidence}, case.motivation) != (
            before_units, before_credentials, before_evidence, before_motivation
        ):  # a save that changed nothing is no event in the trail
            audit(case, actor=actor, action="evc.case.edited", before=", ".join(before_units),
                  after=", ".join(after_units))
    return case


def case_submit(*, actor: Any, case: Case) -> Case:
    """draft -> submitted (starts the statutory term), or more_evidence_requested -> resubmitted.

    A resubmission moves the due date by the time the applicant took: under the Awb the term is
    suspended while the administration waits for requested information.
    """
    with transaction.atomic():
        case = _lock(case)
        _owner_only(actor, case)
        _require_state(case, (CaseState.DRAFT, CaseState.MORE_EVIDENCE_REQUESTED))
        if not case.units.exists():
            raise WorkflowError(gettext_lazy("Kies minstens één onderwijseenheid waarvoor je vrijstelling vraagt."))
        if not case.credentials.exists():
            raise WorkflowError(gettext_lazy("Koppel minstens één bewijsstuk uit je portfolio."))
        if not case.motivation.strip():
            raise WorkflowError(gettext_lazy("Schrijf een korte motivatie."))
        now = timezone.now()
        if case.state == CaseState.DRAFT:
            case.submitted_at = now
            case.decision_due = timezone.localdate(now) + dt.timedelta(weeks=settings.EVC_DECISION_TERM_WEEKS)
            target, action = CaseState.SUBMITTED, "evc.case.submitted"
        else:
            paused = (timezone.localdate(now) - timezone.localdate(case.evidence_requested_at or now)).days
            if case.decision_due:
                case.decision_due += dt.timedelta(days=paused)
            target, action = CaseState.RESUBMITTED, "evc.case.resubmitted"
        case.save(update_fields=["submitted_at", "decision_due", "updated_at"])
        _transition(case, actor=actor, to=target, action=action, data={"decision_due": str(case.decision_due)})
        _schedule_matching(case)
        if target == CaseState.SUBMITTED:
            notifications.on_commit(notifications.case_submitted, case.pk)
        else:
            notifications.on_commit(notifications.case_resubmitted, case.pk)
    return case


def case_withdraw(*, actor: Any, case: Case, comment: str = "") -> Case:
    with transaction.atomic():
        case = _lock(case)
        _owner_only(actor, case)
        _require_state(
            case,
            (
                CaseState.DRAFT,
                CaseState.SUBMITTED,
                CaseState.IN_ASSESSMENT,
                CaseState.MORE_EVIDENCE_REQUESTED,
                CaseState.RESUBMITTED,
                CaseState.ADVICE_READY,
            ),
            gettext_lazy("Na een besluit kun je de aanvraag niet meer intrekken; je kunt wel beroep instellen."),
        )
        _transition(case, actor=actor, to=CaseState.WITHDRAWN, action="evc.case.withdrawn", comment=comment)
    return case


# --- assignment and assessment ------------------------------------------------------------


def assessor_assign(*, actor: Any, case: Case, assessors: Sequence[Any]) -> Case:
    """Chair or administrator assigns one or two assessors; a first assignment starts the assessment."""
    if not can_assign(actor):
        raise WorkflowError(gettext_lazy("Alleen de voorzitter of een beheerder wijst beoordelaars toe."))
    people = list({a.pk: a for a in assessors}.values())
    if not 1 <= len(people) <= 2:
        raise WorkflowError(gettext_lazy("Wijs één of twee beoordelaars toe."))
    for person in people:
        if person.role not in (Role.ASSESSOR, *COMMITTEE) or not person.is_active:
            raise WorkflowError(
                _("%(name)s kan geen beoordelaar zijn.") % {"name": person.display_name}
            )
    with transaction.atomic():
        case = _lock(case)
        _require_visible(actor, case)
        if any(p.pk == case.applicant_id for p in people):
            raise WorkflowError(gettext_lazy("De kandidaat kan zijn eigen dossier niet beoordelen."))
        _require_state(
            case,
            (CaseState.SUBMITTED, CaseState.IN_ASSESSMENT, CaseState.RESUBMITTED, CaseState.MORE_EVIDENCE_REQUESTED),
        )
        current = list(case.assessors.all())
        if {a.pk for a in current} != {p.pk for p in people}:  # the same people again: nothing to record or mail
            case.assessors.set(people)
            audit(case, actor=actor, action="evc.case.assessors_assigned",
                  before=", ".join(sorted(a.display_name for a in current)),
                  after=", ".join(sorted(a.display_name for a in people)))
            notifications.on_commit(notifications.assessors_assigned, case.pk, [p.pk for p in people])
        if case.state == CaseState.SUBMITTED:
            _transition(case, actor=actor, to=CaseState.IN_ASSESSMENT, action="evc.case.assessment_started")
    return case


def _outcome_in_scope(case: Case, outcome: LearningOutcome) -> None:
    if not case.units.filter(pk=outcome.unit_id).exists():
        raise WorkflowError(gettext_lazy("Deze leeruitkomst hoort niet bij een onderwijseenheid van dit dossier."))


CONFLICT_MESSAGE = gettext_lazy(
    "Iemand anders heeft dit intussen opgeslagen. Je wijziging is niet bewaard: "
    "bekijk de nieuwe versie en sla daarna opnieuw op."
)


def review_record(
    *,
    actor: Any,
    case: Case,
    outcome: LearningOutcome,
    verdict: str,
    rationale: str = "",
    expected_version: int = 0,
    added_by_assessor: bool = False,
) -> OutcomeReview:
    """Record accept / reject / needs more evidence for one outcome.

    `expected_version` is the lock_version the assessor's screen showed (0 for a review that did not
    exist yet); if someone saved in between, the save is refused so nobody's work is overwritten.
    """
    if verdict not in Verdict.values:
        raise WorkflowError(gettext_lazy("Kies een oordeel."))
    rationale = rationale.strip()
    if verdict != Verdict.ACCEPTED and not rationale:
        raise WorkflowError(gettext_lazy("Geef een onderbouwing als je een leeruitkomst niet (volledig) aanvaardt."))
    with transaction.atomic():
        case = _lock(case)
        _assessor_only(actor, case)
        _require_state(case, ASSESSABLE_STATES)
        _outcome_in_scope(case, outcome)
        existing = OutcomeReview.objects.filter(case=case, outcome=outcome).first()
        if existing is None:
            if expected_version != 0:
                raise WorkflowError(CONFLICT_MESSAGE)
            review = OutcomeReview.objects.create(
                case=case,
                outcome=outcome,
                verdict=verdict,
                rationale=rationale,
                reviewer=actor,
                added_by_assessor=added_by_assessor,
            )
            before = ""
        else:
            # Compare-and-swap on lock_version: the UPDATE only matches the version the assessor saw.
            changed = OutcomeReview.objects.filter(pk=existing.pk, lock_version=expected_version).update(
                verdict=verdict,
                rationale=rationale,
                reviewer=actor,
                lock_version=F("lock_version") + 1,
                updated_at=timezone.now(),
            )
            if not changed:
                raise WorkflowError(CONFLICT_MESSAGE)
            before = existing.verdict
            review = OutcomeReview.objects.get(pk=existing.pk)
        if verdict != Verdict.MORE_EVIDENCE and (existing is None or existing.verdict != verdict):
            _feedback(case, outcome=outcome, actor=actor, accepted=verdict == Verdict.ACCEPTED)
        audit(
            case,
            actor=actor,
            action="evc.review.added" if added_by_assessor and existing is None else "evc.review.recorded",
            before=before,
            after=verdict,
            comment=rationale,
            data={"outcome": outcome.code, "unit": outcome.unit.code},
        )
    return review


def _feedback(case: Case, *, outcome: LearningOutcome, actor: Any, accepted: bool) -> None:
    """Give the matching engine the assessor's judgement as a labelled example.

    One example per credential the engine suggested for this outcome. An outcome the assessor
    added is a missed match only if the case has a single credential (otherwise we cannot tell
    which credential evidences it, and a wrong label is worse than none).
    """
    from evc.matching.api import achievement_key, feedback_record
    from evc.portfolios.claims import Claim

    suggestions = list(case.suggestions.filter(outcome=outcome, credential__isnull=False).select_related("credential"))
    pairs = [(s.credential, s.score) for s in suggestions]
    if not pairs and accepted:
        credentials = credentials_of(case)
        pairs = [(credentials[0], None)] if len(credentials) == 1 else []
    for credential, score in pairs:
        claim = Claim.from_dict(credential.claim or {})
        feedback_record(outcome=outcome, achievement_key=achievement_key(claim), claim_text=claim.matching_text(),
                        accepted=accepted, reviewer=actor, score=score)


def note_record(
    *, actor: Any, case: Case, kind: str, text: str, unit: Unit | None = None, held_on: dt.date | None = None
) -> AssessmentNote:
    if kind not in NoteKind.values or not text.strip():
        raise WorkflowError(gettext_lazy("Kies het soort assessment en schrijf een verslag."))
    with transaction.atomic():
        case = _lock(case)
        _assessor_only(actor, case)
        _require_state(case, ASSESSABLE_STATES)
        if unit is not None and not case.units.filter(pk=unit.pk).exists():
            raise WorkflowError(gettext_lazy("Deze onderwijseenheid hoort niet bij dit dossier."))
        note = AssessmentNote.objects.create(
            case=case, unit=unit, kind=kind, text=text.strip(), held_on=held_on, author=actor
        )
        audit(case, actor=actor, action="evc.note.recorded", after=kind, comment=text.strip(),
              data={"unit": unit.code if unit else None})
    return note


def advice_record(
    *, actor: Any, case: Case, unit: Unit, advice: str, motivation: str, expected_version: int = 0
) -> UnitAdvice:
    """The assessor's advice for one unit; version-checked like reviews."""
    if advice not in Advice.values:
        raise WorkflowError(gettext_lazy("Kies vrijstelling of geen vrijstelling."))
    motivation = motivation.strip()
    if not motivation:
        raise WorkflowError(gettext_lazy("Motiveer het advies."))
    with transaction.atomic():
        case = _lock(case)
        _assessor_only(actor, case)
        _require_state(case, ASSESSABLE_STATES)
        if not case.units.filter(pk=unit.pk).exists():
            raise WorkflowError(gettext_lazy("Deze onderwijseenheid hoort niet bij dit dossier."))
        existing = UnitAdvice.objects.filter(case=case, unit=unit).first()
        if existing is None:
            if expected_version != 0:
                raise WorkflowError(CONFLICT_MESSAGE)
            obj = UnitAdvice.objects.create(case=case, unit=unit, advice=advice, motivation=motivation, assessor=actor)
            before = ""
        else:
            changed = UnitAdvice.objects.filter(pk=existing.pk, lock_version=expected_version).update(
                advice=advice,
                motivation=motivation,
                assessor=actor,
                lock_version=F("lock_version") + 1,
                updated_at=timezone.now(),
            )
            if not changed:
                raise WorkflowError(CONFLICT_MESSAGE)
            before = existing.advice
            obj = UnitAdvice.objects.get(pk=existing.pk)
        audit(case, actor=actor, action="evc.advice.recorded", before=before, after=advice,
              comment=motivation, data={"unit": unit.code})
    return obj


def advice_complete(*, actor: Any, case: Case) -> Case:
    """in_assessment/resubmitted -> advice_ready, once every unit in scope has an advice."""
    with transaction.atomic():
        case = _lock(case)
        _assessor_only(actor, case)
        _require_state(case, (CaseState.IN_ASSESSMENT, CaseState.RESUBMITTED))
        missing = case.units.exclude(pk__in=UnitAdvice.objects.filter(case=case).values("unit_id"))
        if missing.exists():
            raise WorkflowError(
                _("Nog geen advies voor: %(units)s.") % {"units": ", ".join(missing.values_list("code", flat=True))}
            )
        _transition(case, actor=actor, to=CaseState.ADVICE_READY, action="evc.case.advice_ready")
        notifications.on_commit(notifications.advice_ready, case.pk)
    return case


def case_request_evidence(*, actor: Any, case: Case, message: str) -> Case:
    """The assessor asks the applicant for more evidence; the decision term is suspended meanwhile."""
    if not message.strip():
        raise WorkflowError(gettext_lazy("Schrijf welk bewijs je nog nodig hebt."))
    with transaction.atomic():
        case = _lock(case)
        _assessor_only(actor, case)
        _require_state(case, (CaseState.IN_ASSESSMENT, CaseState.RESUBMITTED))
        case.evidence_requested_at = timezone.now()
        case.save(update_fields=["evidence_requested_at", "updated_at"])
        _transition(
            case, actor=actor, to=CaseState.MORE_EVIDENCE_REQUESTED, action="evc.case.evidence_requested",
            comment=message.strip(),
        )
        notifications.on_commit(notifications.evidence_requested, case.pk, message.strip())
    return case


# --- the committee ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitDecisionInput:
    unit_id: int
    decision: str  # granted | refused
    grounds: str
    valid_until: dt.date | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit_id,
            "decision": self.decision,
            "grounds": self.grounds,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }


def _check_decider(actor: Any, case: Case) -> None:
    if actor.role not in COMMITTEE:
        raise WorkflowError(gettext_lazy("Alleen de examencommissie neemt een besluit."))
    if is_case_assessor(actor, case):
        raise WorkflowError(
            gettext_lazy("Je hebt dit dossier beoordeeld en mag er daarom niet over besluiten (belangenverstrengeling).")
        )


def _check_units(case: Case, units: Sequence[UnitDecisionInput]) -> None:
    scope = set(case.units.values_list("pk", flat=True))
    given = [u.unit_id for u in units]
    if set(given) != scope or len(given) != len(scope):
        raise WorkflowError(gettext_lazy("Neem voor elke onderwijseenheid van het dossier precies één besluit."))
    for u in units:
        if u.decision not in UnitDecision.Outcome.values:
            raise WorkflowError(gettext_lazy("Kies per onderwijseenheid: vrijstelling verlenen of weigeren."))
        if not u.grounds.strip():
            raise WorkflowError(gettext_lazy("Elk besluit heeft een motivering nodig (Awb 3:46)."))
        if u.decision == UnitDecision.Outcome.GRANTED and u.valid_until and u.valid_until <= timezone.localdate():
            # A letter that grants an exemption already expired would be void on the day it is sent.
            raise WorkflowError(gettext_lazy("Een vrijstelling is geldig tot een datum na de dag van het besluit."))


def _may_decide_alone(actor: Any) -> bool:
    return actor.role == Role.COMMITTEE_CHAIR and not settings.EVC_DECISION_REQUIRES_TWO_MEMBERS


def decision_record(
    *, actor: Any, case: Case, units: Sequence[UnitDecisionInput]
) -> Decision | DecisionProposal:
    """Record the committee's decision on an advised case.

    The chair decides alone; otherwise (or always, with EVC_DECISION_REQUIRES_TWO_MEMBERS) two
    committee members must agree: the first call stores a proposal, a second member who confirms
    the identical content records the decision with both names. Returns what was stored.
    """
    return _decide(actor=actor, case=case, units=units, supersedes=None, reason="")


def decision_correct(
    *, actor: Any, decision: Decision, units: Sequence[UnitDecisionInput], reason: str
) -> Decision | DecisionProposal:
    """A correction (e.g. after an appeal) is a new decision pointing to the old one, never an edit."""
    if not reason.strip():
        raise WorkflowError(gettext_lazy("Geef de reden van de correctie."))
    return _decide(actor=actor, case=decision.case, units=units, supersedes=decision, reason=reason.strip())


def _decide(
    *, actor: Any, case: Case, units: Sequence[UnitDecisionInput], supersedes: Decision | None, reason: str
) -> Decision | DecisionProposal:
    with transaction.atomic():
        case = _lock(case)
        _require_visible(actor, case)
        _check_decider(actor, case)
        if supersedes is None:
            _require_state(case, (CaseState.ADVICE_READY,))
        else:
            _require_state(case, (CaseState.DECIDED, CaseState.APPEAL_RESOLVED))
            current = case.decisions.exclude(status=DecisionStatus.SUPERSEDED).order_by("-decided_at").first()
            if current is None or current.pk != supersedes.pk:
                raise WorkflowError(gettext_lazy("Alleen het laatste besluit kan worden gecorrigeerd."))
        _check_units(case, units)
        payload = {"units": [u.as_json() for u in units], "supersedes": supersedes.pk if supersedes else None,
                   "reason": reason}
        if _may_decide_alone(actor):
            return _record(case, actor=actor, signers=[actor], units=units, supersedes=supersedes, reason=reason)
        proposal = DecisionProposal.objects.filter(case=case).select_related("proposed_by").first()
        if (
            proposal is not None
            and proposal.proposed_by_id != actor.pk
            and proposal.units == payload
            and not is_case_assessor(proposal.proposed_by, case)
        ):
            signers = [proposal.proposed_by, actor]
            proposal.delete()
            return _record(case, actor=actor, signers=signers, units=units, supersedes=supersedes, reason=reason)
        if proposal is not None and proposal.proposed_by_id == actor.pk and proposal.units == payload:
            return proposal  # the same member proposing the same again (a double submit): already on record
        DecisionProposal.objects.filter(case=case).delete()
        proposal = DecisionProposal.objects.create(case=case, units=payload, proposed_by=actor)
        audit(case, actor=actor, action="evc.decision.proposed", after=case.state, comment=reason,
              data=payload)
        return proposal


def _next_public_id(year: int) -> str:
    seq, _created = DecisionSequence.objects.select_for_update().get_or_create(year=year)
    DecisionSequence.objects.filter(year=year).update(last=F("last") + 1)
    seq.refresh_from_db()
    return f"EVC-{year}-{seq.last:06d}"


def _record(
    case: Case,
    *,
    actor: Any,
    signers: list[Any],
    units: Sequence[UnitDecisionInput],
    supersedes: Decision | None,
    reason: str,
) -> Decision:
    now = timezone.now()
    version = case.version
    version.freeze()
    unit_rows = {u.pk: u for u in case.units.all()}
    advices = {a.unit_id: a for a in case.advices.all()}
    public_id = _next_public_id(timezone.localdate(now).year)
    snapshot = build_snapshot(
        case, public_id=public_id, units=units, decided_at=now, signers=signers, supersedes=supersedes
    )
    decision = Decision.objects.create(
        public_id=public_id,
        case=case,
        curriculum_version=version,
        snapshot=snapshot,
        decided_at=now,
        chair=next((s for s in signers if s.role == Role.COMMITTEE_CHAIR), None),
        supersedes=supersedes,
    )
    decision.decided_by.set(signers)
    keys_by_unit = _achievement_keys_by_unit(case)
    for u in units:
        advice = advices.get(u.unit_id)
        followed = advice is not None and (advice.advice == Advice.EXEMPTION) == (u.decision == "granted")
        row = UnitDecision.objects.create(
            decision=decision,
            unit=unit_rows[u.unit_id],
            programme_code=version.programme.code,
            unit_code=unit_rows[u.unit_id].code,
            outcome=u.decision,
            grounds=u.grounds.strip(),
            followed_advice=followed,
        )
        PrecedentKey.objects.bulk_create(
            PrecedentKey(unit_decision=row, achievement_key=k) for k in sorted(keys_by_unit.get(u.unit_id, set()))
        )
    if supersedes is not None and supersedes.status == DecisionStatus.VALID:
        decision_supersede(old=supersedes, new=decision, actor=actor)
    action = "evc.decision.corrected" if supersedes else "evc.decision.recorded"
    audit(
        case,
        actor=actor,
        action=action,
        before=supersedes.public_id if supersedes else "",
        after=public_id,
        comment=reason,
        data={"signers": [s.display_name for s in signers], "units": [u.as_json() for u in units]},
    )
    _transition(case, actor=actor, to=CaseState.DECIDED, action="evc.case.decided", data={"decision": public_id})
    transaction.on_commit(lambda: decision_recorded.send(sender=Decision, decision=decision))
    notifications.on_commit(notifications.decision_made, decision.pk)
    return decision


def decision_supersede(*, old: Decision, new: Decision, actor: Any) -> None:
    """The one place a decision's status becomes 'superseded'."""
    Decision.objects.filter(pk=old.pk).update(status=DecisionStatus.SUPERSEDED)
    audit(old.case, actor=actor, action="evc.decision.superseded", before=old.public_id, after=new.public_id)


def _achievement_keys_by_unit(case: Case) -> dict[int, set[str]]:
    """The precedent index: per unit, the badge classes the committee judged it on.

    Every credential of the case counts for every unit decided (granted or refused: a refusal is
    as much a precedent as a grant, and the engine uses refusals to hold back an exemption), plus
    the badge classes the engine's suggestions for that unit came from.
    """
    from evc.matching.api import achievement_key
    from evc.portfolios.claims import Claim

    case_keys = {achievement_key(Claim.from_dict(c.claim or {})) for c in case.credentials.all()} - {""}
    keys: dict[int, set[str]] = {u.pk: set(case_keys) for u in case.units.all()}
    for unit_id, key in case.suggestions.exclude(achievement_key="").values_list("outcome__unit_id", "achievement_key"):
        keys.setdefault(unit_id, set()).add(key)
    return keys


def build_snapshot(
    case: Case,
    *,
    public_id: str,
    units: Sequence[UnitDecisionInput],
    decided_at: dt.datetime,
    signers: list[Any],
    supersedes: Decision | None,
) -> dict[str, Any]:
    """The frozen content of the decision letter (schema agreed with evc/reports)."""
    version = case.version
    programme = version.programme
    applicant = case.applicant
    decided_on = timezone.localdate(decided_at)
    reviews = {r.outcome_id: r for r in case.reviews.all()}
    evidence: dict[int, list[str]] = {}
    for s in case.suggestions.all().order_by("-score"):
        if s.credential_title and s.credential_title not in evidence.setdefault(s.outcome_id, []):
            evidence[s.outcome_id].append(s.credential_title)
    unit_rows = {
        u.pk: u for u in Unit.objects.filter(pk__in=[u.unit_id for u in units]).prefetch_related("outcomes")
    }
    out_units = []
    for u in sorted(units, key=lambda x: unit_rows[x.unit_id].code):
        unit = unit_rows[u.unit_id]
        outcomes = []
        for o in unit.outcomes.all():
            review = reviews.get(o.pk)
            accepted = review is not None and review.verdict == Verdict.ACCEPTED
            outcomes.append(
                {"code": o.code, "text": o.text, "accepted": accepted, "evidence": evidence.get(o.pk, []) if accepted else []}
            )
        out_units.append(
            {
                "code": unit.code,
                "name": unit.name,
                "name_en": unit.name_en,
                "ects": str(unit.ects),
                "decision": u.decision,
                "grounds": u.grounds.strip(),
                "valid_until": u.valid_until.isoformat() if u.decision == "granted" and u.valid_until else None,
                "outcomes": outcomes,
            }
        )
    chair = next((s for s in signers if s.role == Role.COMMITTEE_CHAIR), None)
    return {
        "decision_id": public_id,
        "language": applicant.preferred_language if applicant.preferred_language in ("nl", "en") else "nl",
        "institution": settings.EVC_INSTITUTION_NAME,
        "committee": f"Examencommissie {programme.name}",
        "applicant": {
            "name": applicant.display_name,
            "number": applicant.student_number,
            "email": applicant.email,
        },
        "programme": {
            "code": programme.code,
            "name": programme.name,
            "name_en": programme.name_en,
            "croho_code": programme.croho_code,
            "academic_year": version.academic_year,
        },
        "units": out_units,
        "decided_on": decided_on.isoformat(),
        "decided_by": [s.display_name for s in signers],
        "chair": chair.display_name if chair else None,
        "supersedes": supersedes.public_id if supersedes else None,
        "appeal_deadline": (decided_on + dt.timedelta(weeks=settings.EVC_APPEAL_TERM_WEEKS)).isoformat(),
    }


# --- appeals -----------------------------------------------------------------------------------


def appeal_lodge(*, actor: Any, case: Case, grounds: str, lodged_on: dt.date | None = None) -> Appeal:
    """The applicant (or an administrator on their behalf) records an appeal to the CBE in time.

    The applicant's appeal is lodged today. Only an administrator entering an appeal that reached the
    institution on paper gives an earlier date, and never one before the decision or after today:
    a chosen date would otherwise move the appeal inside the deadline."""
    if not grounds.strip():
        raise WorkflowError(gettext_lazy("Geef de gronden van het beroep."))
    with transaction.atomic():
        case = _lock(case)
        is_owner = actor.role == Role.APPLICANT and case.applicant_id == actor.pk
        is_admin = actor.is_administrator
        if not (is_owner or is_admin):
            raise WorkflowError(gettext_lazy("Alleen de kandidaat of een beheerder registreert een beroep."))
        _require_state(case, (CaseState.DECIDED,))
        decision = case.decisions.filter(status=DecisionStatus.VALID).order_by("-decided_at").first()
        if decision is None:
            raise WorkflowError(gettext_lazy("Er is geen geldig besluit om tegen in beroep te gaan."))
        today = timezone.localdate()
        if lodged_on is not None and lodged_on != today:
            if not is_admin:
                raise WorkflowError(gettext_lazy("Een beroep dat je zelf instelt, krijgt de datum van vandaag."))
            if not timezone.localdate(decision.decided_at) <= lodged_on <= today:
                raise WorkflowError(
                    _("De datum van het beroep ligt tussen de datum van het besluit (%(decided)s) en vandaag.")
                    % {"decided": timezone.localdate(decision.decided_at).isoformat()}
                )
        lodged_on = lodged_on or today
        if lodged_on > decision.appeal_deadline:
            raise WorkflowError(
                _("De beroepstermijn is verstreken op %(date)s.") % {"date": decision.appeal_deadline.isoformat()}
            )
        appeal = Appeal.objects.create(
            case=case, decision=decision, lodged_on=lodged_on, grounds=grounds.strip(), recorded_by=actor
        )
        _transition(case, actor=actor, to=CaseState.APPEAL_LODGED, action="evc.appeal.lodged",
                    comment=grounds.strip(), data={"decision": decision.public_id})
    return appeal


def appeal_resolve(*, actor: Any, appeal: Appeal, outcome: str, note: str = "") -> Appeal:
    """Record the CBE's outcome. Upheld: the decision is withdrawn; the committee then records a correction."""
    if not (actor.role in (Role.COMMITTEE_CHAIR, Role.ADMIN) or actor.is_superuser):
        raise WorkflowError(gettext_lazy("Alleen de voorzitter of een beheerder registreert de uitspraak."))
    if outcome not in AppealOutcome.values:
        raise WorkflowError(gettext_lazy("Kies de uitkomst van het beroep."))
    with transaction.atomic():
        case = _lock(appeal.case)
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        _require_state(case, (CaseState.APPEAL_LODGED,))
        if appeal.outcome:
            raise WorkflowError(gettext_lazy("Dit beroep is al afgehandeld."))
        appeal.outcome = outcome
        appeal.outcome_note = note.strip()
        appeal.resolved_on = timezone.localdate()
        appeal.resolved_by = actor
        appeal.save(update_fields=["outcome", "outcome_note", "resolved_on", "resolved_by"])
        if outcome == AppealOutcome.UPHELD:
            Decision.objects.filter(pk=appeal.decision_id).update(status=DecisionStatus.WITHDRAWN_ON_APPEAL)
            audit(case, actor=actor, action="evc.decision.withdrawn_on_appeal", before=DecisionStatus.VALID,
                  after=DecisionStatus.WITHDRAWN_ON_APPEAL, data={"decision": appeal.decision.public_id})
        _transition(case, actor=actor, to=CaseState.APPEAL_RESOLVED, action="evc.appeal.resolved",
                    comment=note.strip(), data={"outcome": outcome})
    return appeal


# --- matching ------------------------------------------------------------------------------------


def _schedule_matching(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(matching_status=MatchingStatus.PENDING, matching_progress=0)
    case.matching_status = MatchingStatus.PENDING

    def enqueue() -> None:
        from .tasks import match_case

        match_case.enqueue(case.pk)

    transaction.on_commit(enqueue)


def case_rematch(*, case: Case) -> None:
    """Re-run matching (portfolio or catalogue changed) for a case still being assessed."""
    if case.state in (CaseState.DRAFT, *ASSESSABLE_STATES, CaseState.MORE_EVIDENCE_REQUESTED):
        with transaction.atomic():
            _schedule_matching(case)
