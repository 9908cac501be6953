from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from evc.curricula.models import CurriculumVersion, LearningOutcome, Unit, academic_year_for
from evc.curricula.services import CurriculumImportError, curriculum_import

CSV = (
    "programme_code,programme_name,unit_code,unit_name,unit_ects,eqf_level,outcome_code,outcome_text,language\n"
    "P1,Programme one,U1,Unit one,5,6,LO1,{text},en\n"
)


def load(text: str, year: str) -> None:
    curriculum_import(io.BytesIO(CSV.format(text=text).encode()), filename="c.csv", academic_year=year)


def test_academic_years_start_in_september() -> None:
    import datetime as dt

    assert academic_year_for(dt.date(2026, 11, 28)) == "2026-2027"
    assert academic_year_for(dt.date(2027, 8, 31)) == "2026-2027"
    assert academic_year_for(dt.date(2027, 9, 1)) == "2027-2028"


@pytest.mark.django_db
def test_next_years_edit_leaves_this_years_outcome_alone() -> None:
    load("The student designs a schema.", "2026-2027")
    this_year = LearningOutcome.objects.get(unit__version__academic_year="2026-2027")
    load("The student designs and normalises a schema.", "2027-2028")
    this_year.refresh_from_db()
    assert this_year.text == "The student designs a schema."
    assert LearningOutcome.objects.get(unit__version__academic_year="2027-2028").text.endswith("normalises a schema.")
    assert CurriculumVersion.objects.count() == 2


@pytest.mark.django_db
def test_a_frozen_year_refuses_changed_texts_in_import_and_model() -> None:
    load("The student designs a schema.", "2026-2027")
    version = CurriculumVersion.objects.get()
    version.freeze()
    with pytest.raises(CurriculumImportError) as info:
        load("Changed text.", "2026-2027")
    with translation.override("en"):
        assert "frozen because decisions were taken on it" in str(info.value.errors[0])
    outcome = LearningOutcome.objects.get()
    assert outcome.text == "The student designs a schema."
    outcome.text = "Sneaky change"
    with pytest.raises(ValidationError):
        outcome.save()
    unit = Unit.objects.get()
    unit.ects = 30
    with pytest.raises(ValidationError):
        unit.save()
    # unchanged re-import of a frozen year is fine
    load("The student designs a schema.", "2026-2027")


@pytest.mark.django_db
def test_freezing_is_idempotent() -> None:
    load("The student designs a schema.", "2026-2027")
    version = CurriculumVersion.objects.get()
    version.freeze()
    first = version.frozen_at
    version.freeze()
    assert CurriculumVersion.objects.get().frozen_at == first


@pytest.mark.django_db
def test_invalid_academic_year_is_refused() -> None:
    for year in ("2026-2028", "1900-1901", "2100-2101"):
        with pytest.raises(CurriculumImportError):
            load("x y z", year)
