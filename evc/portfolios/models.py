"""Portfolios: the credentials and evidence one applicant brings (Cedefop stage 1)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evc.portfolios.claims import Claim


def _stored_name(instance: Any, filename: str) -> str:
    """Uploads are stored under a generated name; the uploaded name is display text only."""
    return f"portfolios/{uuid.uuid4().hex}"


class Portfolio(models.Model):
    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolio", verbose_name=_("eigenaar"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("portfolio")
        verbose_name_plural = _("portfolio's")

    def __str__(self) -> str:
        return f"Portfolio {self.owner}"


class Format(models.TextChoices):
    OB2 = "ob2", "Open Badges 2.0"
    OB2_SIGNED = "ob2-signed", _("Open Badges 2.0 (ondertekend)")
    OB3 = "ob3", "Open Badges 3.0"
    OB3_JWT = "ob3-jwt", "Open Badges 3.0 (VC-JWT)"
    BAKED_PNG = "baked-png", _("Badge-afbeelding (PNG)")
    BAKED_SVG = "baked-svg", _("Badge-afbeelding (SVG)")
    EUROPASS = "europass", "Europass Digital Credential"
    PDF = "pdf", _("PDF-certificaat")
    MANUAL = "manual", _("Handmatige invoer")


class Credential(models.Model):
    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="credentials")
    file = models.FileField(upload_to=_stored_name, blank=True)  # the raw upload, verbatim
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    original_filename = models.CharField(_("oorspronkelijke bestandsnaam"), max_length=255, blank=True)
    media_type = models.CharField(max_length=100, blank=True)
    format = models.CharField(_("formaat"), max_length=20, choices=Format.choices)
    title = models.CharField(_("titel"), max_length=500, blank=True)
    claim = models.JSONField(default=dict)  # Claim.to_dict(); derived, rebuildable from the file
    payload = models.JSONField(null=True, blank=True)  # the parsed credential (e.g. unbaked from a PNG), for display
    verified = models.BooleanField(_("geverifieerd"), null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "sha256"], condition=~models.Q(sha256=""), name="portfolio_credential_unique_file"
            )
        ]

    def __str__(self) -> str:
        return self.title or self.original_filename or f"Credential {self.pk}"

    def get_claim(self) -> Claim:
        return Claim.from_dict(self.claim or {})

    @property
    def status_label(self) -> str:
        if self.verified is True:
            return str(_("Geverifieerd"))
        if self.verified is False:
            return str(_("Niet geverifieerd"))
        return str(_("Niet vast te stellen"))


class CheckStatus(models.TextChoices):
    PASSED = "passed", _("geslaagd")
    FAILED = "failed", _("mislukt")
    UNKNOWN = "unknown", _("onbekend")


# Labels for the stable check names (the names themselves are part of contract 4.2 and stay English).
CHECK_LABELS = {
    "structure": _("Structuur volgens de standaard"),
    "jsonld_context": _("JSON-LD-contexten"),
    "badge_class": _("Badgebeschrijving"),
    "issuer_profile": _("Uitgeversprofiel"),
    "signature": _("Handtekening"),
    "signature_other": _("Overige handtekeningen"),
    "key_ownership": _("Sleutel hoort bij de uitgever"),
    "hosted_verification": _("Controle bij de uitgever"),
    "revocation": _("Intrekking"),
    "json_schema": _("JSON-schema"),
    "issued_on": _("Uitgiftedatum"),
    "expiry": _("Vervaldatum"),
    "recipient": _("Ontvanger"),
    "seal": _("Zegel"),
    "seal_signature": _("Handtekening van het zegel"),
    "verification_url": _("Verificatieadres"),
    "manual_entry": _("Handmatige invoer"),
    "nested_credentials": _("Ingesloten credentials"),
}


class VerificationCheck(models.Model):
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="checks")
    name = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=CheckStatus.choices)
    detail = models.TextField()  # English, as in contract 4.2
    template = models.TextField(blank=True)  # the English msgid the detail was made from
    params = models.JSONField(default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.name}: {self.status}"

    @property
    def localized_detail(self) -> str:
        """The detail in the active language (Dutch texts in locale/nl), falling back to English."""
        from evc.portfolios.verification.messages import localize

        return localize(self.template, self.params, fallback=self.detail)

    @property
    def label(self) -> str:
        return str(CHECK_LABELS.get(self.name, self.name))


class Evidence(models.Model):
    class Kind(models.TextChoices):
        FILE = "file", _("bestand")
        LINK = "link", _("link")

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="evidence")
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="evidence", null=True, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(_("titel"), max_length=300)
    file = models.FileField(upload_to=_stored_name, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    url = models.URLField(_("link"), max_length=1000, blank=True)
    extracted_text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("bewijsstuk")
        verbose_name_plural = _("bewijsstukken")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="link") & ~models.Q(url="")) | (models.Q(kind="file") & ~models.Q(file="")),
                name="evidence_has_file_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.title
