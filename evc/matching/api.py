"""The stable public API of the matching engine. Code against this module only.

Functions (all read the catalogue from the database; embeddings load once per process):

    match_claim(claim, programme_codes, *, top_k=10, academic_year=None, verified=None,
                precedents=None, max_age_years=None, today=None) -> MatchResult
        One normalised `evc.portfolios.claims.Claim` against the current curriculum version of
        each programme (or the version of `academic_year`). `verified` is the intake's
        `Inspection.verified`: False lowers `confidence` and blocks an exemption suggestion,
        it never raises relevance. `precedents(achievement_key, "PROG/UNIT") -> list[Precedent]`
        lets the assessments app show earlier committee judgements on the same badge class.
        `max_age_years` is the regulations' limit on the age of evidence (None: no limit).

    match_claims(claims, programme_codes, *, verified=None (list, one per claim), ...) -> list[MatchResult]
        The same for many claims; their sentences are encoded together (use this in tasks).

    match_texts(texts, programme_codes, *, top_k=10, academic_year=None) -> list[MatchResult]
        Free texts (an employer's competence descriptions), one result per input text, in order;
        identical texts are matched once.

    achievement_key(claim) -> str
        "issuer|achievement id": the badge-class key precedents and feedback use ("" if unknown).

    feedback_record(*, outcome, achievement_key, claim_text, accepted, reviewer=None, score=None)
        -> MatchFeedback
        Store an assessor's accept/reject of one suggested outcome (a labelled example that
        `evaluate_matching --from-reviews` measures the engine against).

    engine_fingerprint() -> str
        Changes when the configured engine would answer otherwise (another model, refitted
        weights, changed engine code); read without loading a model. Whoever stores answers keys them by it.

    disclaimed_clauses(text) -> list[str]
        The clauses in which a credential text says a topic is not covered ("X is outside the
        scope of this course"): the engine uses them as evidence for nothing, and the review
        screen shows them so an assessor sees what the issuer itself disclaims.

    MatchingError: raised with a sentence a person understands (unknown programme, no
        curriculum version, unusable embedding configuration).

Dataclasses (defined in `evc.matching.engine.results`, re-exported here):

    MatchResult: language, model_id, outcomes: list[OutcomeMatch] (the outcomes shown: the
        credential passed the engine's credential-level gate and the outcome's score is at or above
        the "possible" threshold; and, beside those, the others among the first five that score at
        least a quarter of "possible", strength "beside", never counted towards a unit;
        best first, at most top_k), units: list[UnitSuggestion]
        (units with any coverage, best first), sentences, verified, set_aside (clauses in which the
        credential disclaims a topic, "X is outside the scope of this course": not used as evidence,
        and an outcome closest to one is never suggested); `to_contract()` gives the
        `outcomes`/`units` parts of the match_credential JSON line (`outcomes` at or above "possible"
        only, as the contract says; the "beside" ones in an added `beside` list).
    OutcomeMatch: reference "PROG/UNIT/LO", programme, unit, outcome (codes), outcome_id (pk),
        text, language, score (fused relevance 0..1), confidence (score lowered for failed
        verification / old evidence), strength "strong"|"possible"|"beside", signals {name: value},
        contributions {name: share of the logit}, evidence_sentence, shared_terms,
        explanations {"nl","en"} and explanation(lang), precedents, counts_for_unit (not "beside").
    UnitSuggestion: reference "PROG/UNIT", programme, unit, unit_id (pk), name, coverage 0..1,
        suggestion "exemption"|"partial"|"none", matched_outcomes (codes), outcome_count,
        level_fit, workload_fit (None when the credential does not say), blockers (why not an
        exemption: "coverage", "thin", "borrowed", "level", "workload", "unknown_size", "disclaimed", "unverified",
        "precedent", "too_old"), weak_outcomes (when every outcome is matched: those matched at
        "possible" only), read_from_text (of "level" and "workload", those weighed that the intake
        read from the credential's prose), disclaiming (when every outcome of the unit is matched: the
        credential's own clauses that say a topic of it is not covered, set aside by the rules or read
        so by the learned gap reading of the weights file; quoted in the reasons), reasons {"nl","en"}
        (written from those fields when read), precedents. "level" blocks a credential below the unit's
        EQF level; one level below passes where the curriculum version accepts it (level_below_accepted).
    Precedent: unit_reference, decision ("granted"|"refused"|"partial"...), decided_on,
        case_reference, summary. A "refused" precedent blocks an exemption suggestion.
"""

from __future__ import annotations

from evc.matching.engine.results import (
    CatalogueOutcome,
    CatalogueUnit,
    MatchResult,
    OutcomeMatch,
    Precedent,
    PrecedentLookup,
    UnitSuggestion,
)
from evc.matching.engine.text import disclaimed_clauses
from evc.matching.services import (
    MatchingError,
    achievement_key,
    engine_fingerprint,
    feedback_record,
    match_claim,
    match_claims,
    match_texts,
)

__all__ = [
    "CatalogueOutcome",
    "CatalogueUnit",
    "MatchResult",
    "MatchingError",
    "OutcomeMatch",
    "Precedent",
    "PrecedentLookup",
    "UnitSuggestion",
    "achievement_key",
    "disclaimed_clauses",
    "engine_fingerprint",
    "feedback_record",
    "match_claim",
    "match_claims",
    "match_texts",
]
