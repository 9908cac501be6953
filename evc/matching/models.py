"""Stored state of the matching engine: cached outcome vectors and assessors' feedback."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutcomeEmbedding(models.Model):
    """One encoded catalogue text (outcome or unit description), keyed by model and exact text.

    A changed text has a new hash and a changed model a new id, so a stale vector can never
    be looked up; `rebuild_outcome_embeddings` only saves the re-encoding time.
    """

    model_id = models.CharField(_("model"), max_length=200)
    text_hash = models.CharField(_("teksthash"), max_length=64)
    dimension = models.PositiveIntegerField(_("dimensie"))
    vector = models.BinaryField(_("vector"))  # float32, little-endian, `dimension` values
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("leeruitkomst-embedding")
        verbose_name_plural = _("leeruitkomst-embeddings")
        constraints = [models.UniqueConstraint(fields=["model_id", "text_hash"], name="unique_embedding_model_text")]

    def __str__(self) -> str:
        return f"{self.model_id} {self.text_hash[:12]}"


class MatchFeedback(models.Model):
    """An assessor accepted or rejected one suggested outcome for one credential: a labelled example."""

    outcome = models.ForeignKey(
        "curricula.LearningOutcome", on_delete=models.PROTECT, related_name="match_feedback", verbose_name=_("leeruitkomst")
    )
    achievement_key = models.CharField(_("badgeklasse"), max_length=500, blank=True)
    claim_text_hash = models.CharField(_("teksthash bewijsstuk"), max_length=64)
    # The text itself lets `evaluate_matching --from-reviews` re-run today's engine on it.
    claim_text = models.TextField(_("tekst bewijsstuk"), blank=True)
    accepted = models.BooleanField(_("geaccepteerd"))
    score = models.FloatField(_("score bij voorstel"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("beoordelaar"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("matchfeedback")
        verbose_name_plural = _("matchfeedback")
        indexes = [models.Index(fields=["claim_text_hash"], name="matchfeedback_claim_idx")]

    def __str__(self) -> str:
        return f"{'+' if self.accepted else '-'} {self.outcome_id} {self.claim_text_hash[:12]}"
