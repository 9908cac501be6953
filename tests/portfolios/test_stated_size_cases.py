"""The study-load rules against evaluation/stated-size/cases.jsonl: 80 credential texts with the size a
careful assessor records (see that folder's README)."""

from __future__ import annotations

import json
from pathlib import Path

from evc.portfolios.claims import Claim
from evc.portfolios.formats.stated_in_text import complete_from_text

CASES = Path(__file__).resolve().parents[2] / "evaluation" / "stated-size" / "cases.jsonl"
FIELDS = ("hours", "ects", "eqf_level", "nlqf_level")


def test_the_rules_read_what_assessors_record_and_never_more() -> None:
    cases = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(cases) == 80
    right = {f: 0 for f in FIELDS}
    stated = {f: 0 for f in FIELDS}
    too_much: list[str] = []
    for case in cases:
        claim = Claim(title=case["title"], description=case["description"], criteria=case.get("criteria", ""))
        complete_from_text(claim)
        for field in FIELDS:
            expected, got = case["expected"][field], getattr(claim, field)
            got = None if got is None else float(got)
            stated[field] += expected is not None
            if expected is not None and got is not None and abs(got - float(expected)) < 0.01:
                right[field] += 1
            # The costly direction: a size the text does not state, or a larger one, can let an
            # exemption through that "unknown" or the true size would block.
            elif got is not None and (expected is None or got > float(expected)):
                too_much.append(f"{case['id']}: {field} {got} (expected {expected})")
    assert too_much == []
    for field in FIELDS:
        assert right[field] / stated[field] >= 0.9, (field, right[field], stated[field])
