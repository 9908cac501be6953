"""The normalised claim: what every format adapter produces and the matching engine reads.

Plain dataclasses, no ORM: adapters, verification and matching all work on these,
and `Credential.claim` stores `Claim.to_dict()` so it can be rebuilt from the raw upload.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# The European Council's micro-credential elements (Recommendation 2022/C 243/02, Annex I).
MICROCREDENTIAL_ELEMENTS = (
    "learner",
    "title",
    "awarding_body",
    "country",
    "date",
    "learning_outcomes",
    "workload",
    "level",
    "assessment_type",
    "participation",
    "quality_assurance",
)


@dataclass
class Alignment:
    target_name: str = ""
    target_url: str = ""
    target_code: str = ""
    target_framework: str = ""
    target_description: str = ""


@dataclass
class Issuer:
    id: str = ""
    name: str = ""
    url: str = ""
    email: str = ""
    country: str = ""


@dataclass
class Recipient:
    identity: str = ""  # an email, a hash like "sha256$...", a DID or URL
    type: str = "email"
    hashed: bool = False
    salt: str = ""


@dataclass
class Claim:
    """One credential, normalised. Every field may be empty; `sources` says where each value came from."""

    format: str = ""  # ob2 | ob2-signed | ob3 | ob3-jwt | baked-png | baked-svg | europass | pdf | manual
    title: str = ""
    description: str = ""
    criteria: str = ""  # criteria narrative (may be Markdown: render only through the sanitiser)
    achievement_id: str = ""  # BadgeClass / Achievement id: the key for precedent look-ups
    achievement_type: str = ""
    issuer: Issuer = field(default_factory=Issuer)
    recipient: Recipient = field(default_factory=Recipient)
    issued_on: dt.datetime | None = None
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    alignments: list[Alignment] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    learning_outcomes: list[str] = field(default_factory=list)
    eqf_level: int | None = None
    nlqf_level: int | None = None
    ects: Decimal | None = None
    hours: Decimal | None = None
    language: str = ""  # ISO 639-1 where known ("nl", "en")
    evidence_text: str = ""  # narrative or extracted text of evidence
    evidence_urls: list[str] = field(default_factory=list)
    assessment_type: str = ""
    participation: str = ""
    quality_assurance: str = ""
    identity_verified: bool | None = None
    sources: dict[str, str] = field(default_factory=dict)  # field name -> "badge.extensions:ECTSExtension"

    def matching_text(self) -> str:
        """All the free text the matching engine may read, one block per source."""
        parts = [self.title, self.description, self.criteria, *self.learning_outcomes, self.evidence_text]
        parts += [a.target_name for a in self.alignments] + [a.target_description for a in self.alignments]
        parts.append(", ".join(self.tags))
        return "\n".join(p.strip() for p in parts if p and p.strip())

    def missing_microcredential_elements(self) -> list[str]:
        present = {
            "learner": bool(self.recipient.identity),
            "title": bool(self.title),
            "awarding_body": bool(self.issuer.name),
            "country": bool(self.issuer.country),
            "date": self.issued_on is not None or self.valid_from is not None,
            "learning_outcomes": bool(self.learning_outcomes or self.criteria),
            "workload": self.ects is not None or self.hours is not None,
            "level": self.eqf_level is not None or self.nlqf_level is not None,
            "assessment_type": bool(self.assessment_type),
            "participation": bool(self.participation),
            "quality_assurance": bool(self.quality_assurance),
        }
        return [name for name in MICROCREDENTIAL_ELEMENTS if not present[name]]

    def to_dict(self) -> dict[str, Any]:
        def convert(value: Any) -> Any:
            if isinstance(value, dt.datetime):
                return value.isoformat()
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, list):
                return [convert(v) for v in value]
            if isinstance(value, dict):
                return {k: convert(v) for k, v in value.items()}
            return value

        return convert(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Claim:
        def when(value: Any) -> dt.datetime | None:
            return dt.datetime.fromisoformat(value) if value else None

        def dec(value: Any) -> Decimal | None:
            return Decimal(str(value)) if value not in (None, "") else None

        known = {f.name for f in dataclasses.fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        return cls(
            **{
                **data,
                "issuer": Issuer(**data.get("issuer", {})),
                "recipient": Recipient(**data.get("recipient", {})),
                "alignments": [Alignment(**a) for a in data.get("alignments", [])],
                "issued_on": when(data.get("issued_on")),
                "valid_from": when(data.get("valid_from")),
                "valid_until": when(data.get("valid_until")),
                "ects": dec(data.get("ects")),
                "hours": dec(data.get("hours")),
            }
        )
