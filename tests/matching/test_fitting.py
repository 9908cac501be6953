from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from evc.matching import evaluation as ev
from evc.matching.engine.fusion import FusionModel, UnitRule, hand_set
from evc.matching.engine.matcher import MatchIndex, prepare
from evc.matching.engine.results import CredentialInput

from .helpers import HashingEncoder, synthetic_catalogue


def _index() -> tuple[MatchIndex, HashingEncoder]:
    outcomes, units = synthetic_catalogue()
    encoder = HashingEncoder()
    index = MatchIndex(outcomes, units, model_id=encoder.model_id,
                       outcome_vectors=encoder.encode([o.text for o in outcomes]),
                       unit_vectors=encoder.encode([u.context_text() for u in units]))
    return index, encoder


def _setup():
    index, encoder = _index()
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
    # The gate's probe is fitted on the credentials' whole-text vectors: positives read above negatives.
    assert model.probe_weights is not None and model.probe_weights.shape == scored[0].document.shape
    readings = [model.probe(s.document) for s in scored]
    positives = [r for r, item in zip(readings, items, strict=True) if item.positive]
    negatives = [r for r, item in zip(readings, items, strict=True) if not item.positive]
    assert min(positives) > max(negatives)


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


def test_intervals_bracket_the_figures_and_are_reproducible():
    def item(name: str, outcomes: list[str], language: str = "en", exemptions: set[str] | None = None) -> ev.GoldItem:
        return ev.GoldItem(name, "dev", language, outcomes, exemptions or set(), "positive" if outcomes else "negative")

    items = [item(f"p{n}", ["X/U/1"], "nl" if n % 2 else "en", {"X/U"} if n < 4 else set()) for n in range(10)]
    items += [item(f"n{n}", []) for n in range(6)]
    # 7 of 10 found at rank 1; exemptions: 3 of the 4 gold ones suggested, and one wrong one.
    found = [ev.Ranked(["X/U/1"] if n < 7 else ["X/U/9"], {"X/U"} if n in (0, 1, 2, 5) else set()) for n in range(10)]
    negatives = [ev.Ranked(["X/U/1"] if n < 2 else [], set()) for n in range(6)]  # 4 of 6 rejected
    language = {"X/U/1": "en"}
    bounds = ev.intervals(items, found + negatives, language)
    assert bounds == ev.intervals(items, found + negatives, language)  # a fixed seed: the same report twice
    assert bounds["recall@5"][0] < 0.7 < bounds["recall@5"][1] <= 1.0
    assert bounds["negative_rejection"] == ev.wilson(4, 6)
    assert bounds["exemption_precision"] == ev.wilson(3, 4) and bounds["exemption_recall"] == ev.wilson(3, 4)
    assert 0.0 <= bounds["cross_lingual_recall@5"][0] < bounds["cross_lingual_recall@5"][1] <= 1.0
    # A perfect proportion still has a lower bound below 1 (ten of ten is not proof of a rate of one).
    low, high = ev.wilson(10, 10)
    assert 0.69 < low < 0.73 and high == 1.0
    assert ev.wilson(0, 0) == (0.0, 1.0)


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
             item("elsewhere", ["C/U/1"]), item("n1", []), item("n2", []), item("n3", [])]
    programme_of = {"A/U/1": "A", "A/U/2": "A", "B/U/1": "B", "B/U/2": "B"}
    fold, programmes = ev.programme_folds(items, programme_of)
    assert programmes == ["A", "B"]
    assert fold[:3] == [0, 1, 1]  # an item belongs to the programme holding most of its gold outcomes
    assert fold[3] == -1  # its gold outcomes are not in this catalogue: left out
    assert sorted(fold[4:]) == [0, 0, 1]  # negatives round robin, so every fold is measured on both kinds


def test_a_credential_is_cut_into_one_pair_per_programme_as_a_case_would_see_it():
    mixed = ev.GoldItem("m", "unseen", "en", ["A/U/1", "A/U/2", "B/V/1"], {"A/U", "B/V"}, "positive")
    pairs = ev.programme_pairs(mixed, ["A", "B", "C"])
    assert [(p.programme, p.kind) for p in pairs] == [("A", "home"), ("B", "secondary"), ("C", "elsewhere")]
    assert [(p.item.outcomes, p.item.exemptions) for p in pairs] == [
        (["A/U/1", "A/U/2"], {"A/U"}), (["B/V/1"], {"B/V"}), ([], set())]
    assert not pairs[2].item.positive  # nothing to find in C: it counts as a negative there
    tied = ev.programme_pairs(ev.GoldItem("t", "unseen", "en", ["A/U/1", "B/V/1"], set(), "positive"), ["A", "B"])
    assert [p.kind for p in tied] == ["home", "home"]
    negative = ev.GoldItem("n", "unseen", "en", [], set(), "negative")
    assert [p.kind for p in ev.programme_pairs(negative, ["A", "B"])] == ["negative", "negative"]
    # One programme's share of a ranking over several, cut at ten after the cut to that programme.
    over_both = ev.Ranked([f"B/V/{k}" for k in range(12)] + ["A/U/1"], {"A/U", "B/V"})
    assert ev.programme_ranked(over_both, "A") == ev.Ranked(["A/U/1"], {"A/U"})
    assert len(ev.programme_ranked(over_both, "B").ranking) == 10
    report = ev.pair_metrics(pairs, [ev.Ranked(["A/U/1"], {"A/U"}), ev.Ranked([], set()), ev.Ranked(["C/W/1"], set())],
                             {})
    assert report["home"]["recall@5"] == 0.5 and report["secondary"]["recall@5"] == 0.0
    assert report["elsewhere"]["negative_rejection"] == 0.0 and report["negative"] is None
    assert report["all"]["exemption_precision"] == 1.0 and report["all"]["exemption_recall"] == 0.5


def test_cross_validation_measures_each_fold_on_a_model_fitted_without_it(monkeypatch):
    index, items, scored = _setup()
    items = [ev.GoldItem(file=f"{i.file}-{n}", split="dev", language=i.language, outcomes=i.outcomes,
                         exemptions=i.exemptions, kind=i.kind) for n, i in enumerate(items * 3)]
    fold_of = [n % 3 for n in range(len(items))]
    fold_of[0] = -1  # left out: neither fitted on nor measured
    hidden = {1: np.array([0, 1])}  # fold 1's model must not see outcomes 0 and 1 at all
    seen: list[tuple[set[str], set[int]]] = []
    real_fit = ev.fit

    def recording_fit(index, scored, items, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(({i.file for i in items}, {int(j) for s in scored for j in s.candidates}))
        return real_fit(index, scored, items, *args, **kwargs)

    monkeypatch.setattr(ev, "fit", recording_fit)
    report = ev.cross_validate(index, scored * 3, items, "test-hashing@1", fold_of=fold_of, hidden=hidden)
    assert report["folds"] == 3 and len(report["per_fold"]) == 3
    assert report["n_positive"] + report["n_negative"] == len(items) - 1
    for f, (trained_on, candidates) in enumerate(seen):
        measured = {i.file for i, g in zip(items, fold_of, strict=True) if g == f}
        assert not trained_on & measured and items[0].file not in trained_on
        assert len(trained_on) == len(items) - 1 - len(measured)
        assert not (f == 1 and candidates & {0, 1})
    assert seen[0][1] & {0, 1}  # the other folds did see them


def test_thresholds_are_tuned_on_out_of_fold_scores_and_the_unit_rule_is_the_policy():
    index, items, scored = _setup()
    items = items * 3  # three copies per row, so that every fold has training data of every kind
    items = [ev.GoldItem(file=f"{i.file}-{n}", split="dev", language=i.language, outcomes=i.outcomes,
                         exemptions=i.exemptions, kind=i.kind) for n, i in enumerate(items)]
    model = ev.fit(index, scored * 3, items, "test-hashing@1", source="unit test")
    assert "out-of-fold" in model.meta["method"]
    # The unit rule is not fitted: whatever the data, a fit carries the policy (see UnitRule).
    assert model.unit_rule == UnitRule()
    assert FusionModel.from_dict(model.to_dict()).unit_rule == UnitRule()


def test_fitting_on_pairs_of_one_kind_only_says_what_is_missing():
    import pytest

    index, items, scored = _setup()
    negatives = [(i, s) for i, s in zip(items, scored, strict=True) if not i.positive]
    with pytest.raises(ev.TooFewPairs, match="both"):
        ev.fit(index, [s for _, s in negatives], [i for i, _ in negatives], "test-hashing@1")


def test_credentials_without_an_out_of_fold_model_do_not_tune_the_thresholds():
    index, items, scored = _setup()
    # One negative only: the folds without it train a probe on positives alone, which reads nothing,
    # so the negative's fold has no model of its own and sits the tuning out.
    keep = [n for n, item in enumerate(items) if item.positive or item.file == "f6"]
    items, scored = [items[n] for n in keep], [scored[n] for n in keep]
    fold = ev._folds(items, ev.OOF_FOLDS)
    model = ev.fit(index, scored, items, "test-hashing@1", source="unit test")
    negative_fold = fold[[item.positive for item in items].index(False)]
    assert model.meta["n_items"] == len(items)
    assert model.meta["n_tuned"] == len(items) - fold.count(negative_fold)
    assert model.meta["tuned_in_sample"] is False
    # One credential of each kind share the only fold: no out-of-fold score at all, so the in-sample
    # scores are all there is, and the meta says so.
    pair = [0, len(items) - 1]
    tiny = ev.fit(index, [scored[n] for n in pair], [items[n] for n in pair], "test-hashing@1", source="unit test")
    assert tiny.meta["tuned_in_sample"] is True and tiny.meta["n_tuned"] == 2


def test_possible_is_chosen_where_the_objective_is_high_over_a_window_not_at_a_spike():
    pooled = np.linspace(-6.0, 2.0, 200)

    def objective(logit: float) -> float:
        spike = 1.06 if abs(logit - 1.0) < 0.03 else 0.0  # one grid point, a hair above the plateau
        plateau = 1.05 if -3.0 <= logit <= -1.5 else 1.0
        return max(spike, plateau)

    value, chosen = ev._smoothed_best(pooled, objective)
    # The plateau's points whose whole window lies on it tie; the stricter end of them wins.
    assert chosen == pytest.approx(-1.75, abs=0.03) and value == pytest.approx(1.05)
    # A grid point by grid point choice would have taken the spike.
    grid = np.arange(-6.0, 1.84 + ev.POSSIBLE_STEP, ev.POSSIBLE_STEP)
    assert abs(max(grid, key=objective) - 1.0) < 0.03


def test_the_gate_threshold_is_chosen_smoothed_on_its_logit_like_possible(monkeypatch):
    index, items, scored = _setup()
    calls = []
    real = ev._smoothed_best

    def recording(pooled, objective, **kwargs):
        chosen = real(pooled, objective, **kwargs)
        calls.append((kwargs.get("upper", 0.98), chosen, pooled, objective))
        return chosen

    monkeypatch.setattr(ev, "_smoothed_best", recording)
    model = ev.fit(index, scored, items, "test-hashing@1", source="unit test")
    # The fit's last choice is the gate's: the smoothed best over the gate's logits up to their 80% quantile.
    upper, (_, gate_logit), pooled, objective = calls[-1]
    assert upper == 0.8
    assert model.gate == pytest.approx(1.0 / (1.0 + np.exp(-gate_logit)))
    # The grid is over logits of probabilities (some below one half), and the objective reads a logit: far
    # above every credential's gate it closes the gate on all of them (only the rejection term is left).
    assert pooled.min() < 0
    assert objective(40.0) == pytest.approx(ev.REJECTION_WEIGHT)
    assert objective(-40.0) > objective(40.0)
    assert "averaged over" in model.meta["method"].split("credential gate", 1)[1]


def test_a_smoothed_threshold_stays_within_the_upper_quantile():
    pooled = np.linspace(-6.0, 4.0, 101)
    _, chosen = ev._smoothed_best(pooled, lambda logit: logit, upper=0.5)  # the higher, the better
    assert abs(chosen - np.quantile(pooled, 0.5)) <= ev.POSSIBLE_STEP


def test_engine_errors_read_the_kept_scoring_as_they_would_the_completed_one():
    index, items, scored = _setup()
    model = ev.fit(index, scored, items, "test-hashing@1", source="unit test")
    # Mislabel one positive so there is an error to explain.
    items[0] = ev.GoldItem(file="f0", split="dev", language="en", outcomes=["P/WEB/W2"], exemptions=set(),
                           kind="positive")
    rescored = [ev._rescore(s, model) for s in scored]
    kept = [ev.engine_ranked(index, s, model, keep_scored=True) for s in rescored]
    bare = [ev.engine_ranked(index, s, model) for s in rescored]
    assert all(r.scored is not None for r in kept) and all(r.scored is None for r in bare)
    assert kept == bare  # the kept scoring is not part of what was ranked
    errors = ev.engine_errors(index, rescored, items, kept, model)
    assert errors == ev.engine_errors(index, rescored, items, bare, model)
    assert [e["file"] for e in errors] == ["f0"] and errors[0]["missed"][0]["outcome"] == "P/WEB/W2"


def test_the_gap_reading_is_fitted_on_labelled_sentences_only(tmp_path, monkeypatch):
    """Sentences labelled as stating a gap (and the clauses the rules set aside) against the other sentences of
    labelled credentials; doubtful sentences and credentials without labels stay out of it."""
    index, encoder = _index()
    texts = [
        "Designs a relational database schema.\nStored procedures come up in a guest lecture only.",
        "Builds a web application with HTML.\nAccessibility audits come up in a guest lecture only.",
        "Automates a CI/CD pipeline.\nMonitoring in production comes up in a guest lecture only.",
        "Designs a cloud architecture on AWS.\nCost management is not covered in this course.",
        "Tunes query performance with indexes.\nLoad testing comes up in a guest lecture only.",
    ]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(f'{{"file": "c{i}.json", "outcomes": [], "kind": "negative"}}\n' for i in range(5)))
    (tmp_path / ev.GAP_LABELS).write_text(
        '{"file": "c0.json", "gaps": ["Stored procedures come up in a guest lecture only."]}\n'
        '{"file": "c1.json", "gaps": ["ACCESSIBILITY audits come up in a guest lecture only."]}\n'
        '{"file": "c2.json", "gaps": ["Monitoring in production comes up in a guest lecture only."]}\n'
        '{"file": "c4.json", "doubts": ["Load testing comes up in a guest lecture only."]}\n')
    items = ev.load_gold(gold)
    assert items[1].gap_sentences == {"accessibility audits come up in a guest lecture only."}  # folded
    assert items[3].gap_sentences == frozenset() and items[4].doubtful  # not listed: no gap sentence
    prepared = [prepare(CredentialInput(text=t)) for t in texts]
    assert prepared[3].set_aside and not any(p.set_aside for p in prepared[:3])  # a rule reads one of them
    model = hand_set(encoder.model_id)
    scored = [index.score(p, v, model) for p, v in zip(prepared, index.encode_prepared(prepared, encoder), strict=True)]
    from sklearn.linear_model import LogisticRegression

    trained_on = []
    original_fit = LogisticRegression.fit
    monkeypatch.setattr(LogisticRegression, "fit",
                        lambda self, X, y, *a, **k: trained_on.append(list(y)) or original_fit(self, X, y, *a, **k))
    weights, bias = ev._fit_gap_reading(scored, items, semantic=True)
    assert weights is not None and weights.shape == (encoder.dimension,)
    # Nine sentences and the set-aside clause, less the doubtful one; positive: three labelled and the clause.
    assert [sum(y) for y in trained_on] == [4] and [len(y) for y in trained_on] == [9]
    model.gap_weights, model.gap_bias, model.gap_threshold = weights, bias, 0.0
    read = [model.reads_as_gap(p.sentence_vectors).tolist() for p in prepared]
    assert read[:3] == [[False, True]] * 3 and read[3] == [False]
    assert read[4] == [False, True]  # a doubtful sentence is not trained on, but reads like the labelled ones
    # Without labels (no label file beside the gold file), or without vectors, there is nothing to fit.
    unlabelled = [ev.GoldItem(i.file, "dev", "en", [], set(), "negative") for i in items]
    assert unlabelled[0].gap_sentences is None
    assert ev._fit_gap_reading(scored, unlabelled, semantic=True) == (None, 0.0)
    assert ev._fit_gap_reading(scored, items, semantic=False) == (None, 0.0)


@pytest.mark.parametrize(("lines", "message"), [
    ('{"file": "c0.json", "gaps": []}\n\n{"gaps": ["x"]}\n', r"gap-sentences\.jsonl line 3: not a label line"),
    ('{"file": "c0.json", "gaps": "We do not go into surveys."}\n', "line 1: not a label line"),
    ('{"file": "c0.json", "doubts": [["x"]]}\n', "line 1: not a label line"),
    ('["c0.json"]\n', "line 1: not a label line"),
    ('{"file": "c0.json"\n', "line 1: not JSON"),
    ('{"file": "c0.json", "gaps": ["a"]}\n{"file": "c0.json", "gaps": ["b"]}\n', "line 2: c0.json is labelled twice"),
    ('{"file": "c9.json", "gaps": ["a"]}\n', "labels c9.json, which gold.jsonl does not list"),
])
def test_a_malformed_gap_label_file_is_refused_with_its_line(tmp_path, lines, message):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"file": "c0.json", "outcomes": [], "kind": "negative"}\n')
    (tmp_path / ev.GAP_LABELS).write_text(lines)
    with pytest.raises(ValueError, match=message):
        ev.load_gold(gold)


def test_fitting_stores_the_gap_reading_with_its_threshold():
    """`fit` fits the reading when the fitted credentials are labelled, and reads it from GAP_THRESHOLD."""
    index, items, scored = _setup()
    assert ev.fit(index, scored, items, "test-hashing@1").gap_weights is None  # no labels: no reading
    text = "Designs a normalised relational database schema.\nQuery tuning comes up in a guest lecture only."
    prepared = prepare(CredentialInput(text=text))
    extra = index.score(prepared, index.encode_prepared([prepared], HashingEncoder())[0], hand_set("test-hashing@1"))
    labelled = [replace(i, gap_sentences=frozenset()) for i in items] + [
        ev.GoldItem("gap.json", "dev", "en", ["P/DATA/D1"], set(), "positive",
                    gap_sentences=frozenset({"query tuning comes up in a guest lecture only."}))]
    model = ev.fit(index, [*scored, extra], labelled, "test-hashing@1")
    assert model.gap_weights is not None and model.gap_threshold == ev.GAP_THRESHOLD
    assert "gap reading" in model.meta["method"]
    again = FusionModel.from_dict(model.to_dict())
    assert np.allclose(again.gap_weights, model.gap_weights, atol=1e-6) and again.gap_threshold == ev.GAP_THRESHOLD
