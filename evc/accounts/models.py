"""People and the role each plays in the EVC procedure."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Kandidaat")
    ASSESSOR = "assessor", _("Beoordelaar")
    COMMITTEE_MEMBER = "committee_member", _("Lid examencommissie")
    COMMITTEE_CHAIR = "committee_chair", _("Voorzitter examencommissie")
    EMPLOYER = "employer", _("Werkgeversvertegenwoordiger")
    ADMIN = "admin", _("Beheerder")


COMMITTEE_ROLES = frozenset({Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR})
STAFF_ROLES = frozenset({Role.ASSESSOR, Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR, Role.ADMIN})


class Organisation(models.Model):
    """An employer (e.g. a health insurer) whose representatives map their staff."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person who logs in with an email address and plays exactly one role."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mailadres"), unique=True)
    role = models.CharField(_("rol"), max_length=32, choices=Role.choices, default=Role.APPLICANT)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisatie"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="representatives",
    )
    preferred_language = models.CharField(
        _("voorkeurstaal"), max_length=5, choices=[("nl", "Nederlands"), ("en", "English")], default="nl"
    )
    student_number = models.CharField(_("student- of kandidaatnummer"), max_length=32, blank=True)
    # Badges are checked against confirmed addresses only; self sign-ups confirm by email link.
    email_confirmed = models.BooleanField(_("e-mailadres bevestigd"), default=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()  # type: ignore[misc]

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Addresses are compared in lower case (log-in, confirmations): stored so, whoever edits the row.
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")
        constraints = [
            # An employer representative always speaks for one organisation; nobody else does.
            models.CheckConstraint(
                condition=(models.Q(role="employer") & models.Q(organisation__isnull=False))
                | (~models.Q(role="employer") & models.Q(organisation__isnull=True)),
                name="employer_has_organisation",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email

    @property
    def is_applicant(self) -> bool:
        return self.role == Role.APPLICANT

    @property
    def is_assessor(self) -> bool:
        return self.role == Role.ASSESSOR

    @property
    def is_committee(self) -> bool:
        return self.role in COMMITTEE_ROLES

    @property
    def is_chair(self) -> bool:
        return self.role == Role.COMMITTEE_CHAIR

    @property
    def is_employer(self) -> bool:
        return self.role == Role.EMPLOYER

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    def confirmed_emails(self) -> list[str]:
        """Every address this person has proven to own: recipient checks compare against these."""
        emails = {a.email.lower() for a in self.email_addresses.all() if a.confirmed}
        if self.email_confirmed:
            emails.add(self.email.lower())
        return sorted(emails)


class EmailAddress(models.Model):
    """An extra address of a user; badges are often issued to an old or work address."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_addresses")
    email = models.EmailField(_("e-mailadres"))
    confirmed = models.BooleanField(_("bevestigd"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("e-mailadres")
        verbose_name_plural = _("e-mailadressen")
        constraints = [
            models.UniqueConstraint(fields=["user", "email"], name="unique_user_email"),
            # A confirmed address belongs to one account (the services also check login addresses).
            models.UniqueConstraint(Lower("email"), condition=models.Q(confirmed=True), name="confirmed_email_owned_once"),
        ]

    def __str__(self) -> str:
        return self.email
