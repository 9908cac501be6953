"""Account verbs: sign-up and proving ownership of email addresses."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from evc.accounts.models import EmailAddress, Role, User

CONFIRM_SALT = "evc.accounts.confirm-email"
CONFIRM_MAX_AGE = 7 * 24 * 3600


class AccountError(Exception):
    """A refusal with a message that can be shown to the user as-is."""


def confirmation_token(*, user: User, email: str) -> str:
    return signing.dumps({"u": user.pk, "e": email.lower()}, salt=CONFIRM_SALT)


def email_confirmation_send(*, user: User, email: str) -> None:
    url = settings.EVC_SITE_URL.rstrip("/") + reverse(
        "confirm_email", args=[confirmation_token(user=user, email=email)]
    )
    with override(user.preferred_language):
        send_mail(
            subject=_("Bevestig je e-mailadres voor de EVC-werkbank"),
            message=_(
                "Bevestig dat %(email)s van jou is door deze link te openen:\n\n%(url)s\n\n"
                "Badges die aan dit adres zijn uitgegeven, herkennen we daarna als de jouwe."
            )
            % {"email": email, "url": url},
            from_email=None,
            recipient_list=[email],
        )


@transaction.atomic
def applicant_register(*, email: str, password: str, first_name: str, last_name: str, language: str) -> User:
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError(_("Er bestaat al een account met dit e-mailadres."))
    user = User.objects.create_user(
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        role=Role.APPLICANT,
        preferred_language=language,
        email_confirmed=False,
    )
    transaction.on_commit(lambda: email_confirmation_send(user=user, email=email))
    return user


@transaction.atomic
def email_address_add(*, user: User, email: str) -> EmailAddress:
    email = email.strip().lower()
    if email == user.email.lower() or user.email_addresses.filter(email__iexact=email).exists():
        raise AccountError(_("Dit e-mailadres staat al bij je account."))
    address = EmailAddress.objects.create(user=user, email=email)
    transaction.on_commit(lambda: email_confirmation_send(user=user, email=email))
    return address


@transaction.atomic
def email_confirm(*, token: str) -> tuple[User, str]:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        raise AccountError(_("Deze bevestigingslink is ongeldig of verlopen.")) from None
    user = User.objects.filter(pk=data["u"]).first()
    if user is None:
        raise AccountError(_("Deze bevestigingslink is ongeldig of verlopen."))
    email = data["e"]
    if user.email.lower() == email:
        user.email_confirmed = True
        user.save(update_fields=["email_confirmed"])
    else:
        updated = user.email_addresses.filter(email__iexact=email).update(confirmed=True)
        if not updated:
            raise AccountError(_("Dit e-mailadres hoort niet (meer) bij je account."))
    return user, email
