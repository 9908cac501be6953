"""Read the curriculum interchange CSV (ARCHITECTURE §4.1) straight into engine dataclasses.

For tools and tests that match without a database; the application reads the catalogue
from the database instead (`evc.matching.services`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from .results import CatalogueOutcome, CatalogueUnit
from .signals import split_refs


def read_catalogue(paths: Iterable[Path | str]) -> tuple[list[CatalogueOutcome], list[CatalogueUnit]]:
    outcomes: list[CatalogueOutcome] = []
    units: dict[str, CatalogueUnit] = {}
    for path in paths:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                programme, unit = row["programme_code"].strip(), row["unit_code"].strip()
                unit_ref = f"{programme}/{unit}"
                if unit_ref not in units:
                    units[unit_ref] = CatalogueUnit(
                        reference=unit_ref, programme=programme, code=unit, name=row["unit_name"].strip(),
                        name_en=(row.get("unit_name_en") or "").strip(), description=(row.get("unit_description") or "").strip(),
                        ects=float(row["unit_ects"]), eqf_level=int(row["eqf_level"]),
                    )
                outcomes.append(
                    CatalogueOutcome(
                        reference=f"{unit_ref}/{row['outcome_code'].strip()}", programme=programme, unit=unit,
                        code=row["outcome_code"].strip(), text=row["outcome_text"].strip(),
                        language=row["language"].strip(), framework_refs=split_refs(row.get("framework_refs") or ""),
                    )
                )
    return outcomes, list(units.values())
