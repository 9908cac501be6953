"""A staff competency inventory, mapped onto programmes, without identifying anyone.

The employer's own staff number (`employee_ref`) never reaches the database: it is
replaced on import by a keyed hash (`employee_key`). Only an employee who accepts an
invitation links that key to an account, and only for themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evc.accounts.models import Organisation


class StaffImport(models.Model):
    """One uploaded inventory file; the newest one is the organisation's inventory."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(_("bestandsnaam"), max_length=255)
    sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField(default=0)
    staff_count = models.PositiveIntegerField(default=0)
    column_mapping = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("personeelsinventarisatie")
        verbose_name_plural = _("personeelsinventarisaties")

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.filename}"


class StaffEntry(models.Model):
    """One competence of one (pseudonymous) employee."""

    staff_import = models.ForeignKey(StaffImport, on_delete=models.CASCADE, related_name="entries")
    row_number = models.PositiveIntegerField()
    # HMAC-SHA256(EVC_PSEUDONYM_KEY, organisation code + normalised ref), hex.
    employee_key = models.CharField(max_length=64, db_index=True)
    department = models.CharField(_("afdeling"), max_length=200)
    role = models.CharField(_("functie"), max_length=200)
    competence_title = models.CharField(_("competentie"), max_length=500)
    competence_description = models.TextField(_("omschrijving"))
    provider = models.CharField(_("aanbieder"), max_length=200, blank=True)
    date = models.DateField(_("datum"), null=True, blank=True)
    hours = models.DecimalField(_("uren"), max_digits=8, decimal_places=1, null=True, blank=True)
    ects = models.DecimalField(_("EC"), max_digits=5, decimal_places=1, null=True, blank=True)
    # sha256 of the text that is matched (title + description); the dedup and cache key.
    text_hash = models.CharField(max_length=64, db_index=True)

    class Meta:
        ordering = ["staff_import", "row_number"]
        verbose_name = _("inventarisregel")
        verbose_name_plural = _("inventarisregels")

    def __str__(self) -> str:
        return f"{self.department} / {self.role}: {self.competence_title}"

    @property
    def match_text(self) -> str:
        return competence_text(self.competence_title, self.competence_description)


def competence_text(title: str, description: str) -> str:
    """The one text the engine sees for an entry; identical texts are matched once.

    Title and description on separate lines: the engine takes the first line as the
    title and the lines as sentences, so nothing is encoded twice.
    """
    title, description = title.strip(), " ".join(description.split())
    if description and description != title:
        return f"{title}\n{description}" if title else description
    return title


class MatchCache(models.Model):
    """The engine's answer for one competence text against one programme's catalogue.

    `catalogue_key` names the programme, its curriculum version and a fingerprint of
    its outcome texts plus the engine, so a changed catalogue never reuses old answers.
    """

    text_hash = models.CharField(max_length=64)
    catalogue_key = models.CharField(max_length=200)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["text_hash", "catalogue_key"], name="unique_match_cache_key")
        ]

    def __str__(self) -> str:
        return f"{self.text_hash[:12]} @ {self.catalogue_key}"


class MappingRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("In de wachtrij")
        RUNNING = "running", _("Bezig")
        DONE = "done", _("Klaar")
        FAILED = "failed", _("Mislukt")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="mapping_runs")
    staff_import = models.ForeignKey(StaffImport, on_delete=models.CASCADE, related_name="mapping_runs")
    programme_codes = models.JSONField(default=list)
    catalogue_keys = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    # Aggregates per employee group (no employee keys); suppression happens on display/export.
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("koppelingsrun")
        verbose_name_plural = _("koppelingsruns")

    def __str__(self) -> str:
        return f"{self.organisation.code} {','.join(self.programme_codes)} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class StaffInvitation(models.Model):
    """An invitation to one employee, identified only by key until they accept.

    No email address is stored: the mail is sent and forgotten. Only a hash of the
    link's token is kept, so a database reader cannot use the link either.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff_invitations")
    employee_key = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_invitations",
    )
    consent_at = models.DateTimeField(null=True, blank=True)
    programme_code = models.CharField(max_length=50, blank=True)
    # Filled when consent is given: the EVC case (or draft) the inventory was copied into.
    case_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("uitnodiging medewerker")
        verbose_name_plural = _("uitnodigingen medewerkers")

    def __str__(self) -> str:
        return f"{self.organisation.code} invitation {self.pk}"


class AuditEvent(models.Model):
    """What happened to an organisation's inventory, readable without personal data."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=60)  # dotted, e.g. evc.employers.imported
    detail = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.action
