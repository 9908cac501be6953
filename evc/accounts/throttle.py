"""Brute-force limits on the account forms: failed log-ins, sign-ups and password-reset mails.

Failed log-ins are counted per account (the address typed) and per client address; a person
who types the right password is never slowed down by counting. Limits are temporary (a
quarter of an hour), so a guessing attacker cannot lock an account out for long either.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_ratelimit.core import get_usage, is_ratelimited

LOGIN_FAILURES_PER_ACCOUNT = "10/15m"
LOGIN_FAILURES_PER_ADDRESS = "50/15m"
SIGN_UPS_PER_ADDRESS = "20/h"
RESET_MAILS_PER_ADDRESS = "10/h"


def _typed_account(group: str, request: HttpRequest) -> str:
    return request.POST.get("username", "").strip().lower()


def login_blocked(request: HttpRequest) -> bool:
    """Too many failed log-ins lately, for this account or from this address (nothing is counted here)."""
    return _reached(request, "login.account", _typed_account, LOGIN_FAILURES_PER_ACCOUNT) or _reached(
        request, "login.address", "ip", LOGIN_FAILURES_PER_ADDRESS
    )


def login_failed(request: HttpRequest) -> None:
    _over(request, "login.account", _typed_account, LOGIN_FAILURES_PER_ACCOUNT, count=True)
    _over(request, "login.address", "ip", LOGIN_FAILURES_PER_ADDRESS, count=True)


def sign_up_blocked(request: HttpRequest) -> bool:
    """Counts this sign-up attempt; True once the address has tried too often."""
    return _over(request, "sign_up.address", "ip", SIGN_UPS_PER_ADDRESS, count=True)


def reset_blocked(request: HttpRequest) -> bool:
    """Counts this reset request; True once the address has asked too often (each one may send a mail)."""
    return _over(request, "reset.address", "ip", RESET_MAILS_PER_ADDRESS, count=True)


def _reached(request: HttpRequest, group: str, key, rate: str) -> bool:  # type: ignore[no-untyped-def]
    """The failures counted so far already fill the limit (this attempt itself is not counted)."""
    usage = get_usage(request, group=f"accounts.{group}", key=key, rate=rate, method="POST", increment=False)
    return bool(usage) and usage["count"] >= usage["limit"]


def _over(request: HttpRequest, group: str, key, rate: str, *, count: bool) -> bool:  # type: ignore[no-untyped-def]
    return bool(is_ratelimited(request, group=f"accounts.{group}", key=key, rate=rate, method="POST", increment=count))
