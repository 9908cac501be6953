"""Reading a staff inventory file: format detection, size guards, column mapping, row checks.

No ORM here: `read_table()` turns bytes into headers + string rows, `validate_rows()`
turns those into clean rows and per-row problems. The services decide what to store.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

REQUIRED_FIELDS = ("employee_ref", "department", "role", "competence_title", "competence_description")
OPTIONAL_FIELDS = ("provider", "date", "hours", "ects")
ALL_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS

# Header spellings we recognise (normalised: lower case, no accents, only letters/digits).
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "employee_ref": (
        "employeeref",
        "employee",
        "employeeid",
        "personeelsnummer",
        "medewerker",
        "medewerkernummer",
        "personeelsnr",
        "medewerkerid",
        "werknemer",
        "ref",
    ),
    "department": ("department", "afdeling", "team", "organisatieonderdeel", "dept"),
    "role": ("role", "functie", "rol", "functienaam", "jobtitle"),
    "competence_title": (
        "competencetitle",
        "competentie",
        "competentietitel",
        "titel",
        "opleiding",
        "cursus",
        "training",
        "title",
    ),
    "competence_description": (
        "competencedescription",
        "omschrijving",
        "beschrijving",
        "description",
        "toelichting",
        "inhoud",
    ),
    "provider": ("provider", "aanbieder", "opleider", "instituut", "leverancier"),
    "date": ("date", "datum", "behaald", "behaaldop", "afgerond", "datumbehaald", "einddatum"),
    "hours": ("hours", "uren", "studieuren", "duur", "studiebelasting"),
    "ects": ("ects", "ec", "studiepunten", "credits"),
}

FIELD_LIMITS = {"department": 200, "role": 200, "competence_title": 500, "provider": 200, "employee_ref": 200}

# XLSX is a zip: refuse before decompressing if it would expand past these (zip bombs).
XLSX_MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
XLSX_MAX_RATIO = 150


class InventoryError(Exception):
    """The file as a whole cannot be read; the message is shown to the person as is."""


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    format: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""


@dataclass
class Problem:
    line: int  # line in the file as a spreadsheet shows it (header = 1)
    field: str
    message: str
    column: str = ""  # the file's own heading of that field, as the person knows it ("Datum", not "date")

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class CleanRow:
    line: int
    employee_ref: str
    department: str
    role: str
    competence_title: str
    competence_description: str
    provider: str = ""
    date: dt.date | None = None
    hours: Decimal | None = None
    ects: Decimal | None = None


@dataclass
class Validation:
    rows: list[CleanRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


# --- reading -------------------------------------------------------------------------


def read_table(data: bytes, filename: str) -> Table:
    """Bytes of a CSV or XLSX file -> headers and rows of strings, after the size guards."""
    max_bytes = settings.EVC_MAX_STAFF_UPLOAD_BYTES
    if len(data) > max_bytes:
        raise InventoryError(
            _("Het bestand is %(size)s MB; de grens is %(max)s MB. Splits het bestand of laat kolommen weg.")
            % {"size": _mb(len(data)), "max": _mb(max_bytes)}
        )
    if not data.strip():
        raise InventoryError(_("Het bestand is leeg."))
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        table = _read_xlsx(data)
    else:
        table = _read_csv(data)
    max_rows = settings.EVC_MAX_STAFF_ROWS
    if len(table.rows) > max_rows:
        raise InventoryError(
            _("Het bestand heeft meer dan %(max)s regels; splits het in delen.") % {"max": f"{max_rows:,}"}
        )
    if not table.rows:
        raise InventoryError(_("Het bestand bevat een kopregel maar geen gegevens."))
    return table


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".replace(".", ",").replace(",0", "")


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Dutch Excel "CSV (puntkomma gescheiden)" writes Windows-1252.
        return data.decode("cp1252", errors="replace"), "cp1252"


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes) -> Table:
    import pandas as pd  # heavy: imported when a file is read, not when a URL is resolved

    text, encoding = _decode(data)
    delimiter = _sniff_delimiter(text)
    max_rows = settings.EVC_MAX_STAFF_ROWS
    _refuse_values_beyond_the_header(text, delimiter, max_rows)
    try:
        with warnings.catch_warnings():
            # Its "loss of data" warning for index_col=False is about the empty trailing fields checked above.
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=True,
                nrows=max_rows + 1,
                quoting=csv.QUOTE_MINIMAL,
                engine="c",
                # Rows with one field more than the header (a delimiter at the end of each row) would
                # otherwise make the first column the index and shift every value one column left.
                index_col=False,
            )
    except pd.errors.EmptyDataError as exc:
        raise InventoryError(_("Het bestand is leeg.")) from exc
    except (pd.errors.ParserError, ValueError) as exc:
        # pandas' own text ("Error tokenizing data. C error: ...") is English and technical: say what is wrong.
        raise InventoryError(_csv_problem(text, delimiter)) from exc
    return _table_from_frame(frame, "csv", encoding=encoding, delimiter=delimiter)


def _refuse_values_beyond_the_header(text: str, delimiter: str, max_rows: int) -> None:
    """A row with a value past the header's last column is refused, by line; empty extra fields (a
    delimiter at the end of the row) are harmless and dropped when pandas reads the file."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    expected = None
    try:
        for line, row in enumerate(reader, start=1):  # numbered as `_csv_problem` numbers them
            if expected is None:
                expected = len(row) or None  # pandas skips blank lines before the header
            elif len(row) > expected and any(value.strip() for value in row[expected:]):
                raise InventoryError(_too_many_columns(line, len(row), expected))
            if line > max_rows + 2:
                return  # the row limit is reported elsewhere
    except csv.Error:
        return  # a quoting problem: pandas refuses the file and `_csv_problem` says why


def _too_many_columns(line: int, found: int, expected: int) -> str:
    return _(
        "Regel %(line)s heeft %(found)s kolommen, maar de kopregel heeft er %(expected)s. Meestal staat "
        "er een scheidingsteken (komma of puntkomma) in een waarde; zet die waarde tussen "
        "aanhalingstekens of sla het bestand opnieuw op als CSV vanuit Excel."
    ) % {"line": line, "found": found, "expected": expected}


def _csv_problem(text: str, delimiter: str) -> str:
    """Why pandas refused the CSV, naming the line when the csv module can point at it.

    The csv module reads the same dialect. Its records count as a spreadsheet numbers rows (header = 1,
    blank lines included, a quoted value spanning lines as one), which pandas' message does not promise.
    """
    expected = None
    records = 0
    try:
        for line, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
            if expected is None:
                expected = len(row) or None  # pandas skips blank lines before the header
            elif len(row) > expected:
                return _too_many_columns(line, len(row), expected)
        for _row in csv.reader(io.StringIO(text), delimiter=delimiter, strict=True):
            records += 1
    except csv.Error as exc:
        # Strict reading stops at the end of the text only when a quoted value is never closed.
        if "unexpected end of data" in str(exc):
            return _(
                "Op regel %(line)s begint een waarde met een aanhalingsteken (\") dat nergens wordt gesloten. "
                "Sluit het, of sla het bestand opnieuw op als CSV vanuit Excel."
            ) % {"line": records + 1}
    return _("Het CSV-bestand is niet te lezen. Sla het opnieuw op als CSV vanuit Excel en probeer het nog eens.")


def check_xlsx_expansion(data: bytes) -> None:
    """Refuse an XLSX whose declared uncompressed size or ratio is out of proportion.

    Reading from the zip never yields more than a member's declared `file_size`
    (CPython's ZipExtFile stops there), so checking the declared sizes up front bounds
    what openpyxl could ever decompress.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise InventoryError(_("Dit is geen geldig Excel-bestand (.xlsx).")) from exc
    with archive:
        members = archive.infolist()
        if len(members) > 10_000:
            raise InventoryError(_("Het Excel-bestand bevat onredelijk veel onderdelen."))
        total = sum(m.file_size for m in members)
        if total > XLSX_MAX_UNCOMPRESSED_BYTES:
            raise InventoryError(
                _("Het Excel-bestand zou uitgepakt %(size)s MB worden; de grens is %(max)s MB.")
                % {"size": _mb(total), "max": _mb(XLSX_MAX_UNCOMPRESSED_BYTES)}
            )
        for member in members:
            if member.file_size > 1024 * 1024 and member.file_size > XLSX_MAX_RATIO * max(
                member.compress_size, 1
            ):
                raise InventoryError(
                    _(
                        "Het Excel-bestand is verdacht sterk gecomprimeerd (een zogeheten zip-bom) en is niet geopend."
                    )
                )
        if "xl/workbook.xml" not in archive.namelist():
            raise InventoryError(_("Dit is geen geldig Excel-bestand (.xlsx)."))


def _read_xlsx(data: bytes) -> Table:
    import pandas as pd

    check_xlsx_expansion(data)
    try:
        frame = pd.read_excel(
            io.BytesIO(data),
            engine="openpyxl",
            sheet_name=0,
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            nrows=settings.EVC_MAX_STAFF_ROWS + 1,
        )
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise InventoryError(_("Het Excel-bestand is niet te lezen; sla het opnieuw op als .xlsx.")) from exc
    frame = frame.map(_cell_to_str)
    return _table_from_frame(frame, "xlsx")


def _cell_to_str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _table_from_frame(frame: Any, fmt: str, **extra: str) -> Table:
    headers = [str(h).strip() for h in frame.columns]
    headers = ["" if h.startswith("Unnamed:") else h for h in headers]
    rows = [[v.strip() for v in row] for row in frame.astype(str).to_numpy().tolist()]
    rows = [r for r in rows if any(r)]
    return Table(headers=headers, rows=rows, format=fmt, **extra)


# --- column mapping -------------------------------------------------------------------


def _norm(header: str) -> str:
    text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text)


def guess_mapping(headers: list[str]) -> dict[str, int | None]:
    """Expected field -> column index (or None), from the header spellings we know."""
    normalised = [_norm(h) for h in headers]
    mapping: dict[str, int | None] = {}
    taken: set[int] = set()
    for name in ALL_FIELDS:
        mapping[name] = None
        for synonym in FIELD_SYNONYMS[name]:
            hits = [i for i, h in enumerate(normalised) if h == synonym and i not in taken]
            if hits:
                mapping[name] = hits[0]
                taken.add(hits[0])
                break
    return mapping


def mapping_problems(mapping: dict[str, int | None], headers: list[str]) -> list[str]:
    problems = []
    for name in REQUIRED_FIELDS:
        if mapping.get(name) is None:
            problems.append(_("Kies een kolom voor het verplichte veld “%(field)s”.") % {"field": name})
    used = [i for i in mapping.values() if i is not None]
    if len(used) != len(set(used)):
        problems.append(_("Eén kolom is aan meer dan één veld gekoppeld."))
    if any(i is not None and not 0 <= i < len(headers) for i in used):
        problems.append(_("De gekozen kolom bestaat niet in dit bestand."))
    return problems


# --- row checks -----------------------------------------------------------------------

# Day first (Dutch) with -, / or . between, 2- or 4-digit year; or ISO year first.
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})$")
_YMD = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_HOUR_UNITS = {"", "u", "uur", "uren", "h", "hr", "hrs", "hour", "hours", "klokuren", "studieuren"}
_ECTS_UNITS = {"", "ec", "ects", "studiepunt", "studiepunten", "sp", "credits", "credit"}
_AMOUNT = re.compile(r"^\s*(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>[^\d\s].*?)?\s*$")


def parse_date(value: str) -> dt.date | None:
    """Dutch-style dates (31-12-2025, 31/12/2025, 31.12.25) and ISO (2025-12-31); None if unreadable."""
    value = value.strip()
    if "T" in value or " " in value:
        value = re.split(r"[T ]", value, maxsplit=1)[0]
    match = _DMY.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            year += 2000 if year < 70 else 1900
    else:
        match = _YMD.match(value)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_amount(value: str, units: set[str]) -> tuple[Decimal | None, str | None]:
    """'12,5 uur' -> (12.5, None); '3 dagen' -> (None, 'dagen'); 'veel' -> (None, '')."""
    match = _AMOUNT.match(value)
    if not match:
        return None, ""
    unit = (match.group("unit") or "").strip().lower().rstrip(".")
    if unit not in units:
        return None, unit
    try:
        return Decimal(match.group("num").replace(",", ".")), None
    except InvalidOperation:
        return None, ""


def validate_rows(table: Table, mapping: dict[str, int | None], *, today: dt.date | None = None) -> Validation:
    result = Validation()
    today = today or dt.date.today()
    headings = {name: table.headers[col] for name, col in mapping.items()
                if col is not None and col < len(table.headers) and table.headers[col]}
    for index, raw in enumerate(table.rows):
        line = index + 2
        values = {
            name: (raw[col] if col is not None and col < len(raw) else "") for name, col in mapping.items()
        }
        row_problems: list[Problem] = []
        for name in REQUIRED_FIELDS:
            if not values.get(name, "").strip():
                row_problems.append(Problem(line, name, _("verplichte waarde ontbreekt")))
        for name, limit in FIELD_LIMITS.items():
            if len(values.get(name, "")) > limit:
                row_problems.append(Problem(line, name, _("langer dan %(limit)s tekens") % {"limit": limit}))
        if len(values.get("competence_description", "")) > 5000:
            row_problems.append(Problem(line, "competence_description", _("langer dan 5000 tekens")))
        date = None
        if values.get("date"):
            date = parse_date(values["date"])
            if date is None and (_DMY.match(values["date"].strip()) or _YMD.match(values["date"].strip())):
                row_problems.append(Problem(line, "date", _("datum “%(value)s” bestaat niet") % {"value": values["date"][:40]}))
            elif date is None:
                row_problems.append(
                    Problem(
                        line,
                        "date",
                        _("datum “%(value)s” is onleesbaar; gebruik bijvoorbeeld 31-12-2025 of 2025-12-31")
                        % {"value": values["date"][:40]},
                    )
                )
            elif date > today:  # a competence obtained in the future is a typing error
                row_problems.append(Problem(line, "date", _("datum “%(value)s” ligt in de toekomst") % {"value": values["date"][:40]}))
        amounts: dict[str, Decimal | None] = {"hours": None, "ects": None}
        for name, units, label in (("hours", _HOUR_UNITS, "uur"), ("ects", _ECTS_UNITS, "EC")):
            if not values.get(name):
                continue
            amount, bad_unit = parse_amount(values[name], units)
            if amount is None and bad_unit:
                row_problems.append(
                    Problem(
                        line,
                        name,
                        _("onbekende eenheid “%(unit)s”; geef een getal in %(label)s")
                        % {"unit": bad_unit[:20], "label": label},
                    )
                )
            elif amount is None:
                row_problems.append(
                    Problem(line, name, _("“%(value)s” is geen getal") % {"value": values[name][:40]})
                )
            elif amount > Decimal("99999"):
                row_problems.append(Problem(line, name, _("onwaarschijnlijk groot getal")))
            else:
                amounts[name] = amount
        if row_problems:
            for problem in row_problems:
                problem.column = headings.get(problem.field, "")
            result.problems.extend(row_problems)
            continue
        result.rows.append(
            CleanRow(
                line=line,
                employee_ref=values["employee_ref"].strip(),
                department=values["department"].strip(),
                role=values["role"].strip(),
                competence_title=values["competence_title"].strip(),
                competence_description=values["competence_description"].strip(),
                provider=values.get("provider", "").strip(),
                date=date,
                hours=amounts["hours"],
                ects=amounts["ects"],
            )
        )
    return result
