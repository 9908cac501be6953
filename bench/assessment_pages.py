"""Benchmark: the assessor queue, the case page and the review page with 1,000 cases.

    .venv/bin/python bench/assessment_pages.py [--cases 1000] [--repeat 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evc_bench .venv/bin/python bench/assessment_pages.py

Builds a throw-away database (SQLite in a temporary directory, or with DATABASE_URL a
PostgreSQL test database "test_<name>" that is dropped afterwards; var/ is not touched): the shipped
HBO-ICT and Lerarenopleiding catalogues, five assessors and N cases spread over every open state,
each with 3 units, a credential, suggestions, reviews and an audit trail. Then it requests each
page `--repeat` times through Django's test client (the whole middleware and template stack,
no network) and prints the number of SQL queries and the median/p95 wall time per page, next
to a reference measured in the same run: the lead's public catalogue page (`curricula:programme_list`),
a plain page with a small query. Ratios (page / reference) are the steadier figure on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _setup(var_dir: Path) -> Callable[[], None]:
    """Set up Django on a fresh database; returns the clean-up for a PostgreSQL test database."""
    sys.path.insert(0, str(ROOT))
    os.environ["EVC_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evc.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ.setdefault("EVC_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)
        return lambda: None
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    return lambda: connection.creation.destroy_test_db(original, verbosity=0)


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    times, last = [], None
    fn()  # warm caches (templates, translations) once
    for _ in range(repeat):
        start = time.perf_counter()
        last = fn()
        times.append(time.perf_counter() - start)
    return times, last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="evc-bench-") as tmp:
        cleanup = _setup(Path(tmp))
        try:
            _run(args)
        finally:
            cleanup()
    return 0


def _run(args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from evc.assessments.bulk import bulk_cases, ensure_assessors
    from evc.assessments.models import Case
    from evc.curricula.models import Programme
    from evc.curricula.services import curriculum_import

    settings.ALLOWED_HOSTS = ["testserver"]
    for name in ("hbo-ict-se.csv", "leraren-engels.csv"):
        curriculum_import(ROOT / "curricula" / name, filename=name)
    versions = [p.current_version() for p in Programme.objects.all()]
    assessors = ensure_assessors(5)
    start = time.perf_counter()
    bulk_cases(args.cases, versions=versions, assessors=assessors, units_per_case=3)
    built = time.perf_counter() - start
    assessor = assessors[0]
    case = Case.objects.filter(assessors=assessor, state="in_assessment").order_by("pk").first()
    assigned = Case.objects.filter(assessors=assessor).count()

    client = Client()
    client.force_login(assessor)
    pages = {
        "reference: catalogue": reverse("curricula:programme_list"),
        "queue (first page of 50)": reverse("assessments:queue"),
        "queue sorted by age, htmx": reverse("assessments:queue") + "?sort=-age&page=2",
        "case page": reverse("assessments:case_detail", args=[case.pk]),
        "review page": reverse("assessments:case_review", args=[case.pk]),
    }
    htmx = {"HTTP_HX_REQUEST": "true"}
    print(f"{args.cases} cases built in {built:.1f} s; assessor has {assigned} assigned; "
          f"database: {connection.vendor}; repeat {args.repeat}x per page")
    rows, reference = [], None
    for label, url in pages.items():
        extra = htmx if "htmx" in label else {}

        def get(url: str = url, extra: dict[str, str] = extra) -> Any:
            response = client.get(url, **extra)
            assert response.status_code == 200, (url, response.status_code)
            return response

        reset_queries()  # the log is a bounded deque: full after the bulk build, so start empty
        with CaptureQueriesContext(connection) as queries:
            get()
        times, response = _timed(get, args.repeat)
        median = statistics.median(times)
        p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
        if reference is None:
            reference = median
        rows.append((label, len(queries), median * 1000, p95 * 1000, median / reference, len(response.content)))
    print(f"{'page':<28} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'x ref':>6} {'KB':>6}")
    for label, q, med, p95, ratio, size in rows:
        print(f"{label:<28} {q:>7} {med:>10.1f} {p95:>8.1f} {ratio:>6.1f} {size / 1024:>6.0f}")


if __name__ == "__main__":
    raise SystemExit(main())
