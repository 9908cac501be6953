"""The `Check` result and how the checks of one credential add up to a verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
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

    `template` and `params` keep the sentence translatable: `detail == template.format(**params)`,
    and the UI shows `gettext(template).format(**params)` (English msgids, Dutch in the nl catalogue).
    `decisive`: when False, an `unknown` result does not make the overall verdict undecided (used for
    the recipient check, which is informative when the credential names a DID instead of an email).
    A failed check always counts.
    """

    name: str
    status: str
    detail: str
    decisive: bool = True
    template: str = ""
    params: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "detail": self.detail}


def _make(name: str, status: str, template: str, decisive: bool, params: dict[str, Any]) -> Check:
    values = {key: str(value) for key, value in params.items()}
    return Check(name, status, template.format(**values) if values else template, decisive, template, values)


def passed(name: str, template: str, *, decisive: bool = True, **params: Any) -> Check:
    return _make(name, PASSED, template, decisive, params)


def failed(name: str, template: str, *, decisive: bool = True, **params: Any) -> Check:
    return _make(name, FAILED, template, decisive, params)


def unknown(name: str, template: str, *, decisive: bool = True, **params: Any) -> Check:
    return _make(name, UNKNOWN, template, decisive, params)


def overall(checks: list[Check]) -> bool | None:
    """True when every check passed, False when one failed, None when something could not be decided."""
    if not checks:
        return None
    if any(c.status == FAILED for c in checks):
        return False
    if any(c.status == UNKNOWN and c.decisive for c in checks):
        return None
    return True
