"""Keyed pseudonyms for employee references.

HMAC-SHA256 with `EVC_PSEUDONYM_KEY`, scoped by organisation: the same staff number
at two employers gives two unrelated keys, and without the key nobody can test a
guessed staff number against the database.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def normalise_ref(ref: str) -> str:
    return " ".join(ref.split()).casefold()


def employee_key(*, organisation_code: str, employee_ref: str) -> str:
    key = settings.EVC_PSEUDONYM_KEY
    if isinstance(key, str):
        key = key.encode("utf-8")
    message = f"{organisation_code.casefold()}\x1f{normalise_ref(employee_ref)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
