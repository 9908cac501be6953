"""The `Check` result and how the checks of one credential add up to a verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

PASSED = "passed"
FAILED = "failed"
UNKNOWN = "unknown"

# Stable check names (stored, shown, and part of contract 4.2 output).
STRUCTURE = "structure"
JSONLD = "jsonld_context"
SIGNATURE = "signature"
KEY_OWNERSHIP = "key_ownership"
HOSTED = "hosted_verification"
ISSUER = "issuer_profile"
RECIPIENT = "recipient"
ISSUED = "issued_on"
EXPIRY = "expiry"
REVOCATION = "revocation"
SCHEMA = "json_schema"
SEAL = "seal"
VERIFICATION_URL = "verification_url"


@dataclass
class Check:
    """One verification step: `status` is passed, failed or unknown; `detail` is a sentence in English.

    `decisive`: when False, an `unknown` result does not make the overall verdict undecided (used for
    the recipient check, which is informative when the credential names a DID instead of an email).
    A failed check always counts.
    """

    name: str
    status: str
    detail: str
    decisive: bool = True

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("decisive")
        return data


def passed(name: str, detail: str, **kw: Any) -> Check:
    return Check(name, PASSED, detail, **kw)


def failed(name: str, detail: str, **kw: Any) -> Check:
    return Check(name, FAILED, detail, **kw)


def unknown(name: str, detail: str, **kw: Any) -> Check:
    return Check(name, UNKNOWN, detail, **kw)


def overall(checks: list[Check]) -> bool | None:
    """True when every check passed, False when one failed, None when something could not be decided."""
    if not checks:
        return None
    if any(c.status == FAILED for c in checks):
        return False
    if any(c.status == UNKNOWN and c.decisive for c in checks):
        return None
    return True
