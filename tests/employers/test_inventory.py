"""Reading inventory files: delimiters, encodings, BOM, XLSX, column mapping and every bad-row case."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest

from evc.employers import inventory
from evc.employers.inventory import InventoryError, guess_mapping, read_table, validate_rows
from tests.employers.helpers import HEADER, csv_bytes, staff, xlsx_bytes

ROWS = [
    staff("E001", "Polisadministratie", "Medewerker polis", "Polisbeheer", "Mutaties in polissen verwerken",
          provider="CZ Academie", date="31-12-2025", hours="16", ects="0,5"),
    staff("E002", "Zorginkoop", "Inkoper", "Contracteren", "Zorgcontracten met ziekenhuizen; onderhandelen",
          provider="Vektis", date="2025-03-01", hours="12,5 uur", ects="1 EC"),
]


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("cp1252", False)])
def test_it_reads_csv_with_either_delimiter_and_encoding(delimiter, encoding, bom, settings):
    rows = [*ROWS, staff("E003", "Klantcontact", "Klantadviseur", "Klachtafhandeling", "Gesprekken met verzekerden über Zorgpremie € 10")]
    table = read_table(csv_bytes(rows, delimiter=delimiter, encoding=encoding, bom=bom), "staff.csv")
    assert table.format == "csv"
    assert table.delimiter == delimiter
    assert table.encoding == {"utf-8": "utf-8-sig" if bom else "utf-8", "cp1252": "cp1252"}[encoding]
    assert table.headers == HEADER  # the BOM is not glued to the first header
    assert len(table.rows) == 3
    assert table.rows[2][4].endswith("über Zorgpremie € 10")
    assert table.rows[1][4] == "Zorgcontracten met ziekenhuizen; onderhandelen"


def test_it_reads_xlsx_with_real_dates_and_numbers():
    data = xlsx_bytes([["E001", "ICT", "Ontwikkelaar", "Python", "Scripts schrijven", "", dt.datetime(2025, 12, 31), 16, 0.5]])
    table = read_table(data, "staff.xlsx")
    assert table.format == "xlsx"
    validation = validate_rows(table, guess_mapping(table.headers))
    assert validation.problems == []
    row = validation.rows[0]
    assert (row.date, row.hours, row.ects) == (dt.date(2025, 12, 31), Decimal("16"), Decimal("0.5"))


def test_it_guesses_dutch_column_names_in_any_order():
    header = ["Afdeling", "Functie", "Personeelsnummer", "Omschrijving", "Competentie", "Datum", "Uren", "EC", "Aanbieder"]
    mapping = guess_mapping(header)
    assert mapping == {
        "employee_ref": 2, "department": 0, "role": 1, "competence_title": 4, "competence_description": 3,
        "provider": 8, "date": 5, "hours": 6, "ects": 7,
    }


def test_it_uses_a_mapping_chosen_by_hand():
    header = ["id", "team", "job", "skill", "text"]
    table = read_table(csv_bytes([["X1", "ICT", "Dev", "Python", "Scripts"]], header=header), "x.csv")
    assert inventory.mapping_problems(guess_mapping(header), header)  # "id", "skill"… are not recognised
    mapping = {"employee_ref": 0, "department": 1, "role": 2, "competence_title": 3, "competence_description": 4,
               "provider": None, "date": None, "hours": None, "ects": None}
    assert inventory.mapping_problems(mapping, header) == []
    validation = validate_rows(table, mapping)
    assert validation.ok and validation.rows[0].competence_title == "Python"


def test_it_refuses_one_column_for_two_fields():
    header = HEADER
    mapping = guess_mapping(header) | {"role": 1}
    assert any("meer dan één veld" in p for p in inventory.mapping_problems(mapping, header))


@pytest.mark.parametrize("value,expected", [
    ("31-12-2025", dt.date(2025, 12, 31)), ("31/12/2025", dt.date(2025, 12, 31)), ("2025-12-31", dt.date(2025, 12, 31)),
    ("1-2-2024", dt.date(2024, 2, 1)), ("31.12.2025", dt.date(2025, 12, 31)), ("2025-12-31 00:00:00", dt.date(2025, 12, 31)),
    ("31-13-2025", None), ("gisteren", None), ("2025/31/12", None),
])
def test_it_reads_dutch_and_iso_dates(value, expected):
    assert inventory.parse_date(value) == expected


def _problems(rows, header=None):
    table = read_table(csv_bytes(rows, header=header, delimiter=";"), "x.csv")
    return validate_rows(table, guess_mapping(table.headers)).problems


def test_it_reports_every_missing_required_value_with_its_line():
    rows = [staff("E1", "ICT", "Dev", "Python", "Scripts"), ["", "", "Dev", "Python", "Scripts", "", "", "", ""],
            ["E3", "ICT", "", "", "", "", "", "", ""]]
    problems = _problems(rows)
    assert [(p.line, p.field) for p in problems] == [
        (3, "employee_ref"), (3, "department"), (4, "role"), (4, "competence_title"), (4, "competence_description"),
    ]
    assert all(p.message == "verplichte waarde ontbreekt" for p in problems)


def test_it_reports_unreadable_dates():
    problems = _problems([staff("E1", "ICT", "Dev", "Python", date="32-01-2025"), staff("E2", "ICT", "Dev", "Java", date="vorig jaar")])
    assert [(p.line, p.field) for p in problems] == [(2, "date"), (3, "date")]
    assert "32-01-2025" in problems[0].message


def test_it_reports_unknown_units_and_non_numbers():
    problems = _problems([
        staff("E1", "ICT", "Dev", "Python", hours="3 dagen"),
        staff("E2", "ICT", "Dev", "Java", ects="2 weken"),
        staff("E3", "ICT", "Dev", "Go", hours="veel"),
        staff("E4", "ICT", "Dev", "Rust", hours="12,5 u", ects="3 studiepunten"),
    ])
    assert [(p.line, p.field) for p in problems] == [(2, "hours"), (3, "ects"), (4, "hours")]
    assert "onbekende eenheid “dagen”" in problems[0].message
    assert "onbekende eenheid “weken”" in problems[1].message
    assert "geen getal" in problems[2].message


def test_it_reports_values_that_are_too_long():
    problems = _problems([staff("E1", "x" * 201, "Dev", "Python")])
    assert [(p.line, p.field) for p in problems] == [(2, "department")]


def test_it_rejects_an_oversized_file_before_parsing(settings):
    settings.EVC_MAX_STAFF_UPLOAD_BYTES = 1000
    data = csv_bytes([staff(f"E{i}", "ICT", "Dev", "Python") for i in range(50)])
    with pytest.raises(InventoryError, match="de grens is"):
        read_table(data, "big.csv")


def test_it_rejects_too_many_rows(settings):
    settings.EVC_MAX_STAFF_ROWS = 10
    with pytest.raises(InventoryError, match="meer dan 10 regels"):
        read_table(csv_bytes([staff(f"E{i}", "ICT", "Dev", "Python") for i in range(11)]), "x.csv")
    assert len(read_table(csv_bytes([staff(f"E{i}", "ICT", "Dev", "Python") for i in range(10)]), "x.csv").rows) == 10


def test_it_rejects_empty_and_header_only_files():
    with pytest.raises(InventoryError, match="leeg"):
        read_table(b"  \r\n", "x.csv")
    with pytest.raises(InventoryError, match="geen gegevens"):
        read_table(",".join(HEADER).encode(), "x.csv")


def _zip_bomb() -> bytes:
    """A valid-looking XLSX whose sheet inflates 200 MB of zeros from about 200 KB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b"0" * (1024 * 1024)
            for _ in range(200):
                sheet.write(chunk)
    return buffer.getvalue()


def test_it_rejects_a_zip_bomb_without_decompressing_it(monkeypatch):
    data = _zip_bomb()
    assert len(data) < 1024 * 1024
    opened = []
    import pandas

    monkeypatch.setattr(pandas, "read_excel", lambda *a, **k: opened.append(1))
    with pytest.raises(InventoryError, match="zip-bom"):
        read_table(data, "staff.xlsx")
    assert opened == []  # openpyxl (via pandas) never saw it


def test_it_rejects_an_xlsx_that_declares_a_huge_total(monkeypatch):
    monkeypatch.setattr(inventory, "XLSX_MAX_UNCOMPRESSED_BYTES", 100 * 1024)
    data = xlsx_bytes([staff(f"E{i}", "ICT", "Dev", "Python " * 20) for i in range(400)])
    with pytest.raises(InventoryError, match="uitgepakt"):
        read_table(data, "staff.xlsx")


def test_it_rejects_a_damaged_xlsx():
    with pytest.raises(InventoryError, match="geen geldig Excel"):
        read_table(b"PK\x03\x04 not really a zip", "staff.xlsx")


def test_a_row_with_too_many_columns_is_named_by_line_without_pandas_text():
    rows = [staff(f"E{i}", "ICT", "Dev", "Python") for i in range(6)]
    data = csv_bytes(rows) + b"E9,ICT,Dev,Python,Scripts,,,,,extra\r\n"  # line 8: one value too many
    with pytest.raises(InventoryError) as info:
        read_table(data, "staff.csv")
    message = str(info.value)
    assert message.startswith("Regel 8 heeft 10 kolommen, maar de kopregel heeft er 9.")
    assert "tokenizing" not in message and "C error" not in message


def test_a_quoted_value_spanning_lines_counts_as_one_row_as_in_a_spreadsheet():
    rows = [staff("E1", "ICT", "Dev", "Python", "Regel een\nregel twee"), staff("E2", "ICT", "Dev", "Python")]
    data = csv_bytes(rows) + b"E3,ICT,Dev,Python,x,,,,,extra\r\n"
    with pytest.raises(InventoryError, match=r"^Regel 4 heeft 10 kolommen"):
        read_table(data, "staff.csv")


def test_an_unclosed_quote_is_named_by_the_line_where_it_opens():
    data = csv_bytes([staff("E1", "ICT", "Dev", "Python")]) + b'E2,ICT,"Dev,Python,x\r\nE3,ICT,Dev,Python,y\r\n'
    with pytest.raises(InventoryError, match=r"^Op regel 3 begint een waarde met een aanhalingsteken"):
        read_table(data, "staff.csv")


def test_the_csv_problem_is_translated_for_an_english_reader():
    from django.utils import translation

    data = csv_bytes([staff("E1", "ICT", "Dev", "Python")]) + b"E2,ICT,Dev,Python,x,,,,,extra\r\n"
    with translation.override("en"), pytest.raises(InventoryError) as info:
        read_table(data, "staff.csv")
    assert str(info.value).startswith("Line 3 has 10 columns, but the header line has 9.")


def test_a_delimiter_at_the_end_of_every_row_does_not_shift_the_columns():
    # Some HR exports end every data row, not the header, with a delimiter. pandas would then take the
    # first column as the row index and shift every value one column to the left, without an error.
    rows = [staff("E1", "ICT", "Dev", "Python"), staff("E2", "Zorg", "Adviseur", "Excel")]
    data = csv_bytes(rows, delimiter=";").replace(b"\r\n", b";\r\n")
    data = data.replace(b";\r\n", b"\r\n", 1)  # the header line has none
    table = read_table(data, "staff.csv")
    assert table.headers == HEADER
    assert [row[:4] for row in table.rows] == [["E1", "ICT", "Dev", "Python"], ["E2", "Zorg", "Adviseur", "Excel"]]


def test_a_value_in_every_row_beyond_the_header_is_refused_not_shifted():
    rows = [[*staff("E1", "ICT", "Dev", "Python"), "extra"], [*staff("E2", "Zorg", "Adviseur", "Excel"), "meer"]]
    with pytest.raises(InventoryError, match=r"^Regel 2 heeft 10 kolommen, maar de kopregel heeft er 9\."):
        read_table(csv_bytes(rows), "staff.csv")


def test_a_problem_names_the_files_own_column_and_an_impossible_or_future_date():
    header = ["Personeelsnummer", "Afdeling", "Functie", "Competentie", "Omschrijving", "Aanbieder", "Datum", "Uren", "EC"]
    rows = [staff("E1", "ICT", "Dev", "Python", date="31-02-2024"), staff("E2", "ICT", "Dev", "Java", date="12-12-2099"),
            staff("E3", "ICT", "Dev", "Go", date="12-12-2025")]
    table = read_table(csv_bytes(rows, header=header, delimiter=";"), "staff.csv")
    problems = validate_rows(table, guess_mapping(table.headers), today=dt.date(2026, 11, 29)).problems
    assert [(p.line, p.field, p.column, p.message) for p in problems] == [
        (2, "date", "Datum", "datum “31-02-2024” bestaat niet"),
        (3, "date", "Datum", "datum “12-12-2099” ligt in de toekomst"),
    ]
