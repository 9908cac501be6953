"""The EVC case and everything assessors and the examination committee record on it.

State changes happen only through `evc.assessments.services`; the models guard
what must never change (audit entries, decisions) even when a service forgets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from evc.curricula.models import CurriculumVersion, LearningOutcome, Unit


class CaseState(models.TextChoices):
    DRAFT = "draft", _("Concept")
    SUBMITTED = "submitted", _("Ingediend")
    IN_ASSESSMENT = "in_assessment", _("In beoordeling")
    MORE_EVIDENCE_REQUESTED = "more_evidence_requested", _("Aanvullend bewijs gevraagd")
    RESUBMITTED = "resubmitted", _("Opnieuw ingediend")
    ADVICE_READY = "advice_ready", _("Advies gereed")
    DECIDED = "decided", _("Besloten")
    WITHDRAWN = "withdrawn", _("Ingetrokken")
    APPEAL_LODGED = "appeal_lodged", _("Beroep ingesteld")
    APPEAL_RESOLVED = "appeal_resolved", _("Beroep afgehandeld")


# States in which the statutory decision term is running (nobody has decided yet).
OPEN_STATES = frozenset(
    {CaseState.SUBMITTED, CaseState.IN_ASSESSMENT, CaseState.RESUBMITTED, CaseState.ADVICE_READY}
)
# States in which assessors can still record reviews and advice.
ASSESSABLE_STATES = frozenset({CaseState.SUBMITTED, CaseState.IN_ASSESSMENT, CaseState.RESUBMITTED})


class MatchingStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Nog niet gestart")
    PENDING = "pending", _("In de wachtrij")
    RUNNING = "running", _("Bezig")
    READY = "ready", _("Klaar")
    FAILED = "failed", _("Mislukt")


class Case(models.Model):
    """One applicant's EVC procedure for one programme in one academic year."""

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evc_cases", verbose_name=_("kandidaat")
    )
    version = models.ForeignKey(
        CurriculumVersion, on_delete=models.PROTECT, related_name="evc_cases", verbose_name=_("opleiding en studiejaar")
    )
    units = models.ManyToManyField(Unit, related_name="evc_cases", blank=True, verbose_name=_("onderwijseenheden"))
    credentials = models.ManyToManyField(
        "portfolios.Credential", related_name="evc_cases", blank=True, verbose_name=_("bewijsstukken")
    )
    evidence = models.ManyToManyField(
        "portfolios.Evidence", related_name="evc_cases", blank=True, verbose_name=_("aanvullend bewijs")
    )
    motivation = models.TextField(_("motivatie"), blank=True)
    state = models.CharField(_("status"), max_length=32, choices=CaseState.choices, default=CaseState.DRAFT)
    assessors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="assessed_cases", blank=True, verbose_name=_("beoordelaars")
    )
    submitted_at = models.DateTimeField(_("ingediend op"), null=True, blank=True)
    # The statutory term; suspended (moved later) while the applicant is asked for more evidence.
    decision_due = models.DateField(_("uiterste besluitdatum"), null=True, blank=True)
    evidence_requested_at = models.DateTimeField(null=True, blank=True)
    matching_status = models.CharField(
        max_length=16, choices=MatchingStatus.choices, default=MatchingStatus.NOT_STARTED
    )
    matching_progress = models.PositiveSmallIntegerField(default=0)  # percent
    matching_fingerprint = models.CharField(max_length=64, blank=True)
    matching_error = models.TextField(blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("EVC-dossier")
        verbose_name_plural = _("EVC-dossiers")
        indexes = [
            # The queues filter on state and sort on the due date.
            models.Index(fields=["state", "decision_due"], name="case_state_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.version}"

    @property
    def reference(self) -> str:
        return f"EVC-D-{self.pk:06d}" if self.pk else "EVC-D-new"

    @property
    def programme(self):  # type: ignore[no-untyped-def]
        return self.version.programme

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def days_left(self, today: dt.date | None = None) -> int | None:
        if self.decision_due is None or not self.is_open:
            return None
        return (self.decision_due - (today or timezone.localdate())).days

    @cached_property
    def days_remaining(self) -> int | None:
        """Days left in the statutory term today (negative: overdue); cached per row for the queues."""
        return self.days_left()

    @property
    def is_overdue(self) -> bool:
        left = self.days_remaining
        return left is not None and left < 0

    @property
    def is_due_soon(self) -> bool:
        left = self.days_remaining
        return left is not None and 0 <= left <= 7


class OutcomeSuggestion(models.Model):
    """What the matching engine proposes: this credential may evidence this outcome."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suggestions")
    # SET_NULL: the title below keeps the suggestion readable if the applicant removes the credential.
    credential = models.ForeignKey(
        "portfolios.Credential", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    credential_title = models.CharField(max_length=500, blank=True)
    # "issuer|achievement id" (evc.matching.api.achievement_key): the badge class, for precedents.
    achievement_key = models.CharField(max_length=500, blank=True)
    outcome = models.ForeignKey(LearningOutcome, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField()
    confidence = models.FloatField(null=True, blank=True)
    strength = models.CharField(max_length=16, blank=True)  # strong | possible | beside (matching.engine.matcher.shown)
    explanation = models.TextField(blank=True)  # Dutch
    explanation_en = models.TextField(blank=True)
    evidence_sentence = models.TextField(blank=True)
    signals = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score"]

    def __str__(self) -> str:
        return f"{self.outcome.code} {self.score:.2f}"


class UnitSuggestion(models.Model):
    """What the matching engine concludes for one unit from one credential: an exemption may be in
    reach, or only part of the unit is evidenced, and why. A hint for the assessor, never a decision."""

    class Kind(models.TextChoices):
        EXEMPTION = "exemption", _("mogelijk vrijstelling")
        PARTIAL = "partial", _("gedeeltelijk")
        NONE = "none", _("geen vrijstelling")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="unit_suggestions")
    credential = models.ForeignKey(
        "portfolios.Credential", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    credential_title = models.CharField(max_length=500, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    suggestion = models.CharField(max_length=16, choices=Kind.choices)
    coverage = models.FloatField()  # 0..1, the engine's credit for the unit's outcomes
    blockers = models.JSONField(default=list, blank=True)  # why not an exemption, e.g. ["coverage", "level"]
    reason = models.TextField(blank=True)  # Dutch
    reason_en = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-coverage", "credential_title"]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.suggestion} {self.coverage:.2f}"


class Verdict(models.TextChoices):
    ACCEPTED = "accepted", _("Aangetoond")
    REJECTED = "rejected", _("Niet aangetoond")
    MORE_EVIDENCE = "more_evidence", _("Meer bewijs nodig")


class OutcomeReview(models.Model):
    """An assessor's judgement of one learning outcome in one case (shared by the case's assessors)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reviews")
    outcome = models.ForeignKey(LearningOutcome, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(_("oordeel"), max_length=16, choices=Verdict.choices)
    rationale = models.TextField(_("onderbouwing"), blank=True)
    added_by_assessor = models.BooleanField(default=False)  # the engine did not suggest it
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lock_version = models.PositiveIntegerField(default=1)  # optimistic concurrency check
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "outcome"], name="one_review_per_outcome")]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.outcome_id}: {self.verdict}"


class Advice(models.TextChoices):
    EXEMPTION = "exemption", _("Vrijstelling")
    NO_EXEMPTION = "no_exemption", _("Geen vrijstelling")


class UnitAdvice(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="advices")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    advice = models.CharField(_("advies"), max_length=16, choices=Advice.choices)
    motivation = models.TextField(_("motivering"))
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lock_version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "unit"], name="one_advice_per_unit")]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.unit_id}: {self.advice}"


class NoteKind(models.TextChoices):
    INTERVIEW = "interview", _("Criteriumgericht interview")
    PRACTICAL = "practical", _("Praktijkassessment")


class AssessmentNote(models.Model):
    """A criterion-based interview or practical assessment, when the evidence alone is not enough."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    kind = models.CharField(_("soort"), max_length=16, choices=NoteKind.choices)
    held_on = models.DateField(_("datum"), null=True, blank=True)
    text = models.TextField(_("verslag"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d}"


class DecisionProposal(models.Model):
    """A decision one committee member prepared; a second member co-signs it to record it."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="proposal")
    units = models.JSONField(default=list)  # [{"unit": id, "decision": granted|refused, "grounds": str}]
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"proposal {self.case_id}"


class ImmutableError(Exception):
    """Raised when code tries to change something the law or the audit requires to stay as it is."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableError("Audit entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """One step in a case's history. Append-only: no code path updates or deletes a row."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="audit_entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=64)  # dotted, e.g. evc.case.submitted
    before = models.CharField(max_length=200, blank=True)
    after = models.CharField(max_length=200, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("auditregel")
        verbose_name_plural = _("audittrail")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableError("Audit entries cannot be deleted.")


class DecisionStatus(models.TextChoices):
    VALID = "valid", _("Geldig")
    SUPERSEDED = "superseded", _("Vervangen")
    WITHDRAWN_ON_APPEAL = "withdrawn_on_appeal", _("Ingetrokken na beroep")


class DecisionQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        # Only the status may move (valid -> superseded / withdrawn_on_appeal), and only in services.
        if set(kwargs) - {"status"}:
            raise ImmutableError("A recorded decision cannot be changed; record a correction instead.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableError("A recorded decision cannot be deleted.")


class Decision(models.Model):
    """The examination committee's decision on a case. Immutable once saved; corrections supersede it."""

    CONTENT_FIELDS = ("public_id", "case_id", "curriculum_version_id", "snapshot", "decided_at", "supersedes_id", "chair_id")

    public_id = models.CharField(_("besluitnummer"), max_length=32, unique=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    curriculum_version = models.ForeignKey(CurriculumVersion, on_delete=models.PROTECT, related_name="decisions")
    snapshot = models.JSONField()
    decided_at = models.DateTimeField(_("besloten op"))
    decided_by = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="evc_decisions")
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    status = models.CharField(max_length=24, choices=DecisionStatus.choices, default=DecisionStatus.VALID)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("besluit")
        verbose_name_plural = _("besluiten")

    def __str__(self) -> str:
        return self.public_id

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values(*self.CONTENT_FIELDS).first()
            if stored is None or any(stored[f] != getattr(self, f) for f in self.CONTENT_FIELDS):
                raise ImmutableError("A recorded decision cannot be changed; record a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableError("A recorded decision cannot be deleted.")

    @property
    def language(self) -> str:
        return str(self.snapshot.get("language", "nl"))

    @property
    def appeal_deadline(self) -> dt.date:
        return dt.date.fromisoformat(self.snapshot["appeal_deadline"])

    def replacement_public_id(self) -> str | None:
        """The number of the decision that replaced this one, once it is no longer in force (superseded by
        a correction, or withdrawn on appeal and then corrected); None while valid or not yet replaced."""
        if self.status == DecisionStatus.VALID:
            return None
        return self.superseded_by.order_by("decided_at").values_list("public_id", flat=True).first()


class UnitDecision(models.Model):
    """One unit of a decision, kept as rows so precedents can be looked up by badge class."""

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("Vrijstelling verleend")
        REFUSED = "refused", _("Vrijstelling geweigerd")

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="unit_decisions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    programme_code = models.CharField(max_length=50)
    unit_code = models.CharField(max_length=50)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    grounds = models.TextField()
    followed_advice = models.BooleanField(default=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["programme_code", "unit_code"], name="unitdecision_unit_idx")]

    def __str__(self) -> str:
        return f"{self.unit_code}: {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError("A recorded decision cannot be changed; record a correction instead.")
        super().save(*args, **kwargs)


class PrecedentKey(models.Model):
    """The badge classes (achievement ids) that evidenced a unit decision: the precedent index."""

    unit_decision = models.ForeignKey(UnitDecision, on_delete=models.PROTECT, related_name="keys")
    achievement_key = models.CharField(max_length=500, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    def __str__(self) -> str:
        return self.achievement_key


class DecisionSequence(models.Model):
    """Hands out EVC-<year>-<n> numbers without gaps or duplicates, even under concurrency."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _("Gegrond")
    DISMISSED = "dismissed", _("Ongegrond")
    WITHDRAWN = "withdrawn", _("Ingetrokken")


class Appeal(models.Model):
    """An appeal to the CBE against a decision, lodged within the appeal term."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="appeals")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    lodged_on = models.DateField(_("ingesteld op"))
    grounds = models.TextField(_("gronden"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("uitkomst"), max_length=16, choices=AppealOutcome.choices, blank=True)
    outcome_note = models.TextField(_("toelichting"), blank=True)
    resolved_on = models.DateField(_("afgehandeld op"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-lodged_on"]

    def __str__(self) -> str:
        return f"appeal {self.case_id} {self.lodged_on}"
