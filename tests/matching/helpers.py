"""Shared helpers for the matching tests: a tiny deterministic encoder and a synthetic catalogue."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from evc.matching.engine import text as textmod
from evc.matching.engine.results import CatalogueOutcome, CatalogueUnit


def stems_of(text: str) -> set[str]:
    """The stems a credential text is matched on (what `prepare` computes), for LexicalIndex.scores."""
    return set().union(*textmod.query_terms(text))


class HashingEncoder:
    """Bag of stems hashed into 256 dimensions: similar wording -> similar vectors. Counts its calls."""

    def __init__(self, model_id: str = "test-hashing@1", dimension: int = 256) -> None:
        self.model_id = model_id
        self.dimension = dimension
        self.encoded: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, t in enumerate(texts):
            for forms in textmod.query_terms(t):
                for term in forms:
                    h = int(hashlib.md5(term.encode()).hexdigest()[:8], 16)  # noqa: S324 - not security
                    out[i, h % self.dimension] += 1.0
            norm = np.linalg.norm(out[i])
            if norm:
                out[i] /= norm
        return out


def synthetic_catalogue() -> tuple[list[CatalogueOutcome], list[CatalogueUnit]]:
    units = [
        CatalogueUnit("P/CLOUD", "P", "CLOUD", "Cloud en DevOps", 5.0, 6, name_en="Cloud and DevOps"),
        CatalogueUnit("P/WEB", "P", "WEB", "Webontwikkeling", 7.5, 6, name_en="Web development"),
        CatalogueUnit("P/DATA", "P", "DATA", "Databases", 5.0, 6),
    ]
    rows = [
        ("CLOUD", "C1", "The student designs a scalable cloud architecture on AWS or Azure.", "en",
         ("http://data.europa.eu/esco/skill/cloud-arch",)),
        ("CLOUD", "C2", "The student automates build, test and deployment with a CI/CD pipeline.", "en", ()),
        ("WEB", "W1", "De student bouwt een toegankelijke webapplicatie met HTML, CSS en JavaScript.", "nl", ()),
        ("WEB", "W2", "De student ontwerpt een REST-API en documenteert die met OpenAPI.", "nl", ()),
        ("DATA", "D1", "The student designs a normalised relational database schema and writes SQL queries.", "en", ()),
        ("DATA", "D2", "The student tunes query performance with indexes and execution plans.", "en", ()),
    ]
    outcomes = [
        CatalogueOutcome(f"P/{u}/{c}", "P", u, c, text, lang, refs) for u, c, text, lang, refs in rows
    ]
    return outcomes, units


def ob2_badge(path: Path, *, name: str, description: str, criteria: str = "", alignments: list[dict] | None = None,
              extra_badge: dict | None = None) -> Path:
    """A minimal OB 2.0 assertion with the BadgeClass and issuer embedded."""
    slug = hashlib.sha256(name.encode()).hexdigest()[:8]
    badge = {
        "type": "BadgeClass",
        "id": f"https://badges.example.org/class/{slug}",
        "name": name,
        "description": description,
        "criteria": {"narrative": criteria or description},
        "issuer": {"type": "Profile", "id": "https://badges.example.org/issuer", "name": "Example Academy"},
        "alignment": alignments or [],
        **(extra_badge or {}),
    }
    data = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": f"https://badges.example.org/assertion/{slug}",
        "recipient": {"type": "email", "identity": "applicant@example.org", "hashed": False},
        "issuedOn": "2025-06-01T00:00:00Z",
        "verification": {"type": "hosted"},
        "badge": badge,
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
