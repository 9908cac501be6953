"""Mapping an inventory's distinct competence texts onto programmes, resumably.

The matcher is a plain function `(texts, programme_codes) -> list[TextResult]`; the
real one wraps `evc.matching.api.match_texts`, tests may inject a deterministic fake
with `EVC_EMPLOYER_MATCHER` (a dotted path). Progress lives in `MatchCache`: every
chunk's answers are committed with the run's counter, so a run whose worker was
killed continues from the first text without a cached answer, and the final result
is the same as that of an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypedDict

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from evc.curricula.models import LearningOutcome, Programme, Unit
from evc.employers.models import MappingRun, MatchCache, StaffEntry, competence_text

logger = logging.getLogger("evc.employers")

SUGGESTION_RANK = {"none": 0, "partial": 1, "exemption": 2}
CACHE_FORMAT = "v2"  # bump when the stored answer changes shape: old answers are then not reused


class UnitAnswer(TypedDict, total=False):
    coverage: float
    suggestion: str  # exemption | partial | none
    matched: list[str]  # codes of the unit's outcomes this text evidences
    n: int  # the unit's number of outcomes


class TextResult(TypedDict):
    """What the engine says about one text, per programme: {programme: {unit: answer}}."""

    units: dict[str, dict[str, UnitAnswer]]
    outcomes: dict[str, list[list[Any]]]  # programme -> [[unit, outcome, score], ...] best first


Matcher = Callable[[list[str], list[str]], list[TextResult]]


class MappingError(Exception):
    """The run cannot proceed (unknown programme, engine missing); the message is shown as is."""


# --- the matcher ---------------------------------------------------------------------


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def engine_matcher(texts: list[str], programme_codes: list[str]) -> list[TextResult]:
    """The matching engine, batched; its results converted to our compact form."""
    try:
        from evc.matching.api import MatchingError, match_texts
    except ImportError as exc:
        raise MappingError("The matching engine (evc.matching.api) is not available.") from exc
    try:
        raw = match_texts(texts, programme_codes, top_k=20)
    except MatchingError as exc:
        raise MappingError(str(exc)) from exc
    return [convert_engine_result(item) for item in raw]


def convert_engine_result(item: Any) -> TextResult:
    result: TextResult = {"units": {}, "outcomes": {}}
    for unit in _get(item, "units", []) or []:
        programme = _get(unit, "programme")
        code = _get(unit, "unit")
        result["units"].setdefault(programme, {})[code] = {
            "coverage": round(float(_get(unit, "coverage", 0.0)), 4),
            "suggestion": str(_get(unit, "suggestion", "none")),
            "matched": sorted(_get(unit, "matched_outcomes", ()) or ()),
            "n": int(_get(unit, "outcome_count", 0) or 0),
        }
    for outcome in _get(item, "outcomes", []) or []:
        result["outcomes"].setdefault(_get(outcome, "programme"), []).append(
            [_get(outcome, "unit"), _get(outcome, "outcome"), round(float(_get(outcome, "score", 0.0)), 4)]
        )
    return result


def get_matcher() -> tuple[Matcher, str]:
    """The configured matcher and an id that changes when its answers could change."""
    path = getattr(settings, "EVC_EMPLOYER_MATCHER", "")
    if path:
        matcher = import_string(path)
        return matcher, getattr(matcher, "matcher_id", path)
    from evc.matching.api import engine_fingerprint

    # Another model, refitted weights or changed engine code change the answers: then cached answers must
    # not be reused. The fingerprint names the configured model, so it alone keys them.
    return engine_matcher, f"engine:{engine_fingerprint()}"


# --- catalogue keys ------------------------------------------------------------------


def catalogue_key(programme: Programme, matcher_id: str) -> str:
    """programme code, academic year and a fingerprint of its outcome texts and the matcher."""
    version = programme.current_version()
    if version is None:
        raise MappingError(f"Programme {programme.code} has no curriculum version.")
    digest = hashlib.sha256(matcher_id.encode())
    outcomes = (
        LearningOutcome.objects.filter(unit__version=version)
        .order_by("unit__code", "code")
        .values_list("unit__code", "code", "text")
    )
    for unit_code, code, text in outcomes:
        digest.update(f"\x1e{unit_code}\x1f{code}\x1f{text}".encode())
    digest.update(CACHE_FORMAT.encode())
    return f"{programme.code}@{version.academic_year}#{digest.hexdigest()[:20]}"


def resolve_programmes(codes: Iterable[str]) -> list[Programme]:
    codes = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if not codes:
        raise MappingError("Choose at least one programme.")
    found = {p.code: p for p in Programme.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise MappingError(f"Unknown programme: {', '.join(missing)}.")
    return [found[c] for c in codes]


# --- running -------------------------------------------------------------------------


def distinct_texts(run: MappingRun) -> dict[str, str]:
    """text hash -> text, in a fixed order (by hash) so chunks are the same on every attempt."""
    texts: dict[str, str] = {}
    rows = (
        StaffEntry.objects.filter(staff_import=run.staff_import)
        .order_by("text_hash", "row_number")
        .values_list("text_hash", "competence_title", "competence_description")
    )

    for text_hash, title, description in rows.iterator(chunk_size=5000):
        if text_hash not in texts:
            texts[text_hash] = competence_text(title, description)
    return texts


def _cached_hashes(text_hashes: list[str], key: str) -> set[str]:
    cached: set[str] = set()
    for start in range(0, len(text_hashes), 900):  # stay below SQLite's variable limit
        batch = text_hashes[start : start + 900]
        cached.update(
            MatchCache.objects.filter(catalogue_key=key, text_hash__in=batch).values_list(
                "text_hash", flat=True
            )
        )
    return cached


def mapping_run_execute(*, run_id: int, chunk_size: int | None = None) -> MappingRun:
    """The task body: idempotent and resumable. Safe to call again after a crash or when done."""
    chunk_size = chunk_size or getattr(settings, "EVC_EMPLOYER_CHUNK_SIZE", 64)
    run = MappingRun.objects.select_related("staff_import", "organisation").get(pk=run_id)
    if run.status == MappingRun.Status.DONE:
        return run
    matcher, _matcher_id = get_matcher()
    programme_codes: list[str] = list(run.programme_codes)
    keys: list[str] = list(run.catalogue_keys)
    MappingRun.objects.filter(pk=run.pk).update(
        status=MappingRun.Status.RUNNING,
        attempts=run.attempts + 1,
        started_at=run.started_at or timezone.now(),
        error="",
    )
    try:
        texts = distinct_texts(run)
        hashes = list(texts)
        # A text is done once it has an answer for every chosen programme.
        cached_per_key = {key: _cached_hashes(hashes, key) for key in keys}
        remaining = [h for h in hashes if not all(h in cached_per_key[k] for k in keys)]
        done = len(hashes) - len(remaining)
        MappingRun.objects.filter(pk=run.pk).update(total=len(hashes), done=done)
        for start in range(0, len(remaining), chunk_size):
            chunk = remaining[start : start + chunk_size]
            answers = matcher([texts[h] for h in chunk], programme_codes)
            if len(answers) != len(chunk):
                raise MappingError("The matcher returned a different number of results than texts.")
            rows = []
            for text_hash, answer in zip(chunk, answers, strict=True):
                for code, key in zip(programme_codes, keys, strict=True):
                    if text_hash in cached_per_key[key]:
                        continue
                    rows.append(
                        MatchCache(
                            text_hash=text_hash,
                            catalogue_key=key,
                            result={
                                "units": answer["units"].get(code, {}),
                                "outcomes": answer["outcomes"].get(code, [])[:20],
                            },
                        )
                    )
            done += len(chunk)
            # One transaction per chunk: answers and the counter move together.
            with transaction.atomic():
                MatchCache.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
                MappingRun.objects.filter(pk=run.pk).update(done=done)
        result = aggregate_run(run)
        MappingRun.objects.filter(pk=run.pk).update(
            status=MappingRun.Status.DONE, result=result, finished_at=timezone.now(), done=len(hashes)
        )
    except MappingError as exc:
        MappingRun.objects.filter(pk=run.pk).update(status=MappingRun.Status.FAILED, error=str(exc))
        raise
    except Exception:
        # The traceback goes to the task result; the person sees a sentence and can retry
        # (a retry continues from the answers already cached).
        logger.exception("mapping run %s failed", run.pk)
        MappingRun.objects.filter(pk=run.pk).update(
            status=MappingRun.Status.FAILED, error="The mapping stopped unexpectedly; try again."
        )
        raise
    run.refresh_from_db()
    return run


# --- aggregation ---------------------------------------------------------------------


def employee_unit_status(run: MappingRun) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Per employee key: department, role and best answer per unit; plus the programme catalogue.

    Internal only: the employee keys never leave this module except for the employee's own view.
    """
    programmes = []
    for code, key in zip(run.programme_codes, run.catalogue_keys, strict=True):
        programme = Programme.objects.get(code=code)
        version = programme.current_version()
        units = list(Unit.objects.filter(version=version).order_by("code").values("code", "name", "ects"))
        programmes.append(
            {
                "code": code,
                "name": programme.name,
                "key": key,
                "units": [{"code": u["code"], "name": u["name"], "ects": float(u["ects"])} for u in units],
            }
        )

    answers: dict[str, dict[str, tuple[int, float, tuple[str, ...], int]]] = {}
    wanted = sorted(
        set(StaffEntry.objects.filter(staff_import=run.staff_import).values_list("text_hash", flat=True))
    )
    for programme in programmes:
        for start in range(0, len(wanted), 900):
            cache = MatchCache.objects.filter(
                catalogue_key=programme["key"], text_hash__in=wanted[start : start + 900]
            ).values_list("text_hash", "result")
            _collect_answers(answers, programme["code"], cache)

    staff: dict[str, dict[str, Any]] = {}
    combined: dict[tuple[str, str], set[str]] = {}  # (employee, unit) -> outcomes evidenced by any entry
    entries = (
        StaffEntry.objects.filter(staff_import=run.staff_import)
        .order_by("row_number")
        .values_list("employee_key", "department", "role", "text_hash")
    )
    for key, department, role, text_hash in entries.iterator(chunk_size=5000):
        person = staff.setdefault(key, {"department": department, "role": role, "units": {}, "n": {}})
        for ref, (rank, coverage, matched, n) in answers.get(text_hash, {}).items():
            best = person["units"].get(ref)
            if best is None or (rank, coverage) > best:
                person["units"][ref] = (rank, coverage)
            if rank and matched:
                combined.setdefault((key, ref), set()).update(matched)
                person["n"][ref] = n
    # Entries together: if a person's entries between them evidence every outcome of a unit,
    # the person could be exempted even when no single entry covers it all.
    for (key, ref), outcomes in combined.items():
        person = staff[key]
        n = person["n"].get(ref, 0)
        if n and len(outcomes) >= n:
            person["units"][ref] = (SUGGESTION_RANK["exemption"], 1.0)
    for person in staff.values():
        del person["n"]
    return staff, programmes


def _collect_answers(
    answers: dict[str, dict[str, tuple[int, float, tuple[str, ...], int]]],
    programme_code: str,
    cache: Iterable[tuple[str, Any]],
) -> None:
    for text_hash, result in cache:
        per_text = answers.setdefault(text_hash, {})
        for unit_code, answer in (result.get("units") or {}).items():
            per_text[f"{programme_code}/{unit_code}"] = (
                SUGGESTION_RANK.get(answer["suggestion"], 0),
                float(answer["coverage"]),
                tuple(answer.get("matched") or ()),
                int(answer.get("n") or 0),
            )


def aggregate_run(run: MappingRun) -> dict[str, Any]:
    """Counts per group and unit. No employee keys; suppression is applied when shown."""
    staff, programmes = employee_unit_status(run)
    unit_refs = [f"{p['code']}/{u['code']}" for p in programmes for u in p["units"]]

    def group_stats(label_of: Callable[[dict[str, Any]], str]) -> list[dict[str, Any]]:
        groups: dict[str, dict[str, Any]] = {}
        for person in staff.values():
            label = label_of(person)
            group = groups.setdefault(
                label, {"label": label, "department": person["department"], "staff": 0, "cells": {}}
            )
            group["staff"] += 1
            for ref, (rank, _coverage) in person["units"].items():
                if rank == 0:
                    continue
                cell = group["cells"].setdefault(ref, {"exemption": 0, "partial": 0})
                cell["exemption" if rank == 2 else "partial"] += 1
        return sorted(groups.values(), key=lambda g: g["label"].casefold())

    totals: dict[str, dict[str, int]] = {ref: {"exemption": 0, "partial": 0} for ref in unit_refs}
    for person in staff.values():
        for ref, (rank, _coverage) in person["units"].items():
            if rank and ref in totals:
                totals[ref]["exemption" if rank == 2 else "partial"] += 1
    return {
        "staff_total": len(staff),
        "programmes": [{k: v for k, v in p.items() if k != "key"} for p in programmes],
        "groups": {
            "department": group_stats(lambda p: p["department"]),
            "role": group_stats(lambda p: f"{p['department']} / {p['role']}"),
        },
        "units": totals,
    }


def employee_mapping(run: MappingRun, employee_key: str) -> list[dict[str, Any]]:
    """One employee's own entries with the units each one covers: only for that employee."""
    entries = StaffEntry.objects.filter(staff_import=run.staff_import, employee_key=employee_key).order_by(
        "row_number"
    )
    unit_names = {
        f"{p.code}/{u.code}": u.name
        for p in Programme.objects.filter(code__in=run.programme_codes)
        for u in Unit.objects.filter(version=p.current_version())
    }
    out = []
    for entry in entries:
        units = []
        for code, key in zip(run.programme_codes, run.catalogue_keys, strict=True):
            cache = MatchCache.objects.filter(text_hash=entry.text_hash, catalogue_key=key).first()
            for unit_code, answer in ((cache.result if cache else {}).get("units") or {}).items():
                if answer["suggestion"] == "none":
                    continue
                ref = f"{code}/{unit_code}"
                units.append(
                    {
                        "ref": ref,
                        "name": unit_names.get(ref, unit_code),
                        "suggestion": answer["suggestion"],
                        "coverage": answer["coverage"],
                        "matched": answer.get("matched") or [],
                        "n": answer.get("n") or 0,
                    }
                )
        units.sort(key=lambda u: (-SUGGESTION_RANK[u["suggestion"]], -u["coverage"]))
        out.append({"entry": entry, "units": units})
    return out


def combined_units(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Units whose every outcome is evidenced by the employee's entries together (not by one alone)."""
    matched: dict[str, set[str]] = {}
    info: dict[str, dict[str, Any]] = {}
    for item in items:
        for unit in item["units"]:
            matched.setdefault(unit["ref"], set()).update(unit["matched"])
            info[unit["ref"]] = unit
    out = []
    for ref, outcomes in matched.items():
        n = info[ref]["n"]
        single = any(
            u["ref"] == ref and u["suggestion"] == "exemption" for item in items for u in item["units"]
        )
        if n and len(outcomes) >= n and not single:
            out.append(
                {
                    "ref": ref,
                    "name": info[ref]["name"],
                    "entries": sum(1 for item in items if any(u["ref"] == ref for u in item["units"])),
                }
            )
    return sorted(out, key=lambda u: u["ref"])
