"""Brute-force limits on password checks, sign-up and password reset, and the client address behind proxies."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from evc.accounts import throttle
from evc.accounts.models import Role
from evc.core.client_ip import UNKNOWN, client_ip
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client: Client, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": email, "password": password})


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_wrong_passwords_block_the_account_from_that_address_in_any_spelling(applicant, make_user, monkeypatch):
    monkeypatch.setattr(throttle, "FAILURES_PER_ACCOUNT_AND_ADDRESS", 3)
    other = make_user("other@example.org")
    client = Client()
    assert [_login(client, applicant.email, "wrong").status_code for _ in range(3)] == [200, 200, 200]
    # The right password, in any case, with spaces or in full-width letters: still the same blocked account.
    for typed in (applicant.email, f"  {applicant.email.upper()} ", "ｍ" + applicant.email[1:]):
        blocked = _login(client, typed, PASSWORD)
        assert blocked.status_code == 429 and blocked["Retry-After"] == "900"
        assert "Te veel mislukte inlogpogingen" in blocked.content.decode()
    assert not _logged_in(client)
    assert _login(Client(), other.email, PASSWORD).status_code == 302  # another account logs in as usual
    # The owner, from another address, is not locked out by a stranger's wrong guesses.
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert _login(elsewhere, applicant.email, PASSWORD).status_code == 302 and _logged_in(elsewhere)


def test_right_passwords_never_count_and_any_case_of_the_address_logs_in(applicant, monkeypatch):
    monkeypatch.setattr(throttle, "FAILURES_PER_ACCOUNT_AND_ADDRESS", 2)
    for n in range(4):
        client = Client()
        typed = applicant.email.capitalize() if n % 2 else applicant.email  # a phone capitalises the first letter
        assert _login(client, typed, PASSWORD).status_code == 302 and _logged_in(client)
    client = Client()
    _login(client, applicant.email, "wrong")
    assert _login(client, applicant.email, PASSWORD).status_code == 302  # one failure and a success: not blocked


def test_a_distributed_guess_at_one_account_is_limited_too(applicant, monkeypatch):
    monkeypatch.setattr(throttle, "FAILURES_PER_ACCOUNT", 4)
    for n in range(4):
        assert _login(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), applicant.email, "wrong").status_code == 200
    assert _login(Client(REMOTE_ADDR="198.51.100.99"), applicant.email, PASSWORD).status_code == 429


def test_one_address_guessing_many_accounts_is_limited(applicant, monkeypatch):
    monkeypatch.setattr(throttle, "FAILURES_PER_ADDRESS", 4)
    client = Client()
    assert [_login(client, f"guess{n}@example.org", "wrong").status_code for n in range(4)] == [200] * 4
    blocked = _login(client, applicant.email, PASSWORD)
    # A new password would not lift this block, so the page does not offer one.
    assert blocked.status_code == 429 and "Vanaf dit adres" in blocked.content.decode()
    assert reverse("password_reset") not in blocked.content.decode().split("<main", 1)[-1]
    assert _login(Client(REMOTE_ADDR="198.51.100.7"), applicant.email, PASSWORD).status_code == 302


def test_the_admin_log_in_is_counted_by_the_same_limits(make_user, monkeypatch):
    monkeypatch.setattr(throttle, "FAILURES_PER_ACCOUNT_AND_ADDRESS", 3)
    admin = make_user("beheer@example.org", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(3):
        client.post("/admin/login/", {"username": admin.email, "password": "wrong", "next": "/admin/"})
    client.post("/admin/login/", {"username": admin.email, "password": PASSWORD, "next": "/admin/"})
    assert not _logged_in(client)  # the right password, refused: the backend counts every way in
    assert _login(client, admin.email, PASSWORD).status_code == 429  # and our page says why


def test_the_limit_follows_the_client_behind_a_trusted_proxy(applicant, settings, monkeypatch):
    monkeypatch.setattr(throttle, "FAILURES_PER_ACCOUNT_AND_ADDRESS", 2)
    settings.EVC_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    guesser = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    for _ in range(2):
        _login(guesser, applicant.email, "wrong")
    assert _login(guesser, applicant.email, PASSWORD).status_code == 429
    # Spoofing another address in front of the proxy's entry does not help the guesser...
    spoofed = Client(**proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert _login(spoofed, applicant.email, PASSWORD).status_code == 429
    # ...and the owner, behind the same proxy from elsewhere, logs in.
    owner = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert _login(owner, applicant.email, PASSWORD).status_code == 302


def test_password_reset_mails_and_sign_ups_are_limited_per_address(applicant, monkeypatch):
    monkeypatch.setattr(throttle, "RESET_MAILS_PER_ADDRESS", "2/h")
    monkeypatch.setattr(throttle, "SIGN_UPS_PER_ADDRESS", "1/h")
    client = Client()
    statuses = [client.post(reverse("password_reset"), {"email": applicant.email}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429] and len(mail.outbox) == 2
    form = {"first_name": "A", "last_name": "B", "password": "a-long-unusual-passphrase", "language": "nl"}
    assert Client().post(reverse("register"), form | {"email": "one@example.org"}).status_code == 302
    refused = Client().post(reverse("register"), form | {"email": "two@example.org"})
    assert refused.status_code == 429 and "te veel accounts" in refused.content.decode()


def test_a_completed_password_reset_lifts_the_block_on_the_account_but_not_on_the_address(applicant, monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(throttle, "FAILURES_PER_ACCOUNT_AND_ADDRESS", 3)
    client = Client()
    for _ in range(3):
        _login(client, applicant.email, "wrong")
    blocked = _login(client, applicant.email, PASSWORD)
    assert blocked.status_code == 429 and f'href="{reverse("password_reset")}"' in blocked.content.decode()
    address_key = next(key for key, _ in throttle._counters(RequestFactory().get("/"), applicant.email)
                       if key.startswith("evc:login:address:"))
    address_failures = cache.get(address_key)
    # The way out a person takes: the reset mail, its link (opened on a phone, elsewhere), a new password.
    client.post(reverse("password_reset"), {"email": applicant.email})
    link = re.search(r"https?://[^/\s]+(/account/wachtwoord/[^\s]+/)", mail.outbox[-1].body).group(1)
    phone = Client(REMOTE_ADDR="198.51.100.23")
    form_page = phone.get(link, follow=True)
    assert form_page.status_code == 200
    new_password = "a-brand-new-passphrase-2026"
    done = phone.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert _login(client, applicant.email, new_password).status_code == 302 and _logged_in(client)  # back on the laptop
    assert cache.get(address_key) == address_failures  # one place guessing many accounts is still counted
    # And the new generation counts again: wrong guesses after the reset block as before.
    for _ in range(3):
        _login(Client(), applicant.email, "wrong")
    assert _login(Client(), applicant.email, new_password).status_code == 429


def test_the_client_address_comes_from_trusted_proxies_only(settings):
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.EVC_TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.2"  # without proxies the header is the client's word: ignored
    settings.EVC_TRUSTED_PROXIES = 1
    assert client_ip(request) == "203.0.113.9"  # the entry our proxy appended, not the one the client sent
    settings.EVC_TRUSTED_PROXIES = 2
    assert client_ip(request) == "6.6.6.6"
    settings.EVC_TRUSTED_PROXIES = 3
    assert client_ip(request) == "10.0.0.2"  # fewer hops than proxies: a direct request
    settings.EVC_TRUSTED_PROXIES = 1
    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")) == "10.0.0.2"
    # A Unix socket without a proxy: no usable address, one shared bucket rather than an error.
    settings.EVC_TRUSTED_PROXIES = 0
    assert client_ip(factory.get("/", REMOTE_ADDR="unix:/run/gunicorn.sock")) == UNKNOWN


def test_a_socket_path_as_client_address_is_a_refusal_not_a_server_error(applicant, monkeypatch):
    monkeypatch.setattr(throttle, "RESET_MAILS_PER_ADDRESS", "1/h")
    client = Client(REMOTE_ADDR="unix:/run/gunicorn.sock")
    statuses = [client.post(reverse("password_reset"), {"email": applicant.email}).status_code for _ in range(2)]
    assert statuses == [302, 429]


def test_an_address_edited_in_capitals_is_stored_in_lower_case(applicant):
    applicant.email = "Marianne.DeVries@Example.org"
    applicant.save()
    applicant.refresh_from_db()
    assert applicant.email == "marianne.devries@example.org"
    assert _login(Client(), "Marianne.DeVries@Example.org", PASSWORD).status_code == 302


def test_the_counts_hold_in_the_shared_database_cache_too(applicant, settings, monkeypatch):
    from django.core.management import call_command

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "evc_cache"}}
    call_command("createcachetable", verbosity=0)
    monkeypatch.setattr(throttle, "FAILURES_PER_ACCOUNT_AND_ADDRESS", 2)
    client = Client()
    assert [_login(client, applicant.email, "wrong").status_code for _ in range(2)] == [200, 200]
    assert _login(client, applicant.email, PASSWORD).status_code == 429
