"""Benchmark: import and map a realistic staff inventory (5,000 staff × 8 entries, ~800 distinct texts).

    .venv/bin/python bench/employer_mapping.py [--staff 5000] [--entries 8] [--distinct 800]
        [--programme CODE ...] [--keep-db PATH]

Runs against a fresh SQLite file (migrated first, not timed) so the dev database is not touched.
Prints the time of import and mapping next to the time the same engine's encoder needs just to
encode the distinct competence texts, measured in the same process: the ratio says how much the
mapping costs beyond the unavoidable encoding. Target: import + map under 60 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--entries", type=int, default=8)
    parser.add_argument("--distinct", type=int, default=800)
    parser.add_argument("--programme", action="append", default=None)
    parser.add_argument("--keep-db", default="")
    args = parser.parse_args()
    programmes = args.programme or ["FSA-ZORGVERZEKERINGEN", "BIM", "HBO-ICT-SE"]

    db_path = Path(args.keep_db) if args.keep_db else Path(tempfile.mkdtemp(prefix="evc-bench-")) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evc.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from evc.curricula.services import curriculum_import
    from evc.employers import sample, services
    from evc.employers.mapping import distinct_texts, mapping_run_execute
    from evc.employers.report import build_report
    from evc.matching.api import match_texts
    from evc.matching.engine.encoders import get_encoder

    call_command("migrate", verbosity=0, interactive=False)
    for path in sorted((ROOT / "curricula").glob("*.csv")):
        curriculum_import(path, filename=path.name)

    rows = sample.generate_rows(staff=args.staff, entries=args.entries, distinct=args.distinct)
    data = sample.to_csv(rows)
    print(f"inventory: {len(rows):,} rows, {args.staff:,} staff, {len(data) / 1e6:.1f} MB CSV; programmes: {', '.join(programmes)}")

    # Once per process / catalogue version, not per inventory: load the model and build the
    # catalogue index (outcome embeddings are cached in the database after the first time).
    t = time.perf_counter()
    encoder = get_encoder(settings.EVC_EMBEDDING_BACKEND, settings.EVC_EMBEDDING_MODEL_PATH)
    match_texts(["Declaraties beoordelen"], programmes)
    load_s = time.perf_counter() - t

    organisation = services.organisation_get_or_create(code="bench", name="Bench zorgverzekeraar")
    t = time.perf_counter()
    staff_import = services.staff_import_file(organisation=organisation, data=data, filename="bench.csv")
    import_s = time.perf_counter() - t

    t = time.perf_counter()
    run = services.mapping_run_create(organisation=organisation, programme_codes=programmes)
    run = mapping_run_execute(run_id=run.pk)
    map_s = time.perf_counter() - t
    assert run.status == "done", run.error

    texts = list(distinct_texts(run).values())
    t = time.perf_counter()
    encoder.encode(texts)
    encode_s = time.perf_counter() - t

    t = time.perf_counter()
    again = services.mapping_run_create(organisation=organisation, programme_codes=programmes)
    mapping_run_execute(run_id=again.pk)
    cached_s = time.perf_counter() - t

    report = build_report(run.result)
    total = import_s + map_s
    print(f"model + index  : {encoder.model_id} ({load_s:.1f} s: model load and catalogue index, once per process; not counted)")
    print(f"import         : {import_s:6.1f} s  ({staff_import.row_count:,} rows, {staff_import.staff_count:,} staff)")
    print(f"map            : {map_s:6.1f} s  ({run.total} distinct texts; {len(report.units)} units; {len(report.uncovered_units)} uncovered)")
    print(f"import + map   : {total:6.1f} s  (target < 60 s: {'met' if total < 60 else 'NOT met'})")
    print(f"encode only    : {encode_s:6.1f} s  ({len(texts)} distinct texts, same encoder, same process)")
    print(f"ratio          : map / encode = {map_s / encode_s if encode_s else float('nan'):.1f}×, "
          f"(import + map) / encode = {total / encode_s if encode_s else float('nan'):.1f}×")
    print(f"re-map, cached : {cached_s:6.1f} s  (same texts and catalogue: answers come from the cache)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
