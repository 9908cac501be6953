"""Importing and exporting the catalogue in the interchange format (ARCHITECTURE.md §4.1).

Import works in two passes (pretix's modelimport): read and validate every row,
collecting `line N: reason` errors; only a file without errors is written, in one
transaction, with bulk queries so 10,000 outcomes take seconds.

The reasons are translated when shown: Dutch or English on the upload page, English on the
command line (its `line N: reason` output is a contract).
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from evc.curricula.models import (
    CurriculumVersion,
    Language,
    LearningOutcome,
    Programme,
    Unit,
    academic_year_for,
    validate_academic_year,
)
from evc.curricula.signals import catalogue_changed

REQUIRED_COLUMNS = [
    "programme_code",
    "programme_name",
    "unit_code",
    "unit_name",
    "unit_ects",
    "eqf_level",
    "outcome_code",
    "outcome_text",
    "language",
]
# Optional extras we read and write; other tools may ignore them (contract: add, never rename).
OPTIONAL_COLUMNS = ["programme_name_en", "croho_code", "unit_name_en", "unit_description", "framework_refs"]
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_TEXT = 2000


@dataclass(frozen=True)
class ImportProblem:
    """One reason a file was not imported: where (line 1 is the header; 0 is the file as a whole) and what."""

    line: int
    message: Any  # a lazy translation, written in the reader's language when shown

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def _problem(line: int, reason: Any, **values: Any) -> ImportProblem:
    return ImportProblem(line, format_lazy(reason, **values))


class CurriculumImportError(Exception):
    """The file was not imported; `errors` holds every problem found, `str()` of each reads `line N: reason`."""

    def __init__(self, errors: list[ImportProblem]):
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors


@dataclass
class ImportSummary:
    programmes: int = 0
    units_created: int = 0
    units_updated: int = 0
    outcomes_created: int = 0
    outcomes_updated: int = 0
    outcomes_unchanged: int = 0
    versions: list[str] = field(default_factory=list)
    changed_version_ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:  # the command line's report (English, like its error messages)
        return (
            f"{self.programmes} programme(s) [{', '.join(self.versions)}]: "
            f"units {self.units_created} new / {self.units_updated} changed, outcomes "
            f"{self.outcomes_created} new / {self.outcomes_updated} changed / {self.outcomes_unchanged} unchanged"
        )

    def describe(self) -> str:
        """The same report in the active language, for the upload page."""
        return ngettext(
            "{n} opleiding [{versions}]: eenheden {units_new} nieuw / {units_changed} gewijzigd, leeruitkomsten "
            "{new} nieuw / {changed} gewijzigd / {same} ongewijzigd",
            "{n} opleidingen [{versions}]: eenheden {units_new} nieuw / {units_changed} gewijzigd, leeruitkomsten "
            "{new} nieuw / {changed} gewijzigd / {same} ongewijzigd",
            self.programmes,
        ).format(n=self.programmes, versions=", ".join(self.versions), units_new=self.units_created,
                 units_changed=self.units_updated, new=self.outcomes_created, changed=self.outcomes_updated,
                 same=self.outcomes_unchanged)


@dataclass
class _Row:
    line: int
    programme_code: str
    programme_name: str
    unit_code: str
    unit_name: str
    ects: Decimal
    eqf: int
    outcome_code: str
    text: str
    language: str
    extras: dict[str, str]


def _read_table(source: str | Path | IO[bytes], filename: str) -> pd.DataFrame:
    """Read CSV (UTF-8, BOM allowed) or XLSX as strings; raise CurriculumImportError on unreadable files."""
    if isinstance(source, (str, Path)):
        data = Path(source).read_bytes()
    else:
        data = source.read()
    if len(data) > MAX_FILE_BYTES:
        raise CurriculumImportError([_problem(0, _("het bestand is groter dan {mb} MB"), mb=MAX_FILE_BYTES // (1024 * 1024))])
    if not data.strip():
        raise CurriculumImportError([_problem(1, _("het bestand is leeg"))])
    if filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        try:
            frame = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for broken workbooks
            raise CurriculumImportError(
                [_problem(1, _("geen leesbare XLSX-werkmap ({detail})"), detail=type(exc).__name__)]
            ) from None
        return frame
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CurriculumImportError(
            [_problem(line, _("het bestand is niet in UTF-8 gecodeerd (sla het op als 'CSV UTF-8')"))]
        ) from None
    lines, beyond = _scan_rows(text)
    if beyond:
        raise CurriculumImportError(beyond)
    try:
        with warnings.catch_warnings():
            # index_col=False: rows ending in a comma the header lacks would otherwise make the first column
            # the index and shift every value one column left. The fields it drops are empty (checked above).
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, sep=",", skip_blank_lines=True, index_col=False
            )
    except pd.errors.ParserError as exc:
        raise CurriculumImportError([_problem(1, _("geen leesbaar CSV-bestand ({detail})"), detail=exc)]) from None
    frame.attrs["lines"] = lines
    return frame


def _scan_rows(text: str) -> tuple[list[int] | None, list[ImportProblem]]:
    """One pass of the csv module over the file, for two things pandas does not give:

    - where each data row starts, as an editor numbers lines (pandas skips blank lines, and a quoted
      value may span lines, so a row's index alone would point at the wrong line);
    - the rows with a value past the header's last column (empty extra fields are harmless: pandas
      drops them), by line.

    (None, []) when the csv module cannot read the file: pandas refuses it then and says why.
    """
    reader = csv.reader(io.StringIO(text))
    starts: list[int] = []
    problems: list[ImportProblem] = []
    width = None
    check = False
    previous_end = 0
    try:
        for row in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not row:  # a blank line yields [] and is skipped, as pandas skips it
                continue
            if width is None:  # the header
                width = len(row)
                # With a column missing, that is the problem to name (`_parse_rows` does), not the widths.
                check = set(REQUIRED_COLUMNS) <= {c.strip().lower() for c in row}
                continue
            starts.append(start)
            if check and len(row) > width and any(value.strip() for value in row[width:]):
                problems.append(_problem(start, _("de regel heeft {found} waarden, de kopregel {expected} kolommen"),
                                         found=len(row), expected=width))
    except csv.Error:
        return None, []
    return starts, problems


def _parse_rows(frame: pd.DataFrame) -> tuple[list[_Row], list[ImportProblem]]:
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        return [], [_problem(1, _("ontbrekende kolom(men): {columns}"), columns=", ".join(missing))]
    errors: list[ImportProblem] = []
    rows: list[_Row] = []
    seen_outcomes: dict[tuple[str, str, str], int] = {}
    units_seen: dict[tuple[str, str], tuple[int, str, Decimal, int]] = {}
    programmes_seen: dict[str, tuple[int, str]] = {}
    lines = frame.attrs.get("lines")
    records = frame.to_dict("records")
    if lines is None or len(lines) != len(records):
        lines = [index + 2 for index in range(len(records))]  # line 1 is the header (XLSX: one row a line)
    for line, record in zip(lines, records, strict=True):
        values = {k: str(v).strip() for k, v in record.items()}
        row_errors = []
        for column in REQUIRED_COLUMNS:
            if not values.get(column):
                row_errors.append(_problem(line, _("{column} is leeg"), column=column))
        if row_errors:
            errors.extend(row_errors)
            continue
        try:
            ects = Decimal(values["unit_ects"].replace(",", "."))
            if not ects.is_finite() or ects <= 0 or ects > 240:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(_problem(line, _("unit_ects {value} is geen aantal EC tussen 0 en 240"),
                                   value=repr(values["unit_ects"])))
            continue
        try:
            eqf = int(values["eqf_level"])
            if not 1 <= eqf <= 8:
                raise ValueError
        except ValueError:
            errors.append(_problem(line, _("eqf_level {value} is geen niveau van 1 tot en met 8"),
                                   value=repr(values["eqf_level"])))
            continue
        language = values["language"].lower()
        if language not in Language.values:
            errors.append(_problem(line, _("language {value} is niet 'nl' of 'en'"), value=repr(values["language"])))
            continue
        if len(values["outcome_text"]) > MAX_TEXT:
            errors.append(_problem(line, _("outcome_text is langer dan {limit} tekens"), limit=MAX_TEXT))
            continue
        key = (values["programme_code"], values["unit_code"], values["outcome_code"])
        if key in seen_outcomes:
            errors.append(_problem(line, _("outcome_code {code} komt dubbel voor in eenheid {unit} (eerst op regel {first})"),
                                   code=repr(key[2]), unit=repr(key[1]), first=seen_outcomes[key]))
            continue
        seen_outcomes[key] = line
        unit_key = (values["programme_code"], values["unit_code"])
        unit_attrs = (values["unit_name"], ects, eqf)
        if unit_key in units_seen and units_seen[unit_key][1:] != unit_attrs:
            first = units_seen[unit_key][0]
            errors.append(_problem(line, _("eenheid {unit} heeft een andere naam, EC of EQF-niveau dan op regel {first}"),
                                   unit=repr(key[1]), first=first))
            continue
        units_seen.setdefault(unit_key, (line, *unit_attrs))
        programme_name = values["programme_name"]
        if values["programme_code"] in programmes_seen and programmes_seen[key[0]][1] != programme_name:
            errors.append(_problem(line, _("opleiding {programme} heeft een andere naam dan op regel {first}"),
                                   programme=repr(key[0]), first=programmes_seen[key[0]][0]))
            continue
        programmes_seen.setdefault(key[0], (line, programme_name))
        rows.append(
            _Row(
                line=line,
                programme_code=key[0],
                programme_name=programme_name,
                unit_code=key[1],
                unit_name=values["unit_name"],
                ects=ects,
                eqf=eqf,
                outcome_code=key[2],
                text=values["outcome_text"],
                language=language,
                extras={c: values.get(c, "") for c in OPTIONAL_COLUMNS},
            )
        )
    if not rows and not errors:
        errors.append(_problem(2, _("het bestand heeft een kopregel maar geen rijen")))
    return rows, errors


def curriculum_import(
    source: str | Path | IO[bytes], *, filename: str | None = None, academic_year: str | None = None
) -> ImportSummary:
    """Upsert one interchange file into the catalogue of `academic_year`; all or nothing.

    Raises CurriculumImportError with every problem found; nothing is written then.
    A year on which decisions were taken (frozen) refuses any change to its texts.
    """
    year = academic_year or academic_year_for()
    try:
        validate_academic_year(year)
    except ValidationError as exc:
        raise CurriculumImportError([_problem(0, _("studiejaar {year}: {why}"), year=repr(year),
                                              why=" ".join(exc.messages))]) from None
    name = filename or (str(source) if isinstance(source, (str, Path)) else "upload.csv")
    rows, errors = _parse_rows(_read_table(source, name))
    if errors:
        raise CurriculumImportError(errors)
    with transaction.atomic():
        summary, write_errors = _write(rows, year)
        if write_errors:
            # Raising inside the atomic block rolls back whatever was written before the refusal.
            raise CurriculumImportError(write_errors)
        if summary.changed_version_ids:
            # Bulk writes send no save signals; this tells e.g. open cases to match again.
            catalogue_changed.send(sender=CurriculumVersion, version_ids=summary.changed_version_ids)
    return summary


def _write(rows: list[_Row], year: str) -> tuple[ImportSummary, list[ImportProblem]]:
    summary = ImportSummary()
    errors: list[ImportProblem] = []
    by_programme: dict[str, list[_Row]] = {}
    for row in rows:
        by_programme.setdefault(row.programme_code, []).append(row)

    for code, prog_rows in by_programme.items():
        first = prog_rows[0]
        programme, _created = Programme.objects.get_or_create(
            code=code, defaults={"name": first.programme_name, "eqf_level": max(r.eqf for r in prog_rows)}
        )
        changed = []
        for attr, value in (
            ("name", first.programme_name),
            ("name_en", first.extras["programme_name_en"]),
            ("croho_code", first.extras["croho_code"]),
        ):
            if value and getattr(programme, attr) != value:
                setattr(programme, attr, value)
                changed.append(attr)
        if changed:
            programme.save(update_fields=changed)
        version, _created = CurriculumVersion.objects.get_or_create(programme=programme, academic_year=year)
        summary.programmes += 1
        summary.versions.append(str(version))

        units = {u.code: u for u in version.units.all()}
        new_units: dict[str, Unit] = {}
        changed_units: dict[str, Unit] = {}
        for row in prog_rows:
            unit = units.get(row.unit_code) or new_units.get(row.unit_code)
            if unit is not None:
                if unit.pk and _unit_differs(unit, row):
                    if version.is_frozen:
                        errors.append(_frozen_error(row, version))
                        continue
                    _apply_unit(unit, row)
                    changed_units[unit.code] = unit
                continue
            if version.is_frozen:
                errors.append(_frozen_error(row, version))
                continue
            unit = Unit(version=version, code=row.unit_code)
            _apply_unit(unit, row)
            new_units[row.unit_code] = unit
        Unit.objects.bulk_create(new_units.values())
        Unit.objects.bulk_update(changed_units.values(), ["name", "name_en", "ects", "eqf_level", "description"])
        summary.units_created += len(new_units)
        summary.units_updated += len(changed_units)
        units = {u.code: u for u in version.units.all()}

        existing = {
            (o.unit_id, o.code): o for o in LearningOutcome.objects.filter(unit__version=version)
        }
        new_outcomes: list[LearningOutcome] = []
        changed_outcomes: list[LearningOutcome] = []
        positions: dict[str, int] = {}
        for row in prog_rows:
            unit = units.get(row.unit_code)
            if unit is None:
                continue  # its unit was refused above
            positions[row.unit_code] = positions.get(row.unit_code, 0) + 1
            refs = row.extras["framework_refs"].split()
            outcome = existing.get((unit.pk, row.outcome_code))
            if outcome is None:
                if version.is_frozen:
                    errors.append(_frozen_error(row, version))
                    continue
                new_outcomes.append(
                    LearningOutcome(
                        unit=unit,
                        code=row.outcome_code,
                        text=row.text,
                        language=row.language,
                        framework_refs=refs,
                        position=positions[row.unit_code],
                    )
                )
            elif (outcome.text, outcome.language, outcome.framework_refs) != (row.text, row.language, refs):
                if version.is_frozen:
                    errors.append(_frozen_error(row, version))
                    continue
                outcome.text, outcome.language, outcome.framework_refs = row.text, row.language, refs
                outcome.position = positions[row.unit_code]
                changed_outcomes.append(outcome)
            else:
                summary.outcomes_unchanged += 1
        LearningOutcome.objects.bulk_create(new_outcomes, batch_size=2000)
        LearningOutcome.objects.bulk_update(
            changed_outcomes, ["text", "language", "framework_refs", "position"], batch_size=2000
        )
        summary.outcomes_created += len(new_outcomes)
        summary.outcomes_updated += len(changed_outcomes)
        if new_units or changed_units or new_outcomes or changed_outcomes:
            summary.changed_version_ids.append(version.pk)
    return summary, errors


def _frozen_error(row: _Row, version: CurriculumVersion) -> ImportProblem:
    return _problem(row.line, _("{version} ligt vast omdat er besluiten op zijn genomen; laad wijzigingen in "
                                "een nieuw studiejaar in"), version=str(version))


def _unit_differs(unit: Unit, row: _Row) -> bool:
    return (unit.name, unit.ects, unit.eqf_level) != (row.unit_name, row.ects, row.eqf) or (
        bool(row.extras["unit_name_en"]) and unit.name_en != row.extras["unit_name_en"]
    ) or (bool(row.extras["unit_description"]) and unit.description != row.extras["unit_description"])


def _apply_unit(unit: Unit, row: _Row) -> None:
    unit.name = row.unit_name
    unit.ects = row.ects
    unit.eqf_level = row.eqf
    if row.extras["unit_name_en"]:
        unit.name_en = row.extras["unit_name_en"]
    if row.extras["unit_description"]:
        unit.description = row.extras["unit_description"]


def curriculum_export_rows(*, programme_code: str, academic_year: str | None = None) -> list[dict[str, Any]]:
    """The rows of one programme-year in interchange order; raises Programme/Version.DoesNotExist."""
    programme = Programme.objects.get(code=programme_code)
    if academic_year:
        version = programme.versions.get(academic_year=academic_year)
    else:
        version = programme.current_version()
        if version is None:
            raise CurriculumVersion.DoesNotExist(f"{programme_code} has no curriculum version")
    outcomes = (
        LearningOutcome.objects.filter(unit__version=version)
        .select_related("unit")
        .order_by("unit__code", "position", "code")
    )
    return [
        {
            "programme_code": programme.code,
            "programme_name": programme.name,
            "unit_code": o.unit.code,
            "unit_name": o.unit.name,
            "unit_ects": _format_ects(o.unit.ects),
            "eqf_level": o.unit.eqf_level,
            "outcome_code": o.code,
            "outcome_text": o.text,
            "language": o.language,
            "programme_name_en": programme.name_en,
            "croho_code": programme.croho_code,
            "unit_name_en": o.unit.name_en,
            "unit_description": o.unit.description,
            "framework_refs": " ".join(o.framework_refs),
        }
        for o in outcomes
    ]


def _format_ects(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral() else str(value.normalize())


def curriculum_export_csv(rows: list[dict[str, Any]], out: IO[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=REQUIRED_COLUMNS + OPTIONAL_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def curriculum_export_xlsx(rows: list[dict[str, Any]], path: str | Path) -> None:
    frame = pd.DataFrame(rows, columns=REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    frame.to_excel(path, index=False, engine="openpyxl")
