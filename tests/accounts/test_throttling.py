"""Brute-force limits on log-in, sign-up and password reset, and the client address behind proxies."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from evc.accounts import throttle
from evc.core.client_ip import client_ip
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client: Client, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": email, "password": password})


def test_failed_log_ins_block_the_account_for_a_while_but_not_other_accounts(applicant, make_user, monkeypatch):
    monkeypatch.setattr(throttle, "LOGIN_FAILURES_PER_ACCOUNT", "3/15m")
    other = make_user("other@example.org")
    client = Client()
    assert [_login(client, applicant.email, "wrong").status_code for _ in range(3)] == [200, 200, 200]
    blocked = _login(client, applicant.email.upper(), PASSWORD)  # the right password, any case: still blocked
    assert blocked.status_code == 429 and blocked["Retry-After"] == "900"
    assert "Te veel mislukte inlogpogingen" in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    assert _login(Client(), other.email, PASSWORD).status_code == 302  # another account logs in as usual


def test_successful_log_ins_are_never_counted(applicant, monkeypatch):
    monkeypatch.setattr(throttle, "LOGIN_FAILURES_PER_ACCOUNT", "2/15m")
    for n in range(4):
        client = Client()
        typed = applicant.email.capitalize() if n % 2 else applicant.email  # a phone capitalises the first letter
        assert _login(client, typed, PASSWORD).status_code == 302
        client.logout()


def test_failed_log_ins_from_one_address_over_many_accounts_are_limited_too(applicant, monkeypatch):
    monkeypatch.setattr(throttle, "LOGIN_FAILURES_PER_ADDRESS", "4/15m")
    client = Client()
    statuses = [_login(client, f"guess{n}@example.org", "wrong").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 200]
    assert _login(client, applicant.email, PASSWORD).status_code == 429
    # Another address is not affected.
    assert Client(REMOTE_ADDR="198.51.100.7").post(
        reverse("login"), {"username": applicant.email, "password": PASSWORD}).status_code == 302


def test_password_reset_mails_and_sign_ups_are_limited_per_address(applicant, monkeypatch):
    monkeypatch.setattr(throttle, "RESET_MAILS_PER_ADDRESS", "2/h")
    monkeypatch.setattr(throttle, "SIGN_UPS_PER_ADDRESS", "1/h")
    client = Client()
    statuses = [client.post(reverse("password_reset"), {"email": applicant.email}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429] and len(mail.outbox) == 2
    form = {"first_name": "A", "last_name": "B", "password": "a-long-unusual-passphrase", "language": "nl"}
    assert client.post(reverse("register"), form | {"email": "one@example.org"}).status_code == 302
    Client().logout()
    refused = Client().post(reverse("register"), form | {"email": "two@example.org"})
    assert refused.status_code == 429 and "te veel accounts" in refused.content.decode()


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
    garbage = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
    settings.EVC_TRUSTED_PROXIES = 1
    assert client_ip(garbage) == "10.0.0.2"
