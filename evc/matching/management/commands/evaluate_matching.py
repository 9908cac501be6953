"""evaluate_matching GOLD [GOLD ...] [--split holdout|dev|all|NAME] [--from-reviews] [--fit] [--fit-split NAME]
[--cv K] [--cv-programmes] [--cv-files] [--errors] [--json].

Prints Recall@5, Recall@10, MRR, nDCG@10, negative rejection and unit-exemption precision
and recall, overall and per language pair, for the engine and for two baselines computed
in the same run (BM25 alone; embedding cosine alone). Baseline thresholds are tuned on the
dev split by the same rule as the engine's (a gold set without a dev split uses the ones stored
with the weights); the engine's weights come from its weights file, which `--fit` rewrites from
the dev split, or the splits named with `--fit-split` (never from holdout).

Several gold files are read as one set, each resolving its credential files from its own folder:
a separate test set (say `evaluation/unseen/gold.jsonl`, split "unseen") is measured with the
baselines tuned on the main set's dev split by naming both files and `--split unseen`.

A gold file is labelled against the programmes of `--programme` (default: every programme but those of the
curriculum CSVs beside the gold files) plus those of the curriculum CSVs in its own folder (a test set's own
programme), and its credentials are matched against exactly those: a test set is never scored against another
test set's programme, whose outcomes its writer did not label. `--fit-split` names the splits `--fit` fits on
(default dev); `--cv-files` leaves one gold file out at a time (fit on the first file and the others, measure it).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from evc.curricula.models import Programme
from evc.matching import evaluation as ev
from evc.matching.engine import fusion
from evc.matching.engine.encoders import Encoder
from evc.matching.engine.matcher import MatchIndex, Scored, prepare
from evc.matching.engine.results import CredentialInput
from evc.matching.models import MatchFeedback
from evc.matching.services import (
    LEXICAL_MODEL_ID,
    MatchingError,
    credential_input,
    current_encoder,
    fusion_model_for,
    index_for,
)
from evc.portfolios.intake import inspect_credential

BASELINES_FROM = {"dev": "tuned on dev", "weights": "tuned on the dev split the weights were fitted on",
                  "none": "untuned: this gold set has no dev split and the weights file stores no thresholds"}
COLUMNS = ("recall@5", "recall@10", "mrr", "ndcg@10", "negative_rejection", "exemption_precision", "exemption_recall")


class Command(BaseCommand):
    help = "Measure the matching engine and two baselines against a labelled gold set (or assessors' reviews)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("gold", nargs="*", metavar="GOLD", help="gold.jsonl (several files are read as one set)")
        parser.add_argument("--split", default="holdout", metavar="SPLIT",
                            help="the split measured: holdout (default), dev, all, or any other split the gold files name")
        parser.add_argument("--from-reviews", action="store_true",
                            help="measure against stored assessor reviews, and the exemptions the engine suggested "
                                 "in cases against the committee's decisions")
        parser.add_argument("--programme", action="append", metavar="CODE",
                            help="a programme to match against (default: every programme); a gold file is also "
                                 "matched against the programmes of the curriculum CSV in its own folder, which the "
                                 "default leaves to that file alone")
        parser.add_argument("--fit", action="store_true",
                            help="refit the fusion weights on the dev split (or the --fit-split splits) and save them")
        parser.add_argument("--fit-split", action="append", metavar="SPLIT",
                            help="a split --fit and --cv-files fit on (default: dev); name it once per split")
        parser.add_argument("--cv", type=int, default=0, metavar="K",
                            help="also cross-validate the fitting procedure on dev with K folds (holdout untouched)")
        parser.add_argument("--cv-programmes", action="store_true",
                            help="also cross-validate on dev leaving one programme out at a time: the engine on a "
                                 "curriculum it was not fitted on")
        parser.add_argument("--cv-files", action="store_true",
                            help="also leave one gold file out at a time: fit on the first file and all others but "
                                 "one (their --fit-split credentials), measure that one's")
        parser.add_argument("--errors", action="store_true",
                            help="also list each credential the engine gets wrong: the gold outcomes it missed and why, "
                                 "what it showed for a negative, and its wrong exemptions")
        parser.add_argument("--per-programme", action="store_true",
                            help="also measure per credential and programme, as a case is matched: each credential "
                                 "against one programme alone, beside the same programme's share of the ranking over "
                                 "all of them (slower: every credential is matched once per programme)")
        parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")

    def check(self, *args: Any, **kwargs: Any) -> None:
        # The command that refits the weights must run while they are unusable or missing; it reports
        # them in its own words (see _from_gold).
        silenced = [*settings.SILENCED_SYSTEM_CHECKS, "matching.E002", "matching.W001"]
        with override_settings(SILENCED_SYSTEM_CHECKS=silenced):
            super().check(*args, **kwargs)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["from_reviews"]:
                report = self._from_reviews(options)
            else:
                if not options["gold"]:
                    raise CommandError("Give the gold file (e.g. evaluation/gold.jsonl) or --from-reviews.", returncode=2)
                report = self._from_gold(options)
        except (MatchingError, ev.TooFewPairs) as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        else:
            self._print(report)

    # --- gold set ------------------------------------------------------------------------

    def _from_gold(self, options: dict[str, Any]) -> dict[str, Any]:
        paths = [Path(p) for p in options["gold"]]
        if len({p.resolve() for p in paths}) < len(paths):
            raise CommandError("A gold file is named twice.", returncode=2)
        gold_names = " ".join(p.as_posix() for p in paths)
        items: list[ev.GoldItem] = []
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path} does not exist.", returncode=2)
            try:
                items += ev.load_gold(path, require_split=len(paths) > 1)
            except (ValueError, KeyError) as exc:
                raise CommandError(f"{path}: {exc}") from exc
        if options["cv"] and options["cv"] < 2:
            raise CommandError("--cv needs at least 2 folds.", returncode=2)
        splits = sorted({i.split for i in items})
        if options["split"] != "all" and options["split"] not in splits:
            raise CommandError(f"No credential of the gold set is in split {options['split']!r}; "
                               f"its splits are: {', '.join(splits)}.", returncode=2)
        fit_splits = set(options["fit_split"] or ["dev"])
        if options["fit_split"]:
            if not (options["fit"] or options["cv_files"]):
                raise CommandError("--fit-split goes with --fit or --cv-files.", returncode=2)
            if fit_splits - set(splits):
                raise CommandError(f"No credential of the gold set is in split {sorted(fit_splits - set(splits))[0]!r}; "
                                   f"its splits are: {', '.join(splits)}.", returncode=2)
        if "holdout" in fit_splits:
            raise CommandError("The holdout split is never fitted on.", returncode=2)
        started = time.perf_counter()
        own = {path: _programmes_beside(path) for path in paths}
        # By default every programme in the catalogue, except a test set's own: only its own file is labelled on it.
        beside = set().union(*own.values())
        codes = options["programme"] or [c for c in Programme.objects.values_list("code", flat=True) if c not in beside]
        scopes = {path: sorted(set(codes) | own[path]) for path in paths}
        encoder = current_encoder()
        model_id = encoder.model_id if encoder else LEXICAL_MODEL_ID
        # One index over every gold file's programmes; each file's credentials are scored in an index of
        # its own programmes and lifted into this one (the same when all files share their programmes).
        index = index_for(sorted(set().union(*scopes.values())), None, encoder)
        try:
            model = fusion_model_for(encoder)
        except (ValueError, KeyError, TypeError) as exc:
            if not options["fit"]:
                raise CommandError(f"The fusion weights do not fit this engine ({exc}); refit them with --fit.") from exc
            # Refitting replaces the file anyway; until then hand-set weights order the candidates.
            model = fusion.hand_set(model_id)
        known = {o.reference for o in index.outcomes}
        # A gold outcome outside its own file's programmes is a labelling mistake, not a miss of the engine.
        unknown = sorted({ref for i in items for ref in i.outcomes
                          if ref not in known or ev.reference_programme(ref) not in scopes[i.source]})  # type: ignore[index]
        # Verification must not depend on the network during an evaluation.
        original_fetch = settings.EVC_FETCH_REMOTE
        settings.EVC_FETCH_REMOTE = False
        try:
            usable, inputs, problems = [], [], []
            for item in items:
                if item.path is None:
                    problems.append(f"{item.file}: file not found")
                    continue
                inspection = inspect_credential(item.path.read_bytes(), item.path.name)
                if inspection.claim is None:
                    problems.append(f"{item.file}: {inspection.error}")
                    continue
                usable.append(item)
                # The gold set labels relevance, not authenticity (the intake's tests cover verification):
                # a credential's verification status must not decide its gold exemptions here.
                inputs.append(credential_input(inspection.claim, verified=None))
        finally:
            settings.EVC_FETCH_REMOTE = original_fetch
        scored = _score(inputs, [scopes[i.source] for i in usable], index, encoder, model)  # type: ignore[index]
        dev_items = [i for i in usable if i.split == "dev"]
        dev_scored = [s for i, s in zip(usable, scored, strict=True) if i.split == "dev"]
        if options["cv"] and len(dev_items) < options["cv"]:
            raise CommandError(f"--cv {options['cv']} needs a readable dev item per fold; {len(dev_items)} were readable.",
                               returncode=2)
        # The baselines' thresholds come from the dev split like the engine's; a gold set without one
        # (someone else's test set) uses those stored with the weights, not "everything passes".
        if dev_items:
            baselines, baselines_from = ev.tune_baselines(index, dev_scored, dev_items), "dev"
        elif "baselines" in model.meta:
            baselines, baselines_from = ev.Baselines(**model.meta["baselines"]), "weights"
        else:
            baselines, baselines_from = ev.Baselines(), "none"
        fit_items = [i for i in usable if i.split in fit_splits]
        fit_scored = [s for i, s in zip(usable, scored, strict=True) if i.split in fit_splits]
        if options["fit"]:
            if not fit_items:
                raise CommandError(f"The gold set has no {' or '.join(sorted(fit_splits))} items to fit on.")
            model = ev.fit(index, fit_scored, fit_items, model_id, semantic=encoder is not None,
                           source=f"{gold_names} split={'+'.join(sorted(fit_splits))} ({dt.date.today().isoformat()})")
            if options["split"] == "all" or options["split"] in fit_splits:
                self.stderr.write(f"The figures below are for split {options['split']}, which these weights were just "
                                  "fitted on: they are in-sample, not an estimate.")
            model.meta["baselines"] = {"bm25": baselines.bm25, "cosine": baselines.cosine}
            target = ev.weights_path(model_id)
            target.parent.mkdir(parents=True, exist_ok=True)
            model.save(target)
            self.stderr.write(f"Saved fitted weights to {target}")
            if model.meta["tuned_in_sample"]:
                self.stderr.write("Warning: too few dev credentials for out-of-fold scores; the thresholds and gate "
                                  "were tuned on the scores of the credentials the model was fitted on, "
                                  "which flatters them. Label more dev credentials of both kinds.")
            elif model.meta["n_tuned"] < model.meta["n_items"]:
                self.stderr.write(f"Thresholds tuned on the out-of-fold scores of {model.meta['n_tuned']} of "
                                  f"{model.meta['n_items']} dev credentials (the others had no model fitted without them).")
            scored = [ev._rescore(s, model) for s in scored]
        cross_validated = None
        if options["cv"]:
            cross_validated = ev.cross_validate(index, dev_scored, dev_items, model_id, folds=options["cv"],
                                                semantic=encoder is not None)
        by_programme = None
        if options["cv_programmes"]:
            fold_of, programmes = ev.programme_folds(dev_items, {o.reference: o.programme for o in index.outcomes})
            if len(programmes) < 2:
                raise CommandError("--cv-programmes needs dev credentials for at least two programmes.")
            # The model for a programme's fold never sees that programme's outcomes, not even as negatives.
            hidden = {f: np.flatnonzero([o.programme == code for o in index.outcomes]) for f, code in enumerate(programmes)}
            by_programme = ev.cross_validate(index, dev_scored, dev_items, model_id, semantic=encoder is not None,
                                             fold_of=fold_of, hidden=hidden)
            by_programme["programmes"] = programmes
        by_file = None
        if options["cv_files"]:
            by_file = _leave_one_file_out(paths, own, index, fit_items, fit_scored, model_id,
                                          semantic=encoder is not None)
        picked = [(i, c, s) for i, c, s in zip(usable, inputs, scored, strict=True)
                  if options["split"] in ("all", i.split)]
        chosen = [(i, s) for i, _, s in picked]
        sel_items = [i for i, _ in chosen]
        outcome_language = {o.reference: o.language for o in index.outcomes}
        # Uncut, for `--per-programme` (`ev.programme_ranked`); the figures count the first ten.
        joint = [ev.engine_ranked(index, s, model, top_k=len(index.outcomes), keep_scored=options["errors"])
                 for _, s in chosen]
        per_programme = (_per_programme(picked, joint, scopes, index, encoder, model, outcome_language)
                         if options["per_programme"] else None)
        systems = {
            "engine": [replace(r, ranking=r.ranking[:10]) for r in joint],
            "bm25": [ev.baseline_ranked(index, s, "bm25", baselines.bm25, model.unit_rule) for _, s in chosen],
        }
        if encoder is not None:
            systems["cosine"] = [ev.baseline_ranked(index, s, "cosine", baselines.cosine, model.unit_rule)
                                 for _, s in chosen]
        # Ranking quality alone (no threshold, no gate): the first ten of each system's ordering (the
        # engine's puts outcomes the credential disclaims last, as it never shows them).
        ranking_only = {
            "engine": [ev.Ranked([index.outcomes[int(j)].reference for j in s.candidates[:10]], set()) for _, s in chosen],
            "bm25": [ev.baseline_ranked(index, s, "bm25", float("-inf"), model.unit_rule) for _, s in chosen],
        }
        if encoder is not None:
            ranking_only["cosine"] = [ev.baseline_ranked(index, s, "cosine", float("-inf"), model.unit_rule)
                                      for _, s in chosen]
        return {
            "gold": gold_names,
            "split": options["split"],
            "model_id": index.model_id,
            "weights": model.meta.get("fitted_on", ""),
            "thresholds": {"possible": model.possible, "strong": model.strong,
                           "bm25": baselines.bm25, "cosine": baselines.cosine, "baselines_from": baselines_from},
            "unit_rule": model.unit_rule.to_dict(),
            "items": len(sel_items),
            "skipped": problems,
            "unknown_gold_outcomes": unknown,
            "systems": {name: ev.metrics(sel_items, ranked, outcome_language) for name, ranked in systems.items()},
            "intervals": {"engine": ev.intervals(sel_items, systems["engine"], outcome_language),
                          "resamples": ev.BOOTSTRAP_RESAMPLES},
            "ranking_only": {name: _ranking_part(ev.metrics(sel_items, ranked, outcome_language))
                             for name, ranked in ranking_only.items()},
            "cross_validated_dev": cross_validated,
            "cross_validated_by_programme": by_programme,
            "cross_validated_by_file": by_file,
            "per_programme": per_programme,
            "errors": (ev.engine_errors(index, [s for _, s in chosen], sel_items, systems["engine"], model)
                       if options["errors"] else None),
            "seconds": round(time.perf_counter() - started, 1),
        }

    # --- assessor reviews ----------------------------------------------------------------

    def _from_reviews(self, options: dict[str, Any]) -> dict[str, Any]:
        rows = list(MatchFeedback.objects.exclude(claim_text="").select_related("outcome__unit__version__programme"))
        by_text: dict[str, list[MatchFeedback]] = defaultdict(list)
        for row in rows:
            by_text[row.claim_text].append(row)
        codes = options["programme"] or sorted({r.outcome.unit.version.programme.code for r in rows})
        tp = fp = fn = tn = 0
        if rows:
            from evc.matching.services import match_texts

            texts = list(by_text)
            results = match_texts(texts, codes, top_k=1000)
            for text, result in zip(texts, results, strict=True):
                suggested = {m.outcome_id for m in result.outcomes}
                for row in by_text[text]:
                    hit = row.outcome_id in suggested
                    tp += hit and row.accepted
                    fp += hit and not row.accepted
                    fn += (not hit) and row.accepted
                    tn += (not hit) and not row.accepted
        total = tp + fp + fn + tn
        # The committee's decisions live with the cases; the unit conclusions the engine stored there
        # (what the assessor saw) are measured against them.
        from evc.assessments.selectors import exemptions_against_decisions

        return {
            "source": "reviews",
            "reviews": len(rows),
            "credentials": len(by_text),
            "accepted": tp + fn,
            "rejected": fp + tn,
            "precision": tp / (tp + fp) if tp + fp else None,
            "recall": tp / (tp + fn) if tp + fn else None,
            "agreement": (tp + tn) / total if total else None,
            "decisions": exemptions_against_decisions(options["programme"] or None),
        }

    # --- output --------------------------------------------------------------------------

    def _print(self, report: dict[str, Any]) -> None:
        if report.get("source") == "reviews":
            self.stdout.write(f"Assessor reviews: {report['reviews']} on {report['credentials']} credentials "
                              f"({report['accepted']} accepted, {report['rejected']} rejected)")
            for key in ("precision", "recall", "agreement"):
                value = report[key]
                self.stdout.write(f"  {key:<10} {'-' if value is None else f'{value:.3f}'}")
            d = report["decisions"]
            self.stdout.write(f"Committee decisions: {d['decided_units']} decided units ({d['granted']} granted); the engine "
                              f"suggested an exemption for {d['exemptions_suggested']}, of which {d['suggested_and_granted']} "
                              "were granted")
            for key in ("exemption_precision", "exemption_recall"):
                value = d[key]
                self.stdout.write(f"  {key:<20} {'-' if value is None else f'{value:.3f}'}")
            return
        self.stdout.write(f"Gold {report['gold']} split={report['split']}: {report['items']} credentials; "
                          f"model {report['model_id']}; weights: {report['weights']}")
        t = report["thresholds"]
        self.stdout.write(f"Thresholds: possible {t['possible']:.3f}, strong {t['strong']:.3f}; "
                          f"baselines ({BASELINES_FROM[t['baselines_from']]}): bm25 >= {t['bm25']:.3f}, cosine >= {t['cosine']:.3f}")
        header = f"{'system':<8}" + "".join(f"{c:>21}" for c in COLUMNS)
        self.stdout.write(header)
        for name, m in report["systems"].items():
            cells = "".join(f"{_fmt(m.get(c)):>21}" for c in COLUMNS)
            self.stdout.write(f"{name:<8}{cells}")
        self.stdout.write("Suggestion precision (share of the suggestions shown that are gold; shown per credential): " + "   ".join(
            f"{name} {_fmt(m.get('suggestion_precision'))} ({m.get('suggestions_per_credential', 0):.1f})"
            for name, m in report["systems"].items()))
        if report["intervals"]["engine"]:
            self.stdout.write(f"95% intervals, engine (Wilson for proportions, {report['intervals']['resamples']} "
                              f"bootstrap resamples for means): {_intervals(report['intervals']['engine'])}")
        self.stdout.write("Ranking only (first ten, no threshold or gate):")
        for name, m in report["ranking_only"].items():
            cross = m.get("cross_lingual") or {}
            self.stdout.write(f"  {name:<8} recall@5 {m.get('recall@5', 0):.3f}  recall@10 {m.get('recall@10', 0):.3f}  "
                              f"mrr {m.get('mrr', 0):.3f}  ndcg@10 {m.get('ndcg@10', 0):.3f}  "
                              f"cross-lingual recall@5 {cross.get('recall@5', 0):.3f}")
        self.stdout.write("Per language pair (recall@5 / recall@10 / mrr / ndcg@10):")
        pairs = sorted({p for m in report["systems"].values() for p in m.get("pairs", {})})
        for pair in pairs:
            parts = []
            for name, m in report["systems"].items():
                pm = m["pairs"].get(pair)
                if pm:
                    parts.append(f"{name} {pm['recall@5']:.3f}/{pm['recall@10']:.3f}/{pm['mrr']:.3f}/{pm['ndcg@10']:.3f}")
            n = next(m["pairs"][pair]["n"] for m in report["systems"].values() if pair in m["pairs"])
            self.stdout.write(f"  {pair:<10} n={n:<3} " + "   ".join(parts))
        cross = [(name, m["cross_lingual"]) for name, m in report["systems"].items() if m.get("cross_lingual")]
        if cross:
            self.stdout.write("Cross-lingual (recall@5 / mrr): " + "   ".join(
                f"{name} {c['recall@5']:.3f}/{c['mrr']:.3f} (n={c['n']})" for name, c in cross))
        cv = report.get("cross_validated_dev")
        if cv:
            cells = "".join(f"{_fmt(cv.get(c)):>21}" for c in COLUMNS)
            cross = (cv.get("cross_lingual") or {}).get("recall@5")
            self.stdout.write(f"Dev, {cv['folds']}-fold cross-validated (fit on the other folds, measured on each):")
            self.stdout.write(f"{'engine':<8}{cells}   cross-lingual recall@5 {_fmt(cross)}   "
                              f"suggestion precision {_fmt(cv.get('suggestion_precision'))} "
                              f"({cv.get('suggestions_per_credential', 0):.1f} shown)")
            if cv.get("intervals"):
                self.stdout.write(f"  95% intervals: {_intervals(cv['intervals'])}")
        by_programme = report.get("cross_validated_by_programme")
        if by_programme:
            self._print_left_out("Dev, one programme left out at a time (fit without that programme's credentials and "
                                 "outcomes, measured on its credentials):", by_programme, by_programme["programmes"], 24)
        by_file = report.get("cross_validated_by_file")
        if by_file:
            self._print_left_out("One gold file left out at a time (fit on the first file and the others, measured on "
                                 "its credentials):", by_file, by_file["files"], 32)
        if report.get("per_programme"):
            self._print_per_programme(report["per_programme"])
        any_m = next(iter(report["systems"].values()))
        self.stdout.write(f"Positives {any_m['n_positive']}, negatives {any_m['n_negative']}, "
                          f"gold exemptions {any_m['exemptions_gold']}; highest attainable recall@5 "
                          f"{_fmt(any_m.get('recall@5_ceiling'))} (items with more than five gold outcomes); "
                          f"{report['seconds']} s")
        for problem in report["skipped"]:
            self.stdout.write(f"skipped: {problem}")
        if report["unknown_gold_outcomes"]:
            self.stdout.write("gold outcomes not in the catalogue: " + ", ".join(report["unknown_gold_outcomes"][:10]))
        if report.get("errors") is not None:
            self._print_errors(report["errors"])

    def _print_left_out(self, title: str, report: dict[str, Any], names: list[str], width: int) -> None:
        cells = "".join(f"{_fmt(report.get(c)):>21}" for c in COLUMNS)
        cross = (report.get("cross_lingual") or {}).get("recall@5")
        self.stdout.write(title)
        self.stdout.write(f"{'engine':<8}{cells}   cross-lingual recall@5 {_fmt(cross)}")
        for name, m in zip(names, report["per_fold"], strict=True):
            self.stdout.write(f"  {name:<{width}} positives {m['n_positive']:<3} recall@5 {_fmt(m.get('recall@5'))}  "
                              f"mrr {_fmt(m.get('mrr'))}  negatives {m['n_negative']:<3} "
                              f"rejection {_fmt(m.get('negative_rejection'))}  exemptions "
                              f"{_fmt(m.get('exemption_precision'))}/{_fmt(m.get('exemption_recall'))}")

    def _print_per_programme(self, report: dict[str, dict[str, Any]]) -> None:
        self.stdout.write("Per credential and programme (its gold cut to that programme): \"together\" is that programme's "
                          "share of the joint ranking, cut at ten after the others are left out; \"alone\" matches it "
                          "against that programme only, as a case is. Rejection on the \"all\" line: elsewhere and "
                          "negative pairs:")
        for kind in ("all", *ev.PAIR_KINDS):
            cells = []
            for mode in ("together", "alone"):
                m = report[mode][kind]
                if m is None:
                    continue
                if kind == "all":
                    cells.append(f"{mode} recall@5 {_fmt(m.get('recall@5'))} mrr {_fmt(m.get('mrr'))} "
                                 f"rejection {_fmt(m.get('negative_rejection'))} exemptions "
                                 f"{_fmt(m.get('exemption_precision'))}/{_fmt(m.get('exemption_recall'))} "
                                 f"suggestion precision {_fmt(m.get('suggestion_precision'))} "
                                 f"({m.get('suggestions_per_credential', 0):.2f} shown)")
                elif kind in ("home", "secondary"):
                    cells.append(f"{mode} recall@5 {_fmt(m.get('recall@5'))} mrr {_fmt(m.get('mrr'))} "
                                 f"suggestion precision {_fmt(m.get('suggestion_precision'))} "
                                 f"({m.get('suggestions_per_credential', 0):.2f} shown)")
                else:
                    cells.append(f"{mode} rejection {_fmt(m.get('negative_rejection'))}")
            if cells:
                self.stdout.write(f"  {kind:<10} n={report['together'][kind]['n']:<5} " + "   ".join(cells))

    def _print_errors(self, errors: list[dict[str, Any]]) -> None:
        self.stdout.write(f"Credentials the engine gets wrong: {len(errors)}")
        for e in errors:
            self.stdout.write(f"  {e['file']} ({e['language'] or '?'}, {e['kind']})")
            for m in e.get("missed", []):
                where = "" if m["place"] is None else f" place {m['place']}, score {m['score']:.3f},"
                self.stdout.write(f"    missed {m['outcome']}:{where} {m['reason']}")
            if e.get("suggested_for_negative"):
                self.stdout.write("    shown for a negative: " + ", ".join(e["suggested_for_negative"]))
            for x in e.get("false_exemptions", []):
                self.stdout.write(f"    false exemption {x['unit']} (coverage {x['coverage']:.2f})")
            for x in e.get("missed_exemptions", []):
                self.stdout.write(f"    missed exemption {x['unit']} (coverage {x['coverage']:.2f}; "
                                  f"{', '.join(x['blockers']) or 'no blocker'})")


def _programmes_beside(gold: Path) -> set[str]:
    """The programmes of the curriculum CSVs in a gold file's folder (a test set's own programme). A CSV
    without a programme_code column is not a curriculum and is passed over."""
    own: set[str] = set()
    for table in sorted(gold.parent.glob("*.csv")):
        try:
            with open(table, encoding="utf-8-sig", newline="") as handle:
                for row in csv.DictReader(handle):
                    # Headers as import_curriculum reads them: case and spaces do not matter.
                    code = next((str(v or "").strip() for k, v in row.items() if str(k or "").strip().lower() == "programme_code"), "")
                    if code:
                        own.add(code)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"{table} (beside {gold}) cannot be read as a curriculum: {exc}", returncode=2) from exc
    missing = sorted(own - set(Programme.objects.filter(code__in=own).values_list("code", flat=True)))
    if missing:
        raise CommandError(f"{gold} is labelled against {', '.join(missing)} (the curriculum beside it), which the "
                           "catalogue does not hold: import it with import_curriculum first.", returncode=2)
    return own


def _score(inputs: Sequence[CredentialInput], scopes: Sequence[Sequence[str]], index: MatchIndex,
           encoder: Encoder | None, model: fusion.FusionModel) -> list[Scored]:
    """Each credential scored against its programmes (`scopes[n]`: its gold file's), addressed in `index` (see
    `ev.lift`)."""
    prepared = [prepare(c) for c in inputs]
    everything = {o.programme for o in index.outcomes}
    position = {o.reference: j for j, o in enumerate(index.outcomes)}
    by_scope: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for n, scope in enumerate(scopes):
        by_scope[tuple(sorted(scope))].append(n)
    scored: list[Scored | None] = [None] * len(inputs)
    for scope, members in by_scope.items():
        local = index if set(scope) >= everything else index_for(list(scope), None, encoder)
        where = np.array([position[o.reference] for o in local.outcomes], dtype=np.int64)
        for start in range(0, len(members), 64):
            chunk = members[start : start + 64]
            vectors = local.encode_prepared([prepared[n] for n in chunk], encoder)
            for n, v in zip(chunk, vectors, strict=True):
                s = local.score(prepared[n], v, model, reserve_all=True)  # completed per model: `ev.engine_ranked`
                scored[n] = s if local is index else ev.lift(s, where, len(index.outcomes))
    assert all(s is not None for s in scored)
    return scored  # type: ignore[return-value]


def _per_programme(picked: Sequence[tuple[ev.GoldItem, CredentialInput, Scored]], joint: Sequence[ev.Ranked],
                   scopes: dict[Path, list[str]], index: MatchIndex, encoder: Encoder | None, model: fusion.FusionModel,
                   outcome_language: dict[str, str]) -> dict[str, Any]:
    """The figures of `ev.pair_metrics` for each credential and programme: the programme's share of the joint ranking
    ("together", `ev.programme_ranked` of `joint`, the engine's uncut rankings: cut at ten after the other programmes
    are left out, so its Recall@k is at least the per-credential one) and the credential matched against that
    programme alone ("alone", what a case shows)."""
    pairs: list[ev.ProgrammePair] = []
    pair_inputs: list[CredentialInput] = []
    together: list[ev.Ranked] = []
    for (item, credential, _), ranked in zip(picked, joint, strict=True):
        for pair in ev.programme_pairs(item, scopes[item.source]):  # type: ignore[index]
            pairs.append(pair)
            pair_inputs.append(credential)
            together.append(ev.programme_ranked(ranked, pair.programme))
    alone = [ev.engine_ranked(index, s, model)
             for s in _score(pair_inputs, [[p.programme] for p in pairs], index, encoder, model)]
    return {"together": ev.pair_metrics(pairs, together, outcome_language),
            "alone": ev.pair_metrics(pairs, alone, outcome_language)}


def _leave_one_file_out(paths: Sequence[Path], own: dict[Path, set[str]], index: MatchIndex,
                        items: Sequence[ev.GoldItem], scored: Sequence[Scored], model_id: str, *,
                        semantic: bool) -> dict[str, Any]:
    """Fit on the first gold file and all others but one, measure that one; one file at a time. The model
    for a file never sees the outcomes of the programmes of the curriculum beside it (its own programme),
    not even as negatives of another file's credentials."""
    others = [p for p in paths[1:] if any(i.source == p for i in items)]
    if not others:
        raise CommandError("--cv-files needs a second gold file with credentials in the fitted splits.", returncode=2)
    # Every fitting credential comes from one of the gold files: the first, or one of the others.
    fold_of = [ev.TRAIN_ONLY if i.source == paths[0] else others.index(i.source) for i in items]
    hidden = {f: np.flatnonzero([o.programme in own[p] for o in index.outcomes]) for f, p in enumerate(others)}
    result = ev.cross_validate(index, scored, items, model_id, semantic=semantic, fold_of=fold_of, hidden=hidden)
    return result | {"files": [p.as_posix() for p in others]}


def _ranking_part(metrics: dict[str, Any]) -> dict[str, Any]:
    keys = ("recall@5", "recall@10", "mrr", "ndcg@10", "n", "cross_lingual")
    return {k: metrics[k] for k in keys if k in metrics}


def _intervals(intervals: dict[str, list[float]]) -> str:
    return "   ".join(f"{name.replace('_', ' ')} {low:.2f}-{high:.2f}" for name, (low, high) in intervals.items())


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"
