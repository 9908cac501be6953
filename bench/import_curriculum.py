"""Generate a 10,000-outcome interchange CSV and time `import_curriculum` on it.

Run: .venv/bin/python bench/import_curriculum.py  (uses a throwaway SQLite database)
Prints the first import (all rows new), a re-import (all unchanged) and, as a same-run
reference, the time pandas alone needs to read and validate the file.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def generate(path: Path, outcomes: int = 10_000) -> None:
    header = ["programme_code", "programme_name", "unit_code", "unit_name", "unit_ects", "eqf_level",
              "outcome_code", "outcome_text", "language"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i in range(outcomes):
            programme, unit = i // 2500, i // 5
            writer.writerow([
                f"BENCH-{programme}", f"Bench programme {programme}", f"U{unit:04d}", f"Unit {unit}",
                "5", "6", f"U{unit:04d}-LO{i % 5 + 1}",
                f"The student applies technique {i} to analyse and improve process {unit} in context {i % 37}.",
                "en" if i % 3 else "nl",
            ])


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evc.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from evc.curricula.services import _parse_rows, _read_table, curriculum_import

    call_command("migrate", verbosity=0)
    path = tmp / "bench.csv"
    generate(path)

    start = time.perf_counter()
    rows, errors = _parse_rows(_read_table(path, path.name))
    parse = time.perf_counter() - start
    assert not errors and len(rows) == 10_000

    start = time.perf_counter()
    first = curriculum_import(path, academic_year="2026-2027")
    fresh = time.perf_counter() - start
    start = time.perf_counter()
    again = curriculum_import(path, academic_year="2026-2027")
    repeat = time.perf_counter() - start

    print(f"outcomes: {first.outcomes_created} created; re-import: {again.outcomes_unchanged} unchanged")
    print(f"read+validate only : {parse:6.2f} s  (reference)")
    print(f"first import       : {fresh:6.2f} s  ({fresh / parse:.1f}x reference; target < 10 s)")
    print(f"re-import (no-op)  : {repeat:6.2f} s  ({repeat / parse:.1f}x reference)")


if __name__ == "__main__":
    main()
