"""Brute-force limits on the account forms: password checks, sign-ups and password-reset mails.

Password checks are limited in the authentication backend (`ThrottledModelBackend`), so every
way in counts alike: our log-in page and Django's admin log-in. An attempt is counted before the
password is checked (parallel guesses cannot slip past the count) and taken back when the password
was right, so a person who logs in is never slowed down. Three counters, each for a quarter of an hour:

- per account and client address, strict: guessing one account from one place;
- per account from anywhere, loose: a distributed guess, without letting a stranger lock the owner
  out with a handful of wrong passwords;
- per client address: one place guessing many accounts.

A completed password reset lets the first two lapse for that account, from every address: the way
out of a block is the way a person who forgot the password takes anyway.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from evc.core.client_ip import client_ip

WINDOW_SECONDS = 15 * 60
FAILURES_PER_ACCOUNT_AND_ADDRESS = 10
FAILURES_PER_ACCOUNT = 100
FAILURES_PER_ADDRESS = 50
SIGN_UPS_PER_ADDRESS = "20/h"
RESET_MAILS_PER_ADDRESS = "10/h"


def normalise_login(value: str) -> str:
    """How a typed address is compared: Unicode-normalised (as Django's log-in form does), trimmed, lower case.

    Without NFKC a full-width "ｍarianne@example.org" would log in to the same account under a counter of its own."""
    return unicodedata.normalize("NFKC", value or "").strip().lower()


def _who(account: str) -> str:
    return hashlib.sha256(normalise_login(account).encode()).hexdigest()[:32]  # no addresses in cache keys


def _generation_key(who: str) -> str:
    return f"evc:login:generation:{who}"


def _full(key: str, limit: int) -> bool:
    return (cache.get(key) or 0) >= limit


def _account_counters(request: HttpRequest, account: str) -> list[tuple[str, int]]:
    who = _who(account)
    # A password reset starts a new generation: the counts of every address for this account lapse at once.
    generation = cache.get(_generation_key(who), 0)
    return [
        (f"evc:login:account-address:{who}:{generation}:{client_ip(request)}", FAILURES_PER_ACCOUNT_AND_ADDRESS),
        (f"evc:login:account:{who}:{generation}", FAILURES_PER_ACCOUNT),
    ]


def _address_counter(request: HttpRequest) -> tuple[str, int]:
    return f"evc:login:address:{client_ip(request)}", FAILURES_PER_ADDRESS


def _counters(request: HttpRequest, account: str) -> list[tuple[str, int]]:
    return [*_account_counters(request, account), _address_counter(request)]


def login_blocked_by(request: HttpRequest, account: str) -> str | None:
    """Which limit the failed attempts of the last quarter of an hour already fill: "address" (a password
    reset does not help), "account" (it does) or None. Nothing is counted here."""
    if _full(*_address_counter(request)):
        return "address"
    if any(_full(key, limit) for key, limit in _account_counters(request, account)):
        return "account"
    return None


def login_attempt(request: HttpRequest, account: str) -> bool:
    """Count one password check; False when it goes over a limit (the password must then not be checked)."""
    allowed = True
    for key, limit in _counters(request, account):
        cache.add(key, 0, WINDOW_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, WINDOW_SECONDS)
            count = 1
        allowed = allowed and count <= limit
    return allowed


def login_succeeded(request: HttpRequest, account: str) -> None:
    """The password was right: its attempt does not count."""
    for key, _limit in _counters(request, account):
        if (cache.get(key) or 0) > 0:
            try:
                cache.decr(key)
            except ValueError:  # expired meanwhile
                pass


def login_unblocked(account: str) -> None:
    """The owner proved control of the mailbox (a password reset): the account's own counters start afresh,
    from every address (the reset is often done on a phone, the log-in on a laptop elsewhere).

    The counter per client address stays: one place guessing many accounts must not clear it by
    resetting the password of an account of its own."""
    key = _generation_key(_who(account))
    # Kept without expiry (a lapsed generation would revive old counts). Like the counters it lives in the
    # cache, so with several web processes that cache must be shared (EVC_CACHE=database).
    cache.set(key, cache.get(key, 0) + 1, None)


class ThrottledModelBackend(ModelBackend):
    """Django's password check, counted and refused over the limits (see the module docstring)."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        if username is not None:
            username = normalise_login(username)
        if request is None or username is None:  # not a request (a shell, a test's client.login): nothing to count
            return super().authenticate(request, username=username, password=password, **kwargs)
        if not login_attempt(request, username):
            raise PermissionDenied  # authenticate() stops here: no other backend checks the password
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            login_succeeded(request, username)
        return user


def sign_up_blocked(request: HttpRequest) -> bool:
    """Counts this sign-up attempt; True once the address has tried too often."""
    return _over(request, "sign_up.address", SIGN_UPS_PER_ADDRESS)


def reset_blocked(request: HttpRequest) -> bool:
    """Counts this reset request; True once the address has asked too often (each one may send a mail)."""
    return _over(request, "reset.address", RESET_MAILS_PER_ADDRESS)


def _over(request: HttpRequest, group: str, rate: str) -> bool:
    return bool(is_ratelimited(request, group=f"accounts.{group}", key="ip", rate=rate, method="POST", increment=True))
