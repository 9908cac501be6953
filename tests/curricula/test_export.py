from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from evc.curricula.models import LearningOutcome
from evc.curricula.services import REQUIRED_COLUMNS, curriculum_import

SHIPPED = Path(__file__).resolve().parents[2] / "curricula"


@pytest.mark.django_db
def test_export_then_import_round_trips_the_shipped_catalogue(tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = next(iter(sorted(SHIPPED.glob("*.csv"))))
    curriculum_import(source, academic_year="2026-2027")
    code = pd.read_csv(source, dtype=str)["programme_code"].iloc[0]
    out = io.StringIO()
    call_command("export_curriculum", "--programme", code, stdout=out)
    exported = out.getvalue()
    assert exported.splitlines()[0].startswith(",".join(REQUIRED_COLUMNS))
    original = pd.read_csv(source, dtype=str, keep_default_na=False)
    again = pd.read_csv(io.StringIO(exported), dtype=str, keep_default_na=False)
    key = ["unit_code", "outcome_code"]
    left = original[REQUIRED_COLUMNS].sort_values(key).reset_index(drop=True)
    right = again[REQUIRED_COLUMNS].sort_values(key).reset_index(drop=True)
    left["unit_ects"] = left["unit_ects"].astype(float)
    right["unit_ects"] = right["unit_ects"].astype(float)
    pd.testing.assert_frame_equal(left, right)

    # importing the export into a new year reproduces the same texts
    path = tmp_path / "export.csv"
    path.write_text(exported, encoding="utf-8")
    summary = curriculum_import(path, academic_year="2027-2028")
    assert summary.outcomes_created == len(original)
    texts = lambda year: sorted(LearningOutcome.objects.filter(unit__version__academic_year=year).values_list("text", flat=True))  # noqa: E731
    assert texts("2026-2027") == texts("2027-2028")


@pytest.mark.django_db
def test_export_to_xlsx(catalogue, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "out.xlsx"
    call_command("export_curriculum", "--programme", "HBO-ICT-SE", "--output", str(path))
    frame = pd.read_excel(path, dtype=str)
    assert len(frame) == 6 and list(frame.columns[:9]) == REQUIRED_COLUMNS


@pytest.mark.django_db
def test_export_of_an_unknown_programme_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="unknown programme 'NOPE'"):
        call_command("export_curriculum", "--programme", "NOPE")
