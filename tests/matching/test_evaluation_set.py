"""The labelled evaluation sets stay consistent: every figure in the notes rests on them.

Each gold line names a credential the intake can read, outcomes and units that exist in the
catalogue it is labelled against, and an exemption only where every outcome of the unit is gold.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from evc.curricula.models import LearningOutcome
from evc.matching import evaluation as ev
from evc.matching.engine import text as textmod
from evc.matching.engine.catalogue_csv import read_catalogue
from evc.portfolios.intake import inspect_credential

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "curricula").glob("*.csv"))
# The blind sets: each adds a programme the engine was never fitted on.
UNSEEN = {
    "unseen": ROOT / "evaluation" / "unseen" / "logistiek-management.csv",
    "unseen-2": ROOT / "evaluation" / "unseen-2" / "sociaal-werk.csv",
    "unseen-3": ROOT / "evaluation" / "unseen-3" / "human-resource-management.csv",
    "unseen-4": ROOT / "evaluation" / "unseen-4" / "communicatie.csv",
    "unseen-5": ROOT / "evaluation" / "unseen-5" / "fysiotherapie.csv",
    "unseen-6": ROOT / "evaluation" / "unseen-6" / "werktuigbouwkunde.csv",
    "unseen-7": ROOT / "evaluation" / "unseen-7" / "biologie-medisch-laboratoriumonderzoek.csv",
    "unseen-8": ROOT / "evaluation" / "unseen-8" / "international-business.csv",
    "unseen-9": ROOT / "evaluation" / "unseen-9" / "leraar-basisonderwijs.csv",
    "unseen-10": ROOT / "evaluation" / "unseen-10" / "finance-control.csv",
    "unseen-11": ROOT / "evaluation" / "unseen-11" / "hbo-rechten.csv",
    "unseen-12": ROOT / "evaluation" / "unseen-12" / "bouwkunde.csv",
    "unseen-13": ROOT / "evaluation" / "unseen-13" / "hotel-hospitality-management.csv",
    "unseen-14": ROOT / "evaluation" / "unseen-14" / "voeding-en-dietetiek.csv",
    "unseen-15": ROOT / "evaluation" / "unseen-15" / "elektrotechniek.csv",
    "unseen-16": ROOT / "evaluation" / "unseen-16" / "ruimtelijke-ordening-planologie.csv",
    "unseen-17": ROOT / "evaluation" / "unseen-17" / "maritiem-officier.csv",
    "unseen-18": ROOT / "evaluation" / "unseen-18" / "toegepaste-psychologie.csv",
    "unseen-19": ROOT / "evaluation" / "unseen-19" / "dier-en-veehouderij.csv",
    "unseen-20": ROOT / "evaluation" / "unseen-20" / "mondzorgkunde.csv",
    "unseen-21": ROOT / "evaluation" / "unseen-21" / "journalistiek.csv",
    "unseen-22": ROOT / "evaluation" / "unseen-22" / "vastgoed-en-makelaardij.csv",
    "unseen-23": ROOT / "evaluation" / "unseen-23" / "facility-management.csv",
    "unseen-24": ROOT / "evaluation" / "unseen-24" / "lichamelijke-opvoeding.csv",
    "unseen-25": ROOT / "evaluation" / "unseen-25" / "verloskunde.csv",
    "unseen-26": ROOT / "evaluation" / "unseen-26" / "industrieel-product-ontwerpen.csv",
    "unseen-27": ROOT / "evaluation" / "unseen-27" / "logopedie.csv",
    "unseen-28": ROOT / "evaluation" / "unseen-28" / "integrale-veiligheidskunde.csv",
    "unseen-29": ROOT / "evaluation" / "unseen-29" / "watermanagement.csv",
    "unseen-30": ROOT / "evaluation" / "unseen-30" / "chemische-technologie.csv",
    "unseen-31": ROOT / "evaluation" / "unseen-31" / "docent-muziek.csv",
    "unseen-32": ROOT / "evaluation" / "unseen-32" / "optometrie.csv",
    "unseen-33": ROOT / "evaluation" / "unseen-33" / "bestuurskunde.csv",
    "unseen-34": ROOT / "evaluation" / "unseen-34" / "luchtvaarttechniek.csv",
    "unseen-35": ROOT / "evaluation" / "unseen-35" / "vaktherapie.csv",
    "unseen-36": ROOT / "evaluation" / "unseen-36" / "forensisch-onderzoek.csv",
    "unseen-37": ROOT / "evaluation" / "unseen-37" / "autotechniek.csv",
    "unseen-38": ROOT / "evaluation" / "unseen-38" / "medische-beeldvorming-radiotherapie.csv",
    "unseen-39": ROOT / "evaluation" / "unseen-39" / "bos-en-natuurbeheer.csv",
    "unseen-40": ROOT / "evaluation" / "unseen-40" / "ergotherapie.csv",
    "unseen-41": ROOT / "evaluation" / "unseen-41" / "vertalen.csv",
    "unseen-42": ROOT / "evaluation" / "unseen-42" / "pedagogiek.csv",
    "unseen-43": ROOT / "evaluation" / "unseen-43" / "huidtherapie.csv",
    "unseen-44": ROOT / "evaluation" / "unseen-44" / "commerciele-economie.csv",
    "unseen-45": ROOT / "evaluation" / "unseen-45" / "toerisme.csv",
    "unseen-46": ROOT / "evaluation" / "unseen-46" / "cmgt.csv",
    "unseen-47": ROOT / "evaluation" / "unseen-47" / "mhv.csv",
    "unseen-48": ROOT / "evaluation" / "unseen-48" / "tw.csv",
}
SETS = {
    "main": (ROOT / "evaluation" / "gold.jsonl", SHIPPED, {"dev", "holdout"}),
    "holdout-2": (ROOT / "evaluation" / "holdout-2" / "gold.jsonl", SHIPPED, {"holdout"}),
    **{name: (csv.parent / "gold.jsonl", [*SHIPPED, csv], {"unseen"}) for name, csv in UNSEEN.items()},
}


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_gold_line_names_a_readable_credential_and_real_outcomes(name, settings):
    settings.EVC_FETCH_REMOTE = False
    gold, catalogue, splits = SETS[name]
    outcomes, _ = read_catalogue(catalogue)
    known = {o.reference for o in outcomes}
    members: dict[str, set[str]] = {}
    for o in outcomes:
        members.setdefault(f"{o.programme}/{o.unit}", set()).add(o.reference)
    items = ev.load_gold(gold)
    assert len({i.file for i in items}) == len(items), "a credential is listed twice"
    problems = []
    for item in items:
        if item.path is None:
            problems.append(f"{item.file}: no such file")
            continue
        claim = inspect_credential(item.path.read_bytes(), item.path.name).claim
        if claim is None or not claim.matching_text().strip():
            problems.append(f"{item.file}: the intake reads no text")
        if item.split not in splits or item.kind not in {"positive", "negative"} or item.language not in {"nl", "en"}:
            problems.append(f"{item.file}: split {item.split!r}, kind {item.kind!r}, language {item.language!r}")
        if (item.kind == "negative") != (not item.outcomes):
            problems.append(f"{item.file}: kind {item.kind} with {len(item.outcomes)} gold outcomes")
        problems += [f"{item.file}: unknown outcome {ref}" for ref in item.outcomes if ref not in known]
        for unit in sorted(item.exemptions):
            if not members.get(unit, {None}) <= set(item.outcomes):
                problems.append(f"{item.file}: exemption {unit} without every outcome of the unit")
    assert problems == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(UNSEEN))
def test_an_unseen_curriculum_imports_beside_the_shipped_catalogue(name):
    call_command("import_curriculum", *map(str, [*SHIPPED, UNSEEN[name]]), stdout=io.StringIO())
    outcomes, _ = read_catalogue([UNSEEN[name]])
    imported = LearningOutcome.objects.filter(unit__version__programme__code=outcomes[0].programme).count()
    assert imported == len(outcomes) > 0


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_labelled_gap_sentence_is_a_sentence_of_a_fitted_credential(name, settings):
    """The labels of `ev.GAP_LABELS` name sentences as the engine splits them: a change to the splitter or to a
    credential that unlabels one must fail here, not quietly shrink the gap reading's training data. No holdout
    credential is labelled (nothing is fitted on them)."""
    from evc.matching.engine.matcher import prepare
    from evc.matching.services import credential_input

    settings.EVC_FETCH_REMOTE = False
    gold = SETS[name][0]
    labels = ev.load_gap_labels(gold.parent / ev.GAP_LABELS)
    if labels is None:
        assert name == "holdout-2", f"{name}: no {ev.GAP_LABELS}"
        return
    items = {i.file: i for i in ev.load_gold(gold)}
    problems = []
    for file, (gaps, doubts) in labels.items():
        item = items.get(file)
        if item is None or item.split == "holdout" or item.path is None:
            problems.append(f"{file}: not a fitted credential of {gold.name}")
            continue
        claim = inspect_credential(item.path.read_bytes(), item.path.name).claim
        sentences = {textmod.fold(s) for s in prepare(credential_input(claim, verified=None)).sentences}
        problems += [f"{file}: {s!r} is not one of its sentences" for s in sorted((gaps | doubts) - sentences)]
        if not gaps and not doubts:
            problems.append(f"{file}: listed with no sentence")
    assert problems == []
