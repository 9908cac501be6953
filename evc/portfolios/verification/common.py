"""Checks shared by the formats: recipient, dates, JSON-LD contexts, remote documents."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from evc.lib import fetcher, jsonld
from evc.portfolios.claims import Recipient
from evc.portfolios.verification.checks import (
    EXPIRY,
    ISSUED,
    JSONLD,
    RECIPIENT,
    Check,
    failed,
    passed,
    unknown,
)


def parse_datetime(value: Any) -> dt.datetime | None:
    """ISO 8601 dates and date-times; naive values are taken as UTC. None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(text[:10]), dt.time())
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def _digest(algorithm: str, text: str) -> str | None:
    if algorithm == "sha256":
        return hashlib.sha256(text.encode()).hexdigest()
    if algorithm == "md5":
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
    return None


def recipient_matches(recipient: Recipient, email: str) -> bool:
    identity = recipient.identity.strip()
    if recipient.hashed or ("$" in identity and identity.split("$", 1)[0].lower() in {"sha256", "md5"}):
        algorithm, _, expected = identity.partition("$")
        digest = _digest(algorithm.lower(), email + (recipient.salt or ""))
        return digest is not None and hmac.compare_digest(digest, expected.lower())
    identity = identity.removeprefix("mailto:")
    return identity.lower() == email.lower()


def check_recipient(recipient: Recipient, confirmed_emails: list[str] | None) -> Check:
    identity = recipient.identity.strip()
    if not identity:
        return failed(RECIPIENT, "The credential does not say to whom it was issued.")
    is_email = recipient.type.lower() in {"email", "emailaddress"} or identity.startswith("mailto:")
    if not is_email and not recipient.hashed:
        return unknown(
            RECIPIENT,
            "The credential names its recipient as {value} ({value2}), which cannot be compared with an email address.", value=identity[:80], value2=recipient.type or 'an identifier',
            decisive=False,
        )
    if recipient.hashed and identity.split("$", 1)[0].lower() not in {"sha256", "md5"}:
        return failed(RECIPIENT, "The recipient is hashed with an algorithm other than sha256 or md5.")
    if confirmed_emails is None:
        return unknown(RECIPIENT, "No confirmed email address of the applicant was given to compare with.", decisive=False)
    if not confirmed_emails:
        return unknown(
            RECIPIENT,
            "The applicant has no confirmed email address yet, so the recipient cannot be compared.",
            decisive=False,
        )
    for email in confirmed_emails:
        if recipient_matches(recipient, email):
            if recipient.hashed:
                return passed(RECIPIENT, "The credential was issued to a salted hash of {email}, a confirmed address of the applicant.", email=email)
            return passed(RECIPIENT, "The credential was issued to {email}, a confirmed address of the applicant.", email=email)
    return failed(RECIPIENT, "The credential was issued to someone else: the recipient matches none of the applicant's confirmed email addresses.")


def check_dates(
    *, issued: dt.datetime | None, valid_from: dt.datetime | None, valid_until: dt.datetime | None, now: dt.datetime,
) -> list[Check]:
    checks: list[Check] = []
    start = valid_from or issued
    if issued is None and valid_from is None:
        checks.append(failed(ISSUED, "The credential has no issue date."))
    elif start is not None and start > now:
        checks.append(failed(ISSUED, "The credential is not valid yet: it is dated {date}, in the future.", date=start.date().isoformat()))
    else:
        checks.append(passed(ISSUED, "The credential was issued on {date}.", date=start.date().isoformat()))
    if valid_until is None:
        checks.append(passed(EXPIRY, "The credential has no expiry date."))
    elif start is not None and valid_until < start:
        checks.append(failed(EXPIRY, "The credential expires ({date}) before it was issued.", date=valid_until.date().isoformat()))
    elif valid_until < now:
        checks.append(failed(EXPIRY, "The credential expired on {date}.", date=valid_until.date().isoformat()))
    else:
        checks.append(passed(EXPIRY, "The credential is valid until {date}.", date=valid_until.date().isoformat()))
    return checks


def check_jsonld(document: Any) -> Check:
    """Expand the document with the local context cache only; an unknown context fails."""
    try:
        jsonld.expand(document)
    except jsonld.UnknownContext as exc:
        return failed(JSONLD, "{str}", str=str(exc))
    except jsonld.JsonLdError as exc:
        return failed(JSONLD, "{str}", str=str(exc))
    urls = jsonld.context_urls(document)
    return passed(JSONLD, "All {count} JSON-LD contexts are known and the document expands cleanly.", count=len(urls))


class Remote:
    """Fetch JSON once per inspection; failures become a (status, sentence) pair, never an exception."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[Any, str | None, bool]] = {}

    def json(self, url: str) -> tuple[Any, str | None, bool]:
        """(document or None, error sentence or None, disabled?)."""
        key = url.split("#", 1)[0]
        if key not in self._cache:
            try:
                self._cache[key] = (fetcher.fetch_json(key), None, False)
            except fetcher.FetchDisabled as exc:
                self._cache[key] = (None, str(exc), True)
            except fetcher.FetchError as exc:
                self._cache[key] = (None, str(exc), False)
        return self._cache[key]

    def raw(self, url: str) -> tuple[fetcher.Response | None, str | None, bool]:
        try:
            return fetcher.fetch(url.split("#", 1)[0]), None, False
        except fetcher.FetchDisabled as exc:
            return None, str(exc), True
        except fetcher.FetchError as exc:
            return None, str(exc), False


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text_of(value: Any) -> str:
    """A plain string from a string, a language map or a list of those."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("en", "nl", "@value", "value", "name"):
            if isinstance(value.get(key), str):
                return value[key]
        for v in value.values():
            if isinstance(v, str):
                return v
            if isinstance(v, list) and v and isinstance(v[0], str):
                return v[0]
        return ""
    if isinstance(value, list):
        return text_of(value[0]) if value else ""
    return str(value)
