from __future__ import annotations

from evc.matching import evaluation as ev
from evc.matching.engine.fusion import FusionModel, hand_set
from evc.matching.engine.matcher import MatchIndex, prepare
from evc.matching.engine.results import CredentialInput

from .helpers import HashingEncoder, synthetic_catalogue


def _setup():
    outcomes, units = synthetic_catalogue()
    encoder = HashingEncoder()
    index = MatchIndex(outcomes, units, model_id=encoder.model_id,
                       outcome_vectors=encoder.encode([o.text for o in outcomes]),
                       unit_vectors=encoder.encode([u.context_text() for u in units]))
    rows = [
        ("Designs a normalised relational database schema and writes SQL queries.", ["P/DATA/D1"]),
        ("Tunes query performance with indexes and execution plans.", ["P/DATA/D2"]),
        ("Automates build, test and deployment with a CI/CD pipeline.", ["P/CLOUD/C2"]),
        ("Designs a scalable cloud architecture on AWS.", ["P/CLOUD/C1"]),
        ("Bouwt een toegankelijke webapplicatie met HTML en CSS.", ["P/WEB/W1"]),
        ("Ontwerpt een REST-API en documenteert die met OpenAPI.", ["P/WEB/W2"]),
        ("Barista: espresso, milk foam and latte art.", []),
        ("Knitting socks and scarves for beginners.", []),
    ]
    items = [ev.GoldItem(file=f"f{i}", split="dev", language="en", outcomes=gold, exemptions=set(),
                         kind="positive" if gold else "negative") for i, (_, gold) in enumerate(rows)]
    model = hand_set(encoder.model_id)
    prepared = [prepare(CredentialInput(text=text)) for text, _ in rows]
    scored = [index.score(p, v, model) for p, v in zip(prepared, index.encode_prepared(prepared, encoder), strict=True)]
    return index, items, scored


def test_fitting_on_dev_yields_a_usable_model_that_ranks_gold_first():
    index, items, scored = _setup()
    model = ev.fit(index, scored, items, "test-hashing@1", source="unit test")
    assert isinstance(model, FusionModel)
    assert 0 < model.possible <= model.strong <= 1 and 0 <= model.gate <= 1
    ranked = [ev.engine_ranked(index, ev._rescore(s, model), model) for s in scored]
    report = ev.metrics(items, ranked, {o.reference: o.language for o in index.outcomes})
    assert report["mrr"] == 1.0
    assert report["negative_rejection"] == 1.0
    assert FusionModel.from_dict(model.to_dict()).possible == model.possible


def test_metrics_follow_their_definitions():
    items = [
        ev.GoldItem("a", "dev", "en", ["X/U/1", "X/U/2"], {"X/U"}, "positive"),
        ev.GoldItem("b", "dev", "nl", [], set(), "negative"),
    ]
    ranked = [ev.Ranked(["X/U/9", "X/U/1"], {"X/U", "X/V"}), ev.Ranked([], set())]
    report = ev.metrics(items, ranked, {"X/U/1": "en", "X/U/2": "en"})
    assert report["recall@5"] == 0.5 and report["mrr"] == 0.5
    assert report["negative_rejection"] == 1.0
    assert report["exemption_precision"] == 0.5 and report["exemption_recall"] == 1.0
    assert set(report["pairs"]) == {"en->en"}
    # One gold of two shown on the positive, nothing shown on the negative.
    assert report["suggestion_precision"] == 0.5 and report["suggestions_per_credential"] == 1.0
    assert report["recall@5_ceiling"] == 1.0  # two gold outcomes fit in the first five
    many = ev.GoldItem("c", "dev", "en", [f"X/U/{k}" for k in range(10)], set(), "positive")
    assert ev.metrics([many], [ev.Ranked([], set())], {})["recall@5_ceiling"] == 0.5
    noisy = ev.metrics(items, [ranked[0], ev.Ranked(["X/U/2"], set())], {"X/U/1": "en", "X/U/2": "en"})
    assert noisy["suggestion_precision"] == 1 / 3 and noisy["negative_rejection"] == 0.0  # a negative's suggestion is never gold


def test_bootstrap_intervals_bracket_the_figures_and_are_reproducible():
    def item(name: str, outcomes: list[str], language: str = "en") -> ev.GoldItem:
        return ev.GoldItem(name, "dev", language, outcomes, set(), "positive" if outcomes else "negative")

    items = [item(f"p{n}", ["X/U/1"], "nl" if n % 2 else "en") for n in range(10)] + [item(f"n{n}", []) for n in range(6)]
    found = [ev.Ranked(["X/U/1"] if n < 7 else ["X/U/9"], set()) for n in range(10)]  # 7 of 10 found at rank 1
    negatives = [ev.Ranked(["X/U/1"] if n < 2 else [], set()) for n in range(6)]  # 4 of 6 rejected
    language = {"X/U/1": "en"}
    bounds = ev.intervals(items, found + negatives, language)
    assert bounds == ev.intervals(items, found + negatives, language)  # a fixed seed: the same report twice
    assert bounds["recall@5"][0] < 0.7 < bounds["recall@5"][1] <= 1.0
    assert bounds["negative_rejection"][0] < 4 / 6 < bounds["negative_rejection"][1]
    assert 0.0 <= bounds["cross_lingual_recall@5"][0] < bounds["cross_lingual_recall@5"][1] <= 1.0
    perfect = ev.intervals(items[:10], [ev.Ranked(["X/U/1"], set())] * 10, language)
    assert perfect["recall@5"] == (1.0, 1.0) and "negative_rejection" not in perfect


def test_folds_are_fixed_and_spread_every_group():
    items = [ev.GoldItem(file=f"f{i:02}", split="dev", language="nl" if i % 2 else "en", outcomes=["X/U/1"] if i % 3 else [],
                         exemptions=set(), kind="positive" if i % 3 else "negative") for i in range(30)]
    folds = ev._folds(items, 5)
    assert folds == ev._folds(list(reversed(items)), 5)[::-1]  # by file name, not by position
    for group in {(i.kind, i.language) for i in items}:
        members = [f for f, i in zip(folds, items, strict=True) if (i.kind, i.language) == group]
        assert max(members.count(f) for f in set(members)) - min(members.count(f) for f in range(5)) <= 1


def test_programme_folds_hold_each_programme_out_with_negatives_spread_over_them():
    def item(name: str, outcomes: list[str]) -> ev.GoldItem:
        return ev.GoldItem(file=name, split="dev", language="en", outcomes=outcomes, exemptions=set(),
                           kind="positive" if outcomes else "negative")

    items = [item("a", ["A/U/1", "A/U/2"]), item("b", ["B/U/1"]), item("mixed", ["A/U/1", "B/U/1", "B/U/2"]),
             item("n1", []), item("n2", []), item("n3", [])]
    programme_of = {"A/U/1": "A", "A/U/2": "A", "B/U/1": "B", "B/U/2": "B"}
    fold, programmes = ev.programme_folds(items, programme_of)
    assert programmes == ["A", "B"]
    assert fold[:3] == [0, 1, 1]  # an item belongs to the programme holding most of its gold outcomes
    assert sorted(fold[3:]) == [0, 0, 1]  # negatives round robin, so every fold is measured on both kinds


def test_cross_validation_measures_each_given_fold_on_a_model_fitted_without_it():
    index, items, scored = _setup()
    items = [ev.GoldItem(file=f"{i.file}-{n}", split="dev", language=i.language, outcomes=i.outcomes,
                         exemptions=i.exemptions, kind=i.kind) for n, i in enumerate(items * 3)]
    fold_of = [n % 3 for n in range(len(items))]
    report = ev.cross_validate(index, scored * 3, items, "test-hashing@1", fold_of=fold_of)
    assert report["folds"] == 3 and len(report["per_fold"]) == 3
    assert [m["n_positive"] + m["n_negative"] for m in report["per_fold"]] == [8, 8, 8]
    # Each row has a copy in the training folds, so every fold finds its gold outcomes first.
    assert all(m["mrr"] == 1.0 for m in report["per_fold"])


def test_thresholds_are_tuned_on_out_of_fold_scores_and_the_unit_rule_keeps_its_floor():
    index, items, scored = _setup()
    items = items * 3  # three copies per row, so that every fold has training data of every kind
    items = [ev.GoldItem(file=f"{i.file}-{n}", split="dev", language=i.language, outcomes=i.outcomes,
                         exemptions=i.exemptions, kind=i.kind) for n, i in enumerate(items)]
    model = ev.fit(index, scored * 3, items, "test-hashing@1", source="unit test")
    assert "out-of-fold" in model.meta["method"]
    assert model.unit_rule.exemption_coverage >= 0.75
