"""Signed documents: the decision letter and EVC report of a decision, exactly as signed."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImmutableDocumentError(Exception):
    """A signed document was about to change: it never may (its hash is what verification trusts)."""


class DocumentKind(models.TextChoices):
    LETTER = "letter", _("Besluitbrief")
    REPORT = "report", _("Ervaringscertificaat")


def _document_path(instance: SignedDocument, filename: str) -> str:
    # A generated name: nothing of the applicant (or the upload) ends up in the file system.
    return f"signed/{instance.signed_at:%Y/%m}/{uuid.uuid4().hex}.pdf"


class SignedDocumentQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableDocumentError("Signed documents cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableDocumentError("Signed documents cannot be deleted.")


class SignedDocument(models.Model):
    """One signed PDF of a decision. Verification finds it by the SHA-256 of the whole file."""

    decision = models.ForeignKey(
        "assessments.Decision", on_delete=models.PROTECT, related_name="signed_documents"
    )
    kind = models.CharField(_("soort"), max_length=16, choices=DocumentKind.choices)
    pdf = models.FileField(_("PDF"), upload_to=_document_path)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    size = models.PositiveIntegerField(_("grootte in bytes"))
    signer = models.CharField(_("ondertekenaar"), max_length=300)
    signed_at = models.DateTimeField(_("ondertekend op"))

    objects = SignedDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["decision_id", "kind"]
        verbose_name = _("ondertekend document")
        verbose_name_plural = _("ondertekende documenten")
        constraints = [
            # One letter and one report per decision: the signing task relies on it to be idempotent.
            models.UniqueConstraint(fields=["decision", "kind"], name="one_signed_document_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.decision_id} {self.kind} {self.sha256[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableDocumentError("Signed documents cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableDocumentError("Signed documents cannot be deleted.")

    @property
    def download_name(self) -> str:
        return f"{self.decision.public_id}-{self.kind}.pdf"
