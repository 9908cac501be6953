"""Small dataclasses the engine takes in and gives back. No ORM, no request.

`CatalogueOutcome` / `CatalogueUnit` describe the catalogue the engine indexes;
`CredentialInput` is one credential (or one free text) to match;
`OutcomeMatch`, `UnitSuggestion` and `MatchResult` are what comes out (and what
`evc.matching.api` hands to the rest of the workbench).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any, Literal

Strength = Literal["strong", "possible", "beside"]  # "beside": see matcher.shown
UnitAdvice = Literal["exemption", "partial", "none"]


@dataclass(frozen=True)
class CatalogueOutcome:
    reference: str  # "PROG/UNIT/LO"
    programme: str
    unit: str
    code: str
    text: str
    language: str  # "nl" | "en"
    framework_refs: tuple[str, ...] = ()
    outcome_id: int | None = None  # LearningOutcome pk when it came from the database

    @property
    def unit_reference(self) -> str:
        return f"{self.programme}/{self.unit}"


@dataclass(frozen=True)
class CatalogueUnit:
    reference: str  # "PROG/UNIT"
    programme: str
    code: str
    name: str
    ects: float
    eqf_level: int
    name_en: str = ""
    description: str = ""
    unit_id: int | None = None
    # The year's regulations accept evidence one EQF level below the unit's for an exemption
    # (CurriculumVersion.level_below_accepted); by default the unit's own level is needed.
    level_below_accepted: bool = False

    def context_text(self) -> str:
        """What the encoder reads for the unit as a whole: both names bridge Dutch and English."""
        names = [self.name] + ([self.name_en] if self.name_en and self.name_en != self.name else [])
        return ". ".join([" / ".join(names), self.description]).strip(". ")


@dataclass(frozen=True)
class Precedent:
    """An earlier committee judgement on the same badge class for the same unit."""

    unit_reference: str  # "PROG/UNIT"
    decision: str  # e.g. "granted" | "refused" | "partial"
    decided_on: dt.date | None = None
    case_reference: str = ""
    summary: str = ""


# (achievement_key, unit_reference) -> earlier judgements; supplied by the assessments app.
PrecedentLookup = Callable[[str, str], list[Precedent]]


@dataclass
class CredentialInput:
    """One thing to match: a credential's text and the few facts the signals read."""

    text: str
    title: str = ""
    language: str = ""  # "nl" | "en" | "" (detected when empty)
    alignment_refs: tuple[str, ...] = ()  # targetCode / targetUrl values
    eqf_level: int | None = None
    ects: float | None = None  # from ECTS, or hours / 28
    issued_on: dt.date | None = None
    verified: bool | None = None
    achievement_key: str = ""  # issuer id + achievement id, for precedents
    # Which of "level" and "workload" the intake read from the credential's prose rather than from a
    # structured field (evc/portfolios/formats/stated_in_text.py): a unit's reason says so.
    read_from_text: frozenset[str] = frozenset()


class LazyTexts(Mapping[str, str]):
    """{"nl": ..., "en": ...} written on first read: a batch rarely reads the reasons of every unit."""

    def __init__(self, write: Callable[[str], str], languages: tuple[str, ...] = ("nl", "en")) -> None:
        self._write = write
        self._languages = languages
        self._done: dict[str, str] = {}

    def __getitem__(self, language: str) -> str:
        if language not in self._languages:
            raise KeyError(language)
        if language not in self._done:
            self._done[language] = self._write(language)
        return self._done[language]

    def __iter__(self) -> Iterator[str]:
        return iter(self._languages)

    def __len__(self) -> int:
        return len(self._languages)

    def __repr__(self) -> str:
        return repr(dict(self))


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which made building
# one of these 13 times slower (4.3 against 0.3 us for 15 fields); a batch over a large catalogue
# builds about 140 per credential (bench/matching_speed.py). Treat them as read-only all the same.
@dataclass
class OutcomeMatch:
    """One learning outcome a credential is suggested to evidence.

    `score` is the fused relevance in [0, 1] (the contract's `score`); `confidence` is the
    score lowered when the credential failed verification or is too old. `signals` holds
    the raw signal values, `contributions` each signal's share of the fused logit.
    """

    reference: str
    programme: str
    unit: str
    outcome: str
    text: str
    language: str
    score: float
    confidence: float
    strength: Strength
    signals: dict[str, float]
    contributions: dict[str, float]
    evidence_sentence: str
    shared_terms: tuple[str, ...]
    explanations: Mapping[str, str]  # {"nl": ..., "en": ...}
    precedents: tuple[Precedent, ...] = ()
    outcome_id: int | None = None
    related_terms: tuple[tuple[str, str], ...] = ()  # (credential word, outcome word) of like meaning

    def explanation(self, language: str = "nl") -> str:
        return self.explanations.get(language) or self.explanations.get("en", "")

    @property
    def counts_for_unit(self) -> bool:
        """False for an outcome shown beside a suggested one, below "possible" (`matcher.shown`)."""
        return self.strength != "beside"


@dataclass  # not frozen: see OutcomeMatch
class UnitSuggestion:
    """Coverage of one unit's outcomes and the resulting advice (exemption / partial / none)."""

    reference: str  # "PROG/UNIT"
    programme: str
    unit: str
    name: str
    coverage: float  # 0..1, share of the unit's outcomes evidenced (strong counts fully)
    suggestion: UnitAdvice
    matched_outcomes: tuple[str, ...]
    outcome_count: int
    level_fit: float | None  # None when the credential states no level
    workload_fit: float | None  # credential EC / unit EC, None when unknown
    precedents: tuple[Precedent, ...] = ()
    unit_id: int | None = None
    # Why the advice is not an exemption: "coverage", "thin" (an outcome well short of "strong"), "borrowed" (an
    # outcome's closest sentence matches a sibling better), "level",
    # "workload", "unknown_size", "disclaimed", "unverified", "precedent", "too_old" (empty for an exemption).
    blockers: tuple[str, ...] = ()
    # When every outcome of the unit is matched: those matched at "possible" only. The reason names
    # them for the assessor: every false exemption on the holdout and blind sets was a unit that such
    # a weak match completed.
    weak_outcomes: tuple[str, ...] = ()
    # Of "level" and "workload", those this advice weighed that were read from the credential's prose.
    read_from_text: tuple[str, ...] = ()
    # The credential's own clauses saying a topic of this unit is not covered (set aside by the rules, or read as
    # stating a gap by the learned reading): quoted in the reason so the assessor can judge them.
    disclaiming: tuple[str, ...] = ()

    @cached_property
    def reasons(self) -> Mapping[str, str]:
        """{"nl": ..., "en": ...}, written from the fields when first read (a batch over a large
        catalogue yields many units whose reasons nobody reads)."""
        from .explain import unit_reason  # explain imports this module

        return LazyTexts(partial(unit_reason, coverage=self.coverage, matched=len(self.matched_outcomes),
                                 total=self.outcome_count, suggestion=self.suggestion, blockers=self.blockers,
                                 level=self.level_fit, workload=self.workload_fit, precedents=self.precedents,
                                 weak=self.weak_outcomes, read_from_text=self.read_from_text,
                                 disclaiming=self.disclaiming))


@dataclass
class MatchResult:
    """Everything the engine says about one credential (or one free text)."""

    language: str
    model_id: str
    outcomes: list[OutcomeMatch] = field(default_factory=list)  # shown (matcher.shown), best first, at most top_k
    units: list[UnitSuggestion] = field(default_factory=list)  # units with any coverage, best first
    sentences: list[str] = field(default_factory=list)
    verified: bool | None = None
    set_aside: list[str] = field(default_factory=list)  # clauses disclaiming a topic: not used as evidence

    def to_contract(self, language: str = "en") -> dict[str, Any]:
        """The `outcomes` and `units` parts of the match_credential JSON line (ARCHITECTURE §4.3). As the
        contract says, `outcomes` holds only those at or above "possible"; those shown beside a suggested one
        below it (`matcher.shown`) come in an added list, `beside`, of the same shape."""
        return {
            "outcomes": [self._outcome_line(m, language) for m in self.outcomes if m.counts_for_unit],
            "beside": [self._outcome_line(m, language) for m in self.outcomes if not m.counts_for_unit],
            "units": [
                {
                    "programme": u.programme,
                    "unit": u.unit,
                    "coverage": round(u.coverage, 4),
                    "suggestion": u.suggestion,
                    "matched_outcomes": list(u.matched_outcomes),
                    "level_fit": u.level_fit,
                    "workload_fit": None if u.workload_fit is None else round(u.workload_fit, 3),
                    "reason": u.reasons.get(language, ""),
                }
                for u in self.units
            ],
        }

    @staticmethod
    def _outcome_line(m: OutcomeMatch, language: str) -> dict[str, Any]:
        return {
            "programme": m.programme,
            "unit": m.unit,
            "outcome": m.outcome,
            "reference": m.reference,
            "score": round(m.score, 4),
            "confidence": round(m.confidence, 4),
            "strength": m.strength,
            "explanation": m.explanation(language),
            "signals": {k: round(v, 4) for k, v in m.signals.items()},
            "contributions": {k: round(v, 4) for k, v in m.contributions.items()},
            "evidence_sentence": m.evidence_sentence,
            "shared_terms": list(m.shared_terms),
        }
