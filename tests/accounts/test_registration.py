from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from evc.accounts.models import Role, User


@pytest.mark.django_db
def test_an_applicant_signs_up_and_confirms_their_address(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
        reverse("register"),
            {"first_name": "Marianne", "last_name": "de Vries", "email": "Marianne@Example.org",
             "password": "a-long-unusual-passphrase", "language": "nl"},
        )
    assert response.status_code == 302
    user = User.objects.get(email="marianne@example.org")
    assert user.role == Role.APPLICANT and not user.email_confirmed
    assert user.confirmed_emails() == []
    assert len(mail.outbox) == 1
    link = re.search(r"http\S+", mail.outbox[0].body).group(0)  # type: ignore[union-attr]
    client.get(link.replace("http://127.0.0.1:8000", ""))
    user.refresh_from_db()
    assert user.email_confirmed and user.confirmed_emails() == ["marianne@example.org"]


@pytest.mark.django_db
def test_sign_up_refuses_a_taken_address_and_a_weak_password(applicant) -> None:  # type: ignore[no-untyped-def]
    taken = Client().post(reverse("register"), {"first_name": "X", "last_name": "Y", "email": applicant.email,
                                                 "password": "a-long-unusual-passphrase", "language": "nl"})
    assert taken.status_code == 400 and "bestaat al" in taken.content.decode()
    weak = Client().post(reverse("register"), {"first_name": "X", "last_name": "Y", "email": "new@example.org",
                                                "password": "123", "language": "nl"})
    assert weak.status_code == 400 and not User.objects.filter(email="new@example.org").exists()


@pytest.mark.django_db
def test_an_extra_address_counts_only_once_confirmed(client_for, applicant, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client = client_for(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("email_addresses"), {"email": "old@work.example"})
    assert applicant.confirmed_emails() == ["marianne@example.org"]
    link = re.search(r"http\S+", mail.outbox[-1].body).group(0)  # type: ignore[union-attr]
    client.get(link.replace("http://127.0.0.1:8000", ""))
    assert applicant.confirmed_emails() == ["marianne@example.org", "old@work.example"]


@pytest.mark.django_db
def test_a_forged_confirmation_link_is_refused(applicant) -> None:  # type: ignore[no-untyped-def]
    response = Client().get(reverse("confirm_email", args=["forged-token"]))
    assert response.status_code == 400


@pytest.mark.django_db
def test_password_reset_sends_a_mail(applicant) -> None:  # type: ignore[no-untyped-def]
    response = Client().post(reverse("password_reset"), {"email": applicant.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and applicant.email in mail.outbox[0].to


@pytest.mark.django_db
def test_sign_up_returns_to_a_local_next_page_only() -> None:
    data = {"first_name": "Ria", "last_name": "Kok", "password": "a-long-unusual-passphrase", "language": "nl"}
    back = Client().post(reverse("register") + "?next=/werkgever/uitnodiging/abc/", {**data, "email": "ria@example.org"})
    assert back["Location"] == "/werkgever/uitnodiging/abc/"
    away = Client().post(reverse("register"), {**data, "email": "rob@example.org", "next": "https://evil.example/"})
    assert away["Location"] == reverse("dashboard")
    form = Client().get(reverse("register") + "?next=/werkgever/uitnodiging/abc/").content.decode()
    assert 'name="next" value="/werkgever/uitnodiging/abc/"' in form


def _link(outbox_index: int = -1) -> str:
    return re.search(r"http\S+", mail.outbox[outbox_index].body).group(0).replace("http://127.0.0.1:8000", "")  # type: ignore[union-attr]


@pytest.mark.django_db
def test_another_accounts_address_cannot_be_added(client_for, applicant, other_applicant) -> None:  # type: ignore[no-untyped-def]
    response = client_for(applicant).post(reverse("email_addresses"), {"email": "Leah@Example.org"})
    assert response.status_code == 400 and "hoort bij een ander account" in response.content.decode()
    assert not applicant.email_addresses.exists() and not mail.outbox


@pytest.mark.django_db
def test_an_extra_address_is_confirmed_only_by_its_own_account(client_for, applicant, other_applicant,
                                                              django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        client_for(applicant).post(reverse("email_addresses"), {"email": "shared@work.example"})
    link = _link()
    # The mailbox's owner, not logged in or logged in as someone else, clicks a link they did not ask for.
    anonymous = Client().get(link)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    refused = client_for(other_applicant).get(link)
    assert refused.status_code == 400 and "hoort bij een ander account" in refused.content.decode()
    assert applicant.confirmed_emails() == ["marianne@example.org"]
    assert client_for(applicant).get(link).status_code == 302
    assert applicant.confirmed_emails() == ["marianne@example.org", "shared@work.example"]


@pytest.mark.django_db
def test_a_confirmed_address_belongs_to_one_account(client_for, applicant, other_applicant,
                                                    django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from django.db import IntegrityError, transaction

    from evc.accounts.models import EmailAddress

    for user in (applicant, other_applicant):  # both ask before either confirms
        with django_capture_on_commit_callbacks(execute=True):
            client_for(user).post(reverse("email_addresses"), {"email": "shared@work.example"})
    first, second = _link(-2), _link(-1)
    assert client_for(applicant).get(first).status_code == 302
    late = client_for(other_applicant).get(second)
    assert late.status_code == 400 and "hoort bij een ander account" in late.content.decode()
    assert other_applicant.confirmed_emails() == ["leah@example.org"]
    signup = Client().post(reverse("register"), {"first_name": "S", "last_name": "W", "email": "shared@work.example",
                                                  "password": "a-long-unusual-passphrase", "language": "nl"})
    assert signup.status_code == 400 and "bestaat al" in signup.content.decode()
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database holds to it as well
        EmailAddress.objects.filter(user=other_applicant).update(confirmed=True, email="SHARED@work.example")


@pytest.mark.django_db
def test_a_person_chooses_the_language_of_their_mails_and_letters(client_for, applicant) -> None:  # type: ignore[no-untyped-def]
    client = client_for(applicant)
    page = client.get(reverse("email_addresses")).content.decode()
    assert "Taal van e-mails en besluiten" in page and 'value="nl" selected' in page
    response = client.post(reverse("language_save"), {"preferred_language": "en"})
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.preferred_language == "en"
    client.post(reverse("language_save"), {"preferred_language": "fr"})  # not a choice: nothing changes
    applicant.refresh_from_db()
    assert applicant.preferred_language == "en"
    assert Client().post(reverse("language_save"), {"preferred_language": "nl"}).status_code == 302  # to log in
    applicant.refresh_from_db()
    assert applicant.preferred_language == "en"
