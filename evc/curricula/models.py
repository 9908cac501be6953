"""The curriculum catalogue: programmes, their yearly versions, units and learning outcomes.

Every academic year has its own copy of a programme's units and outcomes
(`CurriculumVersion`). Decisions point at the rows of the year they were made on,
so next year's edits never reach back. Once a decision is taken on a year, that
year is frozen: its texts can no longer change, only a new year can.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

ACADEMIC_YEAR_FORMAT = "YYYY-YYYY"


def academic_year_for(day: dt.date | None = None) -> str:
    """Dutch academic years start on 1 September: 2026-11-28 lies in '2026-2027'."""
    day = day or timezone.localdate()
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{start + 1}"


FIRST_ACADEMIC_YEAR, LAST_ACADEMIC_YEAR = 2000, 2099


def validate_academic_year(value: str) -> None:
    parts = value.split("-")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts) or int(parts[1]) != int(parts[0]) + 1:
        raise ValidationError(_("Een studiejaar schrijf je als 2026-2027."))
    if not FIRST_ACADEMIC_YEAR <= int(parts[0]) <= LAST_ACADEMIC_YEAR:  # 1900-1901 is a typing error, not a catalogue
        raise ValidationError(
            _("Een studiejaar ligt tussen %(first)s en %(last)s.")
            % {"first": f"{FIRST_ACADEMIC_YEAR}-{FIRST_ACADEMIC_YEAR + 1}", "last": f"{LAST_ACADEMIC_YEAR}-{LAST_ACADEMIC_YEAR + 1}"}
        )


class Language(models.TextChoices):
    NL = "nl", _("Nederlands")
    EN = "en", _("Engels")


class Programme(models.Model):
    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    name_en = models.CharField(_("naam (Engels)"), max_length=200, blank=True)
    croho_code = models.CharField(_("CROHO-code"), max_length=10, blank=True)
    eqf_level = models.PositiveSmallIntegerField(
        _("EQF-niveau"), default=6, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("opleiding")
        verbose_name_plural = _("opleidingen")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def display_name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name

    def current_version(self) -> CurriculumVersion | None:
        """The newest year that has started; else the earliest planned one."""
        this_year = academic_year_for()
        versions = list(self.versions.order_by("academic_year"))
        started = [v for v in versions if v.academic_year <= this_year]
        if started:
            return started[-1]
        return versions[0] if versions else None


class CurriculumVersion(models.Model):
    # The year's rules for evidence that the matching engine reads: a change to one of them rematches the year's cases.
    EVIDENCE_RULES = ("evidence_max_age_years", "level_below_accepted")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="versions")
    academic_year = models.CharField(_("studiejaar"), max_length=9, validators=[validate_academic_year])
    frozen_at = models.DateTimeField(
        _("vastgezet op"),
        null=True,
        blank=True,
        help_text=_("Gezet bij het eerste besluit op dit studiejaar; daarna verandert de tekst niet meer."),
    )
    evidence_max_age_years = models.PositiveSmallIntegerField(
        _("maximale leeftijd van bewijs (jaren)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Zoals de onderwijs- en examenregeling van dit studiejaar die stelt; leeg: geen grens. "
                    "De matching stelt op ouder bewijs geen vrijstelling voor."),
    )
    level_below_accepted = models.BooleanField(
        _("bewijs één niveau lager volstaat"),
        default=False,
        help_text=_("Aanvinken als de examencommissie van dit studiejaar een vrijstelling toestaat op bewijs één "
                    "EQF-niveau onder dat van de eenheid (zoals een Associate degree-module voor een "
                    "bacheloreenheid). Uit: de matching stelt alleen een vrijstelling voor op bewijs van het "
                    "niveau van de eenheid."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["programme__name", "-academic_year"]
        verbose_name = _("curriculumversie")
        verbose_name_plural = _("curriculumversies")
        constraints = [
            models.UniqueConstraint(fields=["programme", "academic_year"], name="unique_programme_year")
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.academic_year}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    def freeze(self) -> None:
        """Called when a decision is recorded on this year; idempotent."""
        if self.frozen_at is None:
            self.frozen_at = timezone.now()
            self.save(update_fields=["frozen_at"])


class Unit(models.Model):
    version = models.ForeignKey(CurriculumVersion, on_delete=models.PROTECT, related_name="units")
    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("naam"), max_length=200)
    name_en = models.CharField(_("naam (Engels)"), max_length=200, blank=True)
    ects = models.DecimalField(
        _("EC"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    eqf_level = models.PositiveSmallIntegerField(
        _("EQF-niveau"), validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    description = models.TextField(_("omschrijving"), blank=True)

    class Meta:
        ordering = ["version", "code"]
        verbose_name = _("onderwijseenheid")
        verbose_name_plural = _("onderwijseenheden")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_unit_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        _refuse_change_in_frozen_year(self, self.version_id, ["name", "name_en", "ects", "eqf_level", "description"])
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def display_name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name

    @property
    def study_hours(self) -> int:
        """1 EC = 28 hours of study load (Dutch convention)."""
        return int(self.ects * 28)


class LearningOutcome(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="outcomes")
    code = models.CharField(_("code"), max_length=60)
    text = models.TextField(_("leeruitkomst"))
    language = models.CharField(_("taal"), max_length=2, choices=Language.choices)
    framework_refs = models.JSONField(
        _("kaderverwijzingen"), default=list, blank=True, help_text=_("Bijv. ESCO-URI's of HBO-i-codes.")
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["unit", "position", "code"]
        verbose_name = _("leeruitkomst")
        verbose_name_plural = _("leeruitkomsten")
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="unique_outcome_code")]

    def __str__(self) -> str:
        return f"{self.code}: {self.text[:60]}"

    def save(self, *args: object, **kwargs: object) -> None:
        version_id = Unit.objects.filter(pk=self.unit_id).values_list("version_id", flat=True).first()
        _refuse_change_in_frozen_year(self, version_id, ["text", "language", "framework_refs", "code"])
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def text_hash(self) -> str:
        """Identifies the exact wording; embedding caches key on it."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def reference(self) -> str:
        """programme/unit/outcome, the form the matching contracts use."""
        return f"{self.unit.version.programme.code}/{self.unit.code}/{self.code}"


def _refuse_change_in_frozen_year(obj: models.Model, version_id: int | None, fields: list[str]) -> None:
    """Decisions point at these rows: once their year is frozen, their content never changes."""
    if version_id is None:
        return
    frozen = CurriculumVersion.objects.filter(pk=version_id, frozen_at__isnull=False).exists()
    if not frozen:
        return
    if obj.pk is None:
        raise ValidationError(_("Dit studiejaar is vastgezet; voeg wijzigingen toe aan een nieuw studiejaar."))
    old = type(obj).objects.filter(pk=obj.pk).values(*fields).first()
    if old and any(old[f] != getattr(obj, f) for f in fields):
        raise ValidationError(_("Dit studiejaar is vastgezet; voeg wijzigingen toe aan een nieuw studiejaar."))
