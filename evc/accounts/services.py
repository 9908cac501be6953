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


class LoginRequired(AccountError):
    """The link may only be used by the account it was made for: log in first."""


def _owned_elsewhere(email: str, user: User | None = None) -> bool:
    """Another account holds this address: as its login address, or as an extra one it confirmed.

    An address belongs to one person. Badges issued to it count as that person's (the recipient
    check), so a second account must not be able to claim it."""
    others = User.objects.exclude(pk=user.pk) if user else User.objects.all()
    return (others.filter(email__iexact=email).exists()
            or EmailAddress.objects.filter(email__iexact=email, confirmed=True).exclude(user=user).exists())


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
    if _owned_elsewhere(email):
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
    if _owned_elsewhere(email, user):
        raise AccountError(_("Dit e-mailadres hoort bij een ander account."))
    address = EmailAddress.objects.create(user=user, email=email)
    transaction.on_commit(lambda: email_confirmation_send(user=user, email=email))
    return address


@transaction.atomic
def email_confirm(*, token: str, actor: User | None = None) -> tuple[User, str]:
    """Confirm the address a link was mailed to.

    A login address is confirmed by whoever opens the link. An extra address only by its account,
    logged in (`actor`): otherwise the owner of a mailbox, clicking a link they did not ask for,
    would hand their address, and the badges issued to it, to someone else's account."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        raise AccountError(_("Deze bevestigingslink is ongeldig of verlopen.")) from None
    user = User.objects.select_for_update().filter(pk=data["u"]).first()
    if user is None:
        raise AccountError(_("Deze bevestigingslink is ongeldig of verlopen."))
    email = data["e"]
    is_login_address = user.email.lower() == email
    if not is_login_address:
        if actor is None or not actor.is_authenticated:
            raise LoginRequired(_("Log in om dit e-mailadres te bevestigen."))
        if actor.pk != user.pk:
            raise AccountError(_("Deze link hoort bij een ander account. Log in met het account waaraan je dit "
                                 "e-mailadres hebt toegevoegd."))
    if _owned_elsewhere(email, user):
        raise AccountError(_("Dit e-mailadres hoort bij een ander account."))
    if is_login_address:
        user.email_confirmed = True
        user.save(update_fields=["email_confirmed"])
    else:
        updated = user.email_addresses.filter(email__iexact=email).update(confirmed=True)
        if not updated:
            raise AccountError(_("Dit e-mailadres hoort niet (meer) bij je account."))
    return user, email
