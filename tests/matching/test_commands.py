from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from evc.curricula.models import LearningOutcome
from evc.matching import evaluation as ev
from evc.matching import services

from .helpers import ob2_badge

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # these use the real USE model (loaded once)


@pytest.fixture(autouse=True)
def _offline(settings):
    settings.EVC_FETCH_REMOTE = False
    settings.EVC_USE_EMBEDDINGS = True
    settings.EVC_EMBEDDING_BACKEND = "default"
    services._indexes.clear()


@pytest.fixture
def files(tmp_path):
    return {
        "cicd": ob2_badge(tmp_path / "cicd.json", name="GitLab CI/CD Associate",
                          description="The holder automates build, test and deployment of applications with CI/CD pipelines "
                                      "and provisions infrastructure as code with Terraform."),
        "web": ob2_badge(tmp_path / "web.json", name="Frontend developer (Nederlands)",
                         description="De deelnemer bouwt een toegankelijke webapplicatie met HTML, CSS en JavaScript."),
        "barista": ob2_badge(tmp_path / "barista.json", name="Barista Java coffee course",
                             description="The participant prepares espresso and cappuccino with Java beans and cleans the coffee machine."),
    }


def run(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("match_credential", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_match_credential_prints_one_json_line_per_file_with_the_contract_fields(catalogue, files):
    lines = run(str(files["cicd"]), str(files["web"]), str(files["barista"]), "--programme", catalogue.code, "--json")
    assert [line["file"] for line in lines] == [str(files["cicd"]), str(files["web"]), str(files["barista"])]
    for line in lines:
        assert set(line) >= {"file", "credential", "outcomes", "units"}
        assert set(line["credential"]) >= {"title", "language", "verified"}
        for o in line["outcomes"]:
            assert set(o) >= {"programme", "unit", "outcome", "score", "explanation", "signals"}
            assert 0.0 <= o["score"] <= 1.0 and o["programme"] == catalogue.code
        scores = [o["score"] for o in line["outcomes"]]
        assert scores == sorted(scores, reverse=True)
        for u in line["units"]:
            assert set(u) >= {"unit", "coverage", "suggestion"}
            assert u["suggestion"] in {"exemption", "partial", "none"} and 0.0 <= u["coverage"] <= 1.0
    cicd, web, barista = lines
    assert cicd["credential"]["title"] == "GitLab CI/CD Associate"
    assert {o["outcome"] for o in cicd["outcomes"][:2]} >= {"CLOUD-2"}
    assert web["outcomes"][0]["outcome"] == "WEB-1"
    assert barista["outcomes"] == []  # a keyword trap evidences nothing


def test_top_limits_the_outcomes(catalogue, files):
    (line,) = run(str(files["cicd"]), "--programme", catalogue.code, "--top", "1", "--json")
    assert len(line["outcomes"]) == 1


def test_a_bad_file_gets_an_error_line_and_the_others_still_match(catalogue, files, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    lines = run(str(broken), str(tmp_path / "missing.json"), str(files["web"]), "--programme", catalogue.code, "--json")
    assert lines[0]["outcomes"] == [] and lines[0]["error"]
    assert lines[1]["error"].startswith("The file cannot be read")
    assert lines[2]["outcomes"]


def test_an_unknown_programme_is_a_usage_error(catalogue, files):
    with pytest.raises(CommandError, match="Unknown programme") as info:
        run(str(files["web"]), "--programme", "NOPE", "--json")
    assert info.value.returncode == 2


def test_evaluate_matching_prints_every_metric_for_the_engine_and_both_baselines(catalogue, files, tmp_path):
    gold = tmp_path / "gold.jsonl"
    code = catalogue.code
    rows = [
        {"file": "cicd.json", "split": "dev", "language": "en", "outcomes": [f"{code}/CLOUD/CLOUD-2", f"{code}/CLOUD/CLOUD-3"],
         "exemptions": [], "kind": "positive"},
        {"file": "web.json", "split": "holdout", "language": "nl", "outcomes": [f"{code}/WEB/WEB-1"], "exemptions": [],
         "kind": "positive"},
        {"file": "barista.json", "split": "holdout", "language": "en", "outcomes": [], "exemptions": [], "kind": "negative"},
    ]
    gold.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = io.StringIO()
    call_command("evaluate_matching", str(gold), "--split", "all", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert set(report["systems"]) == {"engine", "bm25", "cosine"}
    for metrics in report["systems"].values():
        assert set(metrics) >= {"recall@5", "recall@10", "mrr", "ndcg@10", "negative_rejection", "exemption_precision",
                                "exemption_recall", "pairs"}
        assert set(metrics["pairs"]) == {"en->en", "nl->nl"}
        assert all(0.0 <= metrics[k] <= 1.0 for k in ("recall@5", "recall@10", "mrr", "ndcg@10", "negative_rejection"))
    assert report["systems"]["engine"]["recall@10"] >= 0.5
    assert set(report["ranking_only"]) == {"engine", "bm25", "cosine"}
    assert report["ranking_only"]["engine"]["recall@10"] >= report["systems"]["engine"]["recall@10"]
    assert report["systems"]["engine"]["negative_rejection"] == 1.0
    low, high = report["intervals"]["engine"]["recall@5"]
    assert low <= report["systems"]["engine"]["recall@5"] <= high
    text = io.StringIO()
    call_command("evaluate_matching", str(gold), "--split", "holdout", stdout=text)
    table = text.getvalue()
    for word in ("recall@5", "recall@10", "mrr", "ndcg@10", "negative_rejection", "exemption_precision",
                 "exemption_recall", "engine", "bm25", "cosine", "nl->nl", "95% intervals"):
        assert word in table


def test_evaluate_matching_errors_lists_what_the_engine_missed_and_why(catalogue, files, tmp_path):
    gold = tmp_path / "gold.jsonl"
    code = catalogue.code
    rows = [
        # The CI/CD badge says nothing of REST APIs, and the web unit is labelled as exempted: two errors.
        {"file": "cicd.json", "split": "dev", "language": "en", "outcomes": [f"{code}/CLOUD/CLOUD-2", f"{code}/WEB/WEB-2"],
         "exemptions": [f"{code}/WEB"], "kind": "positive"},
        {"file": "web.json", "split": "dev", "language": "nl", "outcomes": [f"{code}/WEB/WEB-1"], "exemptions": [],
         "kind": "positive"},
        {"file": "barista.json", "split": "dev", "language": "en", "outcomes": [], "exemptions": [], "kind": "negative"},
        # The web badge again, mislabelled as a negative: what it was shown is listed.
        {"file": "web-copy.json", "split": "dev", "language": "nl", "outcomes": [], "exemptions": [], "kind": "negative"},
    ]
    (tmp_path / "web-copy.json").write_bytes(files["web"].read_bytes())
    gold.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = io.StringIO()
    call_command("evaluate_matching", str(gold), "--split", "dev", "--errors", "--json", stdout=out)
    error, copy = json.loads(out.getvalue())["errors"]  # the web badge and the barista course are right
    assert copy["file"] == "web-copy.json" and f"{code}/WEB/WEB-1" in copy["suggested_for_negative"]
    assert error["file"] == "cicd.json" and error["kind"] == "positive"
    (missed,) = error["missed"]
    assert missed["outcome"] == f"{code}/WEB/WEB-2"
    assert missed["reason"] in {"gate", "disclaimed", "below possible", "not a candidate", "ranked lower"}
    assert (missed["place"] is None) == (missed["reason"] == "not a candidate")
    (unit,) = error["missed_exemptions"]
    assert unit["unit"] == f"{code}/WEB" and "coverage" in unit["blockers"]
    assert "false_exemptions" not in error and "suggested_for_negative" not in error
    text = io.StringIO()
    call_command("evaluate_matching", str(gold), "--split", "dev", "--errors", stdout=text)
    assert "Credentials the engine gets wrong: 2" in text.getvalue()
    assert f"missed {code}/WEB/WEB-2" in text.getvalue() and f"missed exemption {code}/WEB" in text.getvalue()
    plain = io.StringIO()
    call_command("evaluate_matching", str(gold), "--split", "dev", "--json", stdout=plain)
    assert json.loads(plain.getvalue())["errors"] is None  # listed only when asked for


def test_evaluate_matching_reads_several_gold_files_as_one_set_and_measures_a_named_split(
        catalogue, files, tmp_path, monkeypatch):
    from evc.matching.engine import fusion

    code = catalogue.code
    main = tmp_path / "gold.jsonl"
    main.write_text("\n".join(json.dumps(r) for r in [
        {"file": "cicd.json", "split": "dev", "language": "en", "outcomes": [f"{code}/CLOUD/CLOUD-2"], "exemptions": [],
         "kind": "positive"},
        {"file": "barista.json", "split": "dev", "language": "en", "outcomes": [], "exemptions": [], "kind": "negative"},
    ]), encoding="utf-8")
    # A second set in its own folder: its file names resolve against that folder, not the first file's.
    (tmp_path / "unseen").mkdir()
    (tmp_path / "unseen" / "web.json").write_bytes(files["web"].read_bytes())
    unseen = tmp_path / "unseen" / "gold.jsonl"
    unseen.write_text(json.dumps({"file": "web.json", "split": "unseen", "language": "nl", "outcomes": [f"{code}/WEB/WEB-1"],
                                  "exemptions": [], "kind": "positive"}), encoding="utf-8")
    out = io.StringIO()
    call_command("evaluate_matching", str(main), str(unseen), "--split", "unseen", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["items"] == 1 and report["split"] == "unseen" and not report["skipped"]
    assert report["systems"]["engine"]["recall@5"] == 1.0
    tuned = report["thresholds"]
    assert tuned["baselines_from"] == "dev" and tuned["bm25"] > 0  # tuned on the first file's dev split
    # Alone, the second set has no dev split: its baselines are the ones stored with the weights at --fit.
    monkeypatch.setattr(fusion, "WEIGHTS_DIR", tmp_path)  # no weights file yet
    assert json.loads(_evaluate(unseen))["thresholds"]["baselines_from"] == "none"
    call_command("evaluate_matching", str(main), "--split", "dev", "--fit", stdout=io.StringIO(), stderr=io.StringIO())
    alone = json.loads(_evaluate(unseen))["thresholds"]
    assert alone["baselines_from"] == "weights"
    assert (alone["bm25"], alone["cosine"]) == (tuned["bm25"], tuned["cosine"])
    with pytest.raises(CommandError, match="its splits are: dev, unseen") as info:
        call_command("evaluate_matching", str(main), str(unseen), "--split", "holdut", stdout=io.StringIO())
    assert info.value.returncode == 2


@pytest.mark.parametrize(("line", "message"), [
    ({"file": "web.json", "outcomes": [], "kind": "negative"}, 'no "split"'),  # beside another file: no silent dev
    ({"file": "web.json", "split": None, "outcomes": [], "kind": "negative"}, '"split" must be a name'),
    ({"file": "web.json", "split": 3, "outcomes": [], "kind": "negative"}, '"split" must be a name'),
    (["not", "an", "object"], "not a JSON object"),
])
def test_a_badly_labelled_second_gold_file_is_refused_not_used(catalogue, files, tmp_path, line, message):
    main = _dev_gold(tmp_path, catalogue.code, files)
    second = tmp_path / "second.jsonl"
    second.write_text(json.dumps(line), encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("evaluate_matching", str(main), str(second), "--split", "dev", stdout=io.StringIO())


def test_cross_validation_needs_a_readable_dev_credential_per_fold(catalogue, files, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps({"file": name, "split": "dev", "outcomes": [], "kind": "negative"})
                              for name in ("cicd.json", "barista.json", "gone-1.json", "gone-2.json")), encoding="utf-8")
    with pytest.raises(CommandError, match="2 were readable") as info:
        call_command("evaluate_matching", str(gold), "--split", "dev", "--cv", "4", stdout=io.StringIO())
    assert info.value.returncode == 2


def _evaluate(gold: Path) -> str:
    out = io.StringIO()
    call_command("evaluate_matching", str(gold), "--split", "unseen", "--json", stdout=out)
    return out.getvalue()


def _dev_gold(tmp_path, code: str, files: dict) -> Path:
    rows = [
        {"file": "cicd.json", "outcomes": [f"{code}/CLOUD/CLOUD-2", f"{code}/CLOUD/CLOUD-3"], "kind": "positive"},
        {"file": "web.json", "outcomes": [f"{code}/WEB/WEB-1"], "kind": "positive"},
        {"file": "barista.json", "outcomes": [], "kind": "negative"},
    ]
    gold = tmp_path / "dev.jsonl"
    # Each credential twice (under two names), so that every fold of two has one of each kind.
    lines = []
    for copy in ("a", "b"):
        for row in rows:
            target = tmp_path / f"{copy}-{row['file']}"
            target.write_bytes((tmp_path / row["file"]).read_bytes())
            lines.append(json.dumps(row | {"file": target.name, "split": "dev", "language": "en", "exemptions": []}))
    gold.write_text("\n".join(lines), encoding="utf-8")
    return gold


def test_evaluate_matching_cross_validates_the_fitting_on_dev(catalogue, files, tmp_path):
    gold = _dev_gold(tmp_path, catalogue.code, files)
    out = io.StringIO()
    call_command("evaluate_matching", str(gold), "--split", "dev", "--cv", "2", "--json", stdout=out)
    cv = json.loads(out.getvalue())["cross_validated_dev"]
    assert cv["folds"] == 2 and cv["n_positive"] == 4 and cv["n_negative"] == 2
    assert 0.0 <= cv["recall@5"] <= 1.0 and 0.0 <= cv["negative_rejection"] <= 1.0
    with pytest.raises(CommandError, match="--cv"):
        call_command("evaluate_matching", str(gold), "--cv", "1", stdout=io.StringIO())
    # One programme in the catalogue: nothing to leave out.
    with pytest.raises(CommandError, match="two programmes"):
        call_command("evaluate_matching", str(gold), "--split", "dev", "--cv-programmes", stdout=io.StringIO())


def test_evaluate_matching_leaves_one_programme_out_at_a_time(catalogue, files, tmp_path):
    from decimal import Decimal

    from evc.curricula.models import CurriculumVersion, Programme, Unit

    other = Programme.objects.create(code="HBO-DATA", name="Data Science", croho_code="30000")
    version = CurriculumVersion.objects.create(programme=other, academic_year=catalogue.versions.get().academic_year)
    unit = Unit.objects.create(version=version, code="SQL", name="Databases", ects=Decimal("5"), eqf_level=6)
    LearningOutcome.objects.create(unit=unit, code="SQL-1", language="en", position=0,
                                   text="The student designs a normalised relational database and writes SQL queries.")
    sql = ob2_badge(tmp_path / "sql.json", name="SQL Associate",
                    description="The holder designs normalised relational databases and writes complex SQL queries.")
    rows = [("cicd.json", [f"{catalogue.code}/CLOUD/CLOUD-2"]), ("web.json", [f"{catalogue.code}/WEB/WEB-1"]),
            (sql.name, ["HBO-DATA/SQL/SQL-1"]), ("barista.json", [])]
    lines = []
    for copy in ("a", "b"):
        for name, outcomes in rows:
            target = tmp_path / f"{copy}-{name}"
            target.write_bytes((tmp_path / name).read_bytes())
            lines.append(json.dumps({"file": target.name, "split": "dev", "language": "en", "outcomes": outcomes,
                                     "exemptions": [], "kind": "positive" if outcomes else "negative"}))
    gold = tmp_path / "two.jsonl"
    gold.write_text("\n".join(lines), encoding="utf-8")
    out = io.StringIO()
    call_command("evaluate_matching", str(gold), "--split", "dev", "--cv-programmes", "--json", stdout=out)
    report = json.loads(out.getvalue())["cross_validated_by_programme"]
    assert report["programmes"] == ["HBO-DATA", catalogue.code]
    assert [(m["n_positive"], m["n_negative"]) for m in report["per_fold"]] == [(2, 1), (4, 1)]
    assert report["n_positive"] == 6 and 0.0 <= report["recall@5"] <= 1.0
    text = io.StringIO()
    call_command("evaluate_matching", str(gold), "--split", "dev", "--cv-programmes", stdout=text)
    assert re.search(r"HBO-DATA\s+positives 2", text.getvalue())


def test_fit_replaces_a_weights_file_the_engine_cannot_read_and_evaluating_without_fit_says_so(
        catalogue, files, tmp_path, monkeypatch):
    from evc.matching.engine import fusion

    monkeypatch.setattr(fusion, "WEIGHTS_DIR", tmp_path)
    stale = fusion.weights_file_for(services.current_encoder().model_id)
    stale.write_text(json.dumps(fusion.hand_set("x").to_dict() | {"features": ["no_such_signal"], "weights": [1.0]}))
    gold = _dev_gold(tmp_path, catalogue.code, files)
    # The start-up check refuses the file (matching.E002) for every command but this one, which repairs it.
    with pytest.raises(CommandError, match=r"do not fit this engine .*--fit"):
        call_command("evaluate_matching", str(gold), "--split", "dev", stdout=io.StringIO(), skip_checks=False)
    call_command("evaluate_matching", str(gold), "--split", "dev", "--fit", stdout=io.StringIO(), stderr=io.StringIO(),
                 skip_checks=False)
    assert fusion.load_model(services.current_encoder().model_id).meta["fitted_on"].startswith(str(gold))
    # Two credentials, one of each kind, in the only fold: the person fitting is told the thresholds flatter.
    tiny = tmp_path / "tiny.jsonl"
    tiny.write_text("\n".join(gold.read_text(encoding="utf-8").splitlines()[1:3]), encoding="utf-8")
    err = io.StringIO()
    call_command("evaluate_matching", str(tiny), "--split", "dev", "--fit", stdout=io.StringIO(), stderr=err)
    assert "too few dev credentials" in err.getvalue()


def test_evaluate_matching_from_reviews_measures_precision(catalogue, assessor):
    accepted = LearningOutcome.objects.get(code="CLOUD-2")
    rejected = LearningOutcome.objects.get(code="WEB-3")
    text = "Automates build, test and deployment with CI/CD pipelines in GitLab."
    services.feedback_record(outcome=accepted, achievement_key="", claim_text=text, accepted=True, reviewer=assessor)
    services.feedback_record(outcome=rejected, achievement_key="", claim_text=text, accepted=False, reviewer=assessor)
    out = io.StringIO()
    call_command("evaluate_matching", "--from-reviews", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["reviews"] == 2 and report["accepted"] == 1 and report["rejected"] == 1
    assert report["precision"] == 1.0 and report["agreement"] == 1.0


def test_rebuild_outcome_embeddings_reports_the_count(catalogue):
    out = io.StringIO()
    call_command("rebuild_outcome_embeddings", stdout=out)
    assert re.search(r"Encoded \d+ catalogue texts with use-multilingual-v3", out.getvalue())
    assert int(re.search(r"Encoded (\d+)", out.getvalue())[1]) > 8  # 6 outcomes, 2 units and their words


def _data_programme(catalogue, tmp_path) -> tuple[Path, Path]:
    """A second programme in the catalogue, a curriculum CSV naming it in its own folder, and an SQL badge."""
    from decimal import Decimal

    from evc.curricula.models import CurriculumVersion, Programme, Unit

    other = Programme.objects.create(code="HBO-DATA", name="Data Science", croho_code="30000")
    version = CurriculumVersion.objects.create(programme=other, academic_year=catalogue.versions.get().academic_year)
    unit = Unit.objects.create(version=version, code="SQL", name="Databases", ects=Decimal("5"), eqf_level=6)
    LearningOutcome.objects.create(unit=unit, code="SQL-1", language="en", position=0,
                                   text="The student designs a normalised relational database and writes SQL queries.")
    folder = tmp_path / "blind"
    folder.mkdir()
    (folder / "data.csv").write_text("programme_code,unit_code,outcome_code\nHBO-DATA,SQL,SQL-1\n", encoding="utf-8")
    sql = ob2_badge(folder / "sql.json", name="SQL Associate",
                    description="The holder designs normalised relational databases and writes complex SQL queries.")
    return folder, sql


def _blind_gold(folder: Path, sql: Path) -> Path:
    """A blind set's gold file beside its curriculum: the SQL badge and the barista course (a negative, one folder up)."""
    blind = folder / "gold.jsonl"
    blind.write_text("\n".join(json.dumps(r) for r in [
        {"file": sql.name, "split": "unseen", "language": "en", "outcomes": ["HBO-DATA/SQL/SQL-1"], "exemptions": [],
         "kind": "positive"},
        {"file": "../barista.json", "split": "unseen", "language": "en", "outcomes": [], "exemptions": [],
         "kind": "negative"},
    ]), encoding="utf-8")
    return blind


@pytest.mark.parametrize("named", [True, False], ids=["--programme", "default"])
def test_a_gold_file_is_matched_against_the_programmes_it_is_labelled_against(catalogue, files, tmp_path, named):
    folder, sql = _data_programme(catalogue, tmp_path)
    # By default every programme but a test set's own is shared; the blind set adds its own.
    programmes = ["--programme", catalogue.code] if named else []
    # The same badge in two gold files, both claiming the data programme's outcome: the main file is labelled
    # against --programme alone, the blind set also against the curriculum beside it.
    line = {"file": sql.name, "language": "en", "outcomes": ["HBO-DATA/SQL/SQL-1"], "exemptions": [], "kind": "positive"}
    main = tmp_path / "gold.jsonl"
    (tmp_path / sql.name).write_bytes(sql.read_bytes())
    main.write_text(json.dumps(line | {"split": "dev"}), encoding="utf-8")
    blind = folder / "gold.jsonl"
    blind.write_text(json.dumps(line | {"split": "unseen"}), encoding="utf-8")
    out = io.StringIO()
    call_command("evaluate_matching", str(main), str(blind), "--split", "unseen", *programmes, "--json", stdout=out)
    assert json.loads(out.getvalue())["systems"]["engine"]["recall@5"] == 1.0
    out = io.StringIO()
    call_command("evaluate_matching", str(main), str(blind), "--split", "dev", *programmes, "--errors", "--json",
                 stdout=out)
    report = json.loads(out.getvalue())
    assert report["unknown_gold_outcomes"] == ["HBO-DATA/SQL/SQL-1"]  # the main file's line labels outside its programmes
    (error,) = report["errors"]
    assert error["missed"] == [{"outcome": "HBO-DATA/SQL/SQL-1", "place": None, "score": None,
                                "reason": "not a candidate"}]  # never matched against a programme it was not labelled on
    # A curriculum beside a gold file that the catalogue does not hold: import it first, not a silent miss.
    (folder / "data.csv").write_text("programme_code,unit_code\nHBO-LAW,LAW\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"HBO-LAW .* import it with import_curriculum first") as info:
        call_command("evaluate_matching", str(main), str(blind), "--split", "unseen", stdout=io.StringIO())
    assert info.value.returncode == 2


def test_per_programme_measures_each_credential_against_one_programme_at_a_time(catalogue, files, tmp_path):
    folder, sql = _data_programme(catalogue, tmp_path)
    blind = _blind_gold(folder, sql)
    args = (str(blind), "--split", "unseen", "--programme", catalogue.code)
    out = io.StringIO()
    call_command("evaluate_matching", *args, "--json", stdout=out)
    assert json.loads(out.getvalue())["per_programme"] is None  # slower, so only when asked for
    out = io.StringIO()
    call_command("evaluate_matching", *args, "--per-programme", "--json", stdout=out)
    report = json.loads(out.getvalue())
    together, alone = report["per_programme"]["together"], report["per_programme"]["alone"]
    # Two credentials, two programmes each: the SQL badge at home in HBO-DATA and evidencing nothing in the other.
    for mode in (together, alone):
        assert [mode[kind] and mode[kind]["n"] for kind in ("all", "home", "secondary", "elsewhere", "negative")] == \
            [4, 1, None, 1, 2]
        assert mode["negative"]["negative_rejection"] == 1.0  # the barista shows nothing in either programme
    assert alone["home"]["recall@5"] == 1.0  # alone in its own programme, the badge finds its outcome
    # Together, the other programme's outcomes are left out before the cut at five: never below the joint figure.
    assert together["home"]["recall@5"] >= report["systems"]["engine"]["recall@5"]
    out = io.StringIO()
    call_command("evaluate_matching", *args, "--per-programme", stdout=out)
    text = out.getvalue()
    assert "Per credential and programme" in text
    assert re.search(r"^  home +n=1 +together recall@5 [01]\.\d{3} .* alone recall@5 1\.000", text, re.MULTILINE)
    assert re.search(r"^  negative +n=2 +together rejection 1\.000 +alone rejection 1\.000", text, re.MULTILINE)


def test_a_credential_scored_for_one_programme_has_candidates_of_that_programme_only(catalogue, files, tmp_path):
    from evc.matching.management.commands.evaluate_matching import _score
    from evc.portfolios.intake import inspect_credential

    _data_programme(catalogue, tmp_path)
    encoder = services.current_encoder()
    index = services.index_for([catalogue.code, "HBO-DATA"], None, encoder)
    model = services.fusion_model_for(encoder)
    claim = inspect_credential(files["cicd"].read_bytes(), "cicd.json").claim
    credential = services.credential_input(claim, verified=None)
    alone, both = _score([credential, credential], [["HBO-DATA"], [catalogue.code, "HBO-DATA"]], index, encoder, model)
    programme_of = [o.programme for o in index.outcomes]
    assert {programme_of[j] for j in alone.candidates} == {"HBO-DATA"}
    assert catalogue.code in {programme_of[j] for j in both.candidates}  # the CI/CD badge's own outcomes
    shown = ev.engine_ranked(index, alone, model)
    assert all(ref.startswith("HBO-DATA/") for ref in shown.ranking)


def test_fit_on_several_splits_and_leave_one_gold_file_out(catalogue, files, tmp_path, monkeypatch):
    from evc.matching.engine import fusion

    folder, sql = _data_programme(catalogue, tmp_path)
    main = _dev_gold(tmp_path, catalogue.code, files)
    blind = _blind_gold(folder, sql)
    out = io.StringIO()
    call_command("evaluate_matching", str(main), str(blind), "--split", "unseen", "--programme", catalogue.code,
                 "--fit-split", "dev", "--fit-split", "unseen", "--cv-files", "--json", stdout=out)
    by_file = json.loads(out.getvalue())["cross_validated_by_file"]
    assert by_file["files"] == [blind.as_posix()] and by_file["folds"] == 1
    assert (by_file["n_positive"], by_file["n_negative"]) == (1, 1)  # the left-out file's credentials only
    assert 0.0 <= by_file["recall@5"] <= 1.0
    monkeypatch.setattr(fusion, "WEIGHTS_DIR", tmp_path)
    call_command("evaluate_matching", str(main), str(blind), "--split", "unseen", "--programme", catalogue.code,
                 "--fit-split", "dev", "--fit-split", "unseen", "--fit", stdout=io.StringIO(), stderr=io.StringIO())
    meta = fusion.load_model(services.current_encoder().model_id).meta
    assert "split=dev+unseen" in meta["fitted_on"] and meta["n_items"] == 8
    # Only one gold file: nothing to leave out.
    with pytest.raises(CommandError, match="--cv-files needs a second gold file"):
        call_command("evaluate_matching", str(main), "--split", "dev", "--cv-files", stdout=io.StringIO())


@pytest.mark.parametrize(("extra", "message"), [
    (["--fit-split", "unseen"], "--fit-split goes with --fit or --cv-files"),
    (["--fit", "--fit-split", "unsen"], "No credential of the gold set is in split 'unsen'"),
    (["--fit", "--fit-split", "dev", "--fit-split", "holdout"], "The holdout split is never fitted on"),
    (["--cv-files", "SAME"], "A gold file is named twice"),
])
def test_fitting_splits_and_gold_files_are_checked(catalogue, files, tmp_path, extra, message):
    main = _dev_gold(tmp_path, catalogue.code, files)
    lines = main.read_text(encoding="utf-8").splitlines()
    main.write_text("\n".join([*lines, json.dumps(json.loads(lines[0]) | {"split": "holdout"})]), encoding="utf-8")
    gold = [str(main), *(str(main) for a in extra if a == "SAME")]
    with pytest.raises(CommandError, match=message) as info:
        call_command("evaluate_matching", *gold, "--split", "dev", *(a for a in extra if a != "SAME"),
                     stdout=io.StringIO())
    assert info.value.returncode == 2
