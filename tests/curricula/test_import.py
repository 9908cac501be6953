from __future__ import annotations

import io
from decimal import Decimal

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from evc.curricula.models import CurriculumVersion, LearningOutcome, Programme, Unit
from evc.curricula.services import CurriculumImportError, curriculum_import

HEADER = "programme_code,programme_name,unit_code,unit_name,unit_ects,eqf_level,outcome_code,outcome_text,language\n"
GOOD = HEADER + (
    "P1,Programme one,U1,Unit one,5,6,LO1,The student designs a database schema.,en\n"
    "P1,Programme one,U1,Unit one,5,6,LO2,The student writes SQL queries with joins.,en\n"
    'P1,Programme one,U2,Unit two,"7,5",6,LO1,"De student ontwerpt een les, met werkvormen.",nl\n'
)


def run_import(text: str, **kwargs: object) -> object:
    return curriculum_import(io.BytesIO(text.encode("utf-8")), filename="x.csv", **kwargs)  # type: ignore[arg-type]


def errors_of(text: str | bytes, language: str = "en") -> list[str]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(CurriculumImportError) as info:
        curriculum_import(io.BytesIO(data), filename="x.csv")
    with translation.override(language):  # the reasons are written when read, in the reader's language
        return [str(problem) for problem in info.value.errors]


@pytest.mark.django_db
def test_it_imports_programmes_units_and_outcomes() -> None:
    summary = run_import(GOOD, academic_year="2026-2027")
    assert summary.outcomes_created == 3 and summary.units_created == 2  # type: ignore[attr-defined]
    unit = Unit.objects.get(code="U2")
    assert unit.ects == Decimal("7.5") and unit.version.academic_year == "2026-2027"
    assert LearningOutcome.objects.get(unit=unit, code="LO1").language == "nl"


@pytest.mark.django_db
def test_it_accepts_a_utf8_bom_and_is_idempotent() -> None:
    run_import("\ufeff" + GOOD, academic_year="2026-2027")
    again = run_import(GOOD, academic_year="2026-2027")
    assert again.outcomes_created == 0 and again.outcomes_unchanged == 3  # type: ignore[attr-defined]
    assert LearningOutcome.objects.count() == 3


@pytest.mark.django_db
def test_it_updates_text_by_code() -> None:
    run_import(GOOD, academic_year="2026-2027")
    changed = GOOD.replace("writes SQL queries with joins", "writes SQL queries with joins and subqueries")
    summary = run_import(changed, academic_year="2026-2027")
    assert summary.outcomes_updated == 1  # type: ignore[attr-defined]
    assert "subqueries" in LearningOutcome.objects.get(code="LO2").text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("outcome_text,", ""), "line 1: missing column(s): outcome_text"),
        (GOOD.replace("The student designs a database schema.", ""), "line 2: outcome_text is empty"),
        (GOOD.replace("P1,Programme one,U1,Unit one,5,6,LO2", "P1,Programme one,U1,Unit one,5,6,LO1"),
         "line 3: duplicate outcome_code 'LO1' in unit 'U1' (first on line 2)"),
        (GOOD.replace('"7,5"', "seven"), "line 4: unit_ects 'seven' is not a number of EC between 0 and 240"),
        (GOOD.replace('"7,5"', "-5"), "line 4: unit_ects '-5' is not a number of EC between 0 and 240"),
        (GOOD.replace(",nl\n", ",de\n"), "line 4: language 'de' is not 'nl' or 'en'"),
        (GOOD.replace("U2,Unit two,\"7,5\",6", "U2,Unit two,\"7,5\",9"), "line 4: eqf_level '9' is not a level from 1 to 8"),
        (GOOD.replace("U1,Unit one,5,6,LO2", "U1,Unit one,10,6,LO2"),
         "line 3: unit 'U1' has a different name, EC or EQF level than on line 2"),
        (HEADER, "line 2: the file has a header but no rows"),
        ("", "line 1: the file is empty"),
    ],
)
@pytest.mark.django_db
def test_it_rejects_bad_rows_with_line_numbers_and_imports_nothing(text: str, expected: str) -> None:
    assert expected in errors_of(text)
    assert not Programme.objects.exists() and not LearningOutcome.objects.exists()


@pytest.mark.django_db
def test_the_reasons_read_in_dutch_too() -> None:
    errors = errors_of(GOOD.replace(",nl\n", ",fr\n").replace("The student designs a database schema.", ""), "nl")
    assert errors == ["line 2: outcome_text is leeg", "line 4: language 'fr' is niet 'nl' of 'en'"]


@pytest.mark.django_db
def test_it_rejects_a_file_that_is_not_utf8() -> None:
    data = GOOD.replace("ontwerpt", "ontwérpt").encode("cp1252")
    assert errors_of(data) == ["line 4: the file is not UTF-8 encoded (save it as 'CSV UTF-8')"]


@pytest.mark.django_db
def test_it_reports_every_bad_row_not_just_the_first() -> None:
    text = GOOD.replace(",nl\n", ",fr\n").replace("The student designs a database schema.", "")
    errors = errors_of(text)
    assert "line 2: outcome_text is empty" in errors and "line 4: language 'fr' is not 'nl' or 'en'" in errors


@pytest.mark.django_db
def test_a_bad_row_leaves_an_earlier_import_untouched() -> None:
    run_import(GOOD, academic_year="2026-2027")
    bad = GOOD.replace("writes SQL queries with joins", "CHANGED") + "P1,Programme one,U3,Unit three,5,6,LO1,,en\n"
    errors_of(bad)
    assert LearningOutcome.objects.get(code="LO2").text == "The student writes SQL queries with joins."
    assert not Unit.objects.filter(code="U3").exists()


@pytest.mark.django_db
def test_it_reads_xlsx(tmp_path) -> None:  # type: ignore[no-untyped-def]
    frame = pd.read_csv(io.StringIO(GOOD), dtype=str)
    path = tmp_path / "catalogue.xlsx"
    frame.to_excel(path, index=False)
    summary = curriculum_import(path, academic_year="2026-2027")
    assert summary.outcomes_created == 3


@pytest.mark.django_db
def test_it_rejects_a_broken_xlsx() -> None:
    errors = errors_of(b"PK\x03\x04 this is not really a zip file")
    assert errors[0].startswith("line 1: not a readable XLSX workbook")


@pytest.mark.django_db
def test_the_command_exits_1_with_line_messages(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD.replace(",nl\n", ",xx\n"), encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text(GOOD.replace("P1,", "P2,"), encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("import_curriculum", str(bad), str(good))
    # manage.py exits with the error's returncode (run_from_argv), which the contract fixes at 1
    assert info.value.returncode == 1
    err = capsys.readouterr().err
    assert "line 4: language 'xx' is not 'nl' or 'en'" in err
    # one transaction per file: the good file still went in, the bad one did not
    assert Programme.objects.filter(code="P2").exists() and not Programme.objects.filter(code="P1").exists()


@pytest.mark.django_db
def test_the_shipped_catalogue_imports_cleanly() -> None:
    from pathlib import Path

    files = sorted(Path(__file__).resolve().parents[2].joinpath("curricula").glob("*.csv"))
    assert len(files) >= 4
    for path in files:
        curriculum_import(path, academic_year="2026-2027")
    assert Programme.objects.count() >= 4
    assert LearningOutcome.objects.count() >= 200
    assert set(LearningOutcome.objects.values_list("language", flat=True)) == {"nl", "en"}
    assert CurriculumVersion.objects.filter(academic_year="2026-2027").count() == Programme.objects.count()


@pytest.mark.django_db
def test_an_impossible_academic_year_is_named_with_the_reason() -> None:
    with translation.override("en"), pytest.raises(CurriculumImportError) as info:  # as the command line runs it
        curriculum_import(io.BytesIO(GOOD.encode()), filename="x.csv", academic_year="1900-1901")
    with translation.override("en"):
        assert [str(e) for e in info.value.errors] == [
            "line 0: academic year '1900-1901': An academic year lies between 2000-2001 and 2099-2100."]
    assert not Programme.objects.exists()


@pytest.mark.django_db
def test_a_comma_at_the_end_of_each_row_does_not_shift_the_columns() -> None:
    trailing = HEADER + "".join(line + ",\n" for line in GOOD.removeprefix(HEADER).splitlines())
    summary = run_import(trailing, academic_year="2026-2027")
    assert summary.outcomes_created == 3  # type: ignore[attr-defined]
    assert LearningOutcome.objects.get(unit__code="U1", code="LO1").text == "The student designs a database schema."


@pytest.mark.django_db
def test_a_value_beyond_the_header_is_refused_by_line() -> None:
    extra = GOOD.replace("joins.,en\n", "joins.,en,surplus\n")
    assert errors_of(extra) == ["line 3: the row has 10 values, the header 9 columns"]
    assert not Programme.objects.exists()


@pytest.mark.django_db
def test_a_bad_row_is_named_by_its_line_in_the_file_past_blank_lines_and_multi_line_values() -> None:
    lines = GOOD.splitlines(keepends=True)
    text = (lines[0] + "\n" + lines[1].replace("The student designs a database schema.", '"The student designs a database\nschema."')
            + "\n" + lines[2] + lines[3].replace(",nl\n", ",fr\n"))
    # header 1, blank 2, a row on lines 3-4, blank 5, a row on 6, the bad row on 7
    assert errors_of(text) == ["line 7: language 'fr' is not 'nl' or 'en'"]
