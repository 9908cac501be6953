"""Deterministic stand-ins for the matching engine, for tests where the engine is not under test.

`keyword_matcher` says a text covers a unit when it contains the unit's code in brackets,
e.g. "[CLOUD]" (exemption, every outcome) or "[CLOUD?]" / "[CLOUD?2]" (partial: the first /
second outcome only): tests decide the outcome by the text.
`slow_matcher` does the same but sleeps per text and logs what it matched, so a test can
kill a worker mid-run and count what each attempt did.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from evc.curricula.models import Programme, Unit

CALLS: list[list[str]] = []  # texts per call, for the dedup tests
_TAG = re.compile(r"\[([A-Z0-9-]+)(\?\d?)?\]")


def keyword_matcher(texts: list[str], programme_codes: list[str]) -> list[dict]:
    CALLS.append(list(texts))
    outcomes = {
        code: {
            unit.code: sorted(unit.outcomes.values_list("code", flat=True))
            for unit in Unit.objects.filter(version=Programme.objects.get(code=code).current_version())
        }
        for code in programme_codes
    }
    results = []
    for text in texts:
        result: dict = {"units": {}, "outcomes": {}}
        for unit_code, partial in _TAG.findall(text):
            for programme, units in outcomes.items():
                if unit_code in units:
                    codes = units[unit_code]
                    # "[UNIT]" evidences every outcome, "[UNIT?]" only the first, "[UNIT?2]" only the
                    # second: partial entries of one person can add up to the whole unit.
                    matched = codes if not partial else codes[int(partial[1:] or 1) - 1 : int(partial[1:] or 1)]
                    result["units"].setdefault(programme, {})[unit_code] = {
                        "coverage": round(len(matched) / max(len(codes), 1), 4),
                        "suggestion": "partial" if partial else "exemption",
                        "matched": matched,
                        "n": len(codes),
                    }
                    result["outcomes"].setdefault(programme, []).append([unit_code, f"{unit_code}-1", 0.9])
        results.append(result)
    return results


keyword_matcher.matcher_id = "fake-keyword-v1"  # type: ignore[attr-defined]


def slow_matcher(texts: list[str], programme_codes: list[str]) -> list[dict]:
    delay = float(os.environ.get("EVC_FAKE_MATCHER_DELAY", "0.05"))
    log = os.environ.get("EVC_FAKE_MATCHER_LOG")
    time.sleep(delay * len(texts))
    if log:
        with Path(log).open("a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {len(texts)}\n")
    return keyword_matcher(texts, programme_codes)


slow_matcher.matcher_id = "fake-keyword-v1"  # type: ignore[attr-defined]
