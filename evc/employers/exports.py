"""XLSX and CSV exports of a report; every text cell neutralised against formula injection."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from evc.employers.report import Report

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text a spreadsheet would run as a formula gets a leading apostrophe; numbers pass."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _shown(count: int | None, label: str) -> Any:
    return label if count is None else count


def report_rows(report: Report) -> list[list[Any]]:
    """Long format, one row per group × unit, plus unit totals: the CSV and the 'Gegevens' sheet."""
    header = [
        "group_type",
        "group",
        "staff",
        "programme",
        "unit",
        "unit_name",
        "ects",
        "covered",
        "could_be_exempted",
        "share_covered",
    ]
    rows: list[list[Any]] = [header]
    units = {u.ref: u for u in report.units}
    for row in report.rows:
        for cell in row.cells:
            unit = units[cell.unit_ref]
            rows.append(
                [
                    report.group_by,
                    row.label,
                    row.staff,
                    unit.programme,
                    unit.code,
                    unit.name,
                    unit.ects,
                    _shown(cell.covered, cell.covered_label),
                    _shown(cell.exemption, cell.exemption_label),
                    "" if cell.share is None else round(cell.share, 4),
                ]
            )
    for unit in report.units:
        rows.append(
            [
                "organisation",
                _("Hele organisatie"),
                report.staff_total,
                unit.programme,
                unit.code,
                unit.name,
                unit.ects,
                _shown(unit.covered, unit.covered_label),
                _shown(unit.exemption, unit.exemption_label),
                ""
                if unit.covered is None or not report.staff_total
                else round(unit.covered / report.staff_total, 4),
            ]
        )
    return rows


def report_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in report_rows(report):
        writer.writerow([neutralise(v) for v in row])
    return buffer.getvalue()


def report_xlsx(report: Report, *, organisation_name: str) -> bytes:
    wb = Workbook()
    bold = Font(bold=True)

    # Sheet 1: the heatmap, group × unit, shares as numbers with a colour scale.
    ws = wb.active
    ws.title = "Heatmap"
    ws.append([neutralise(_("Dekking per groep en onderwijseenheid — %(org)s") % {"org": organisation_name})])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(
        [
            neutralise(
                _(
                    "Aandeel medewerkers van wie de inventarisatie de eenheid (deels) dekt. "
                    "Groepen en aantallen onder %(k)s zijn verborgen (%(label)s); ook waar minder dan %(k)s "
                    "mensen buiten een aantal vallen, of waar een verborgen aantal anders uit de totalen te berekenen "
                    "zou zijn (*)."
                )
                % {"k": report.min_group, "label": report.suppressed_label}
            )
        ]
    )
    header = [_("Groep"), _("Medewerkers")] + [u.ref for u in report.units]
    ws.append([neutralise(h) for h in header])
    ws.append(["", ""] + [neutralise(u.name) for u in report.units])
    for cell in ws[3] + ws[4]:
        cell.font = bold
        cell.alignment = Alignment(text_rotation=90 if cell.column > 2 else 0, wrap_text=True)
    first_data = 5
    for row in report.rows:
        values: list[Any] = [neutralise(row.label), row.staff]
        values += [c.covered_label if c.share is None else round(c.share, 4) for c in row.cells]
        ws.append(values)
    last_row = first_data + len(report.rows) - 1
    if report.rows and report.units:
        area = f"C{first_data}:{get_column_letter(2 + len(report.units))}{last_row}"
        ws.conditional_formatting.add(
            area,
            ColorScaleRule(
                start_type="num",
                start_value=0,
                start_color="F7FBFF",
                end_type="num",
                end_value=1,
                end_color="08519C",
            ),
        )
        grey = PatternFill("solid", fgColor="E0E0E0")
        for r in ws.iter_rows(min_row=first_data, max_row=last_row, min_col=3):
            for cell in r:
                if isinstance(cell.value, float | int):
                    cell.number_format = "0%"
                else:
                    cell.fill = grey
    ws.column_dimensions["A"].width = 38
    ws.freeze_panes = "C5"

    # Sheet 2: closest programmes per group.
    ws2 = wb.create_sheet(_("Opleidingen per groep")[:31])
    ws2.append(
        [neutralise(h) for h in (_("Groep"), _("Medewerkers"), _("Opleiding"), _("Aandeel EC gedekt"),
                                 _("Ten minste (kleine aantallen verborgen)"))]
    )
    for cell in ws2[1]:
        cell.font = bold
    for row in report.rows:
        for code, name, share, at_least in row.closest:
            ws2.append([neutralise(row.label), row.staff, neutralise(f"{name} ({code})"), share,
                        _("ja") if at_least else _("nee")])
            ws2.cell(ws2.max_row, 4).number_format = "0%"
    ws2.column_dimensions["A"].width = 38
    ws2.column_dimensions["C"].width = 50

    # Sheet 3: units, who could be exempted, and which units nobody covers.
    ws3 = wb.create_sheet(_("Onderwijseenheden")[:31])
    ws3.append(
        [
            neutralise(h)
            for h in (
                _("Opleiding"),
                _("Eenheid"),
                _("Naam"),
                "EC",
                _("Gedekt (deels)"),
                _("Kan vrijstelling krijgen"),
                _("Niemand dekt dit"),
            )
        ]
    )
    for cell in ws3[1]:
        cell.font = bold
    for unit in report.units:
        ws3.append(
            [
                neutralise(unit.programme),
                neutralise(unit.code),
                neutralise(unit.name),
                unit.ects,
                _shown(unit.covered, unit.covered_label),
                _shown(unit.exemption, unit.exemption_label),
                _("ja") if unit.nobody else "",
            ]
        )
    ws3.column_dimensions["C"].width = 45

    # Sheet 4: the same figures in long format, for pivot tables.
    ws4 = wb.create_sheet(_("Gegevens")[:31])
    for values in report_rows(report):
        ws4.append([neutralise(v) for v in values])

    ws5 = wb.create_sheet(_("Toelichting")[:31])
    for line in (
        _("Medewerkers in de inventarisatie: %(n)s") % {"n": report.staff_total},
        _("Gemaakt op: %(when)s") % {"when": timezone.localtime().strftime("%d-%m-%Y %H:%M")},
        _("Alleen totalen: aantallen onder %(k)s en groepen kleiner dan %(k)s worden niet getoond.")
        % {"k": report.min_group},
        _("Een suggestie is geen besluit: alleen de examencommissie verleent vrijstellingen."),
    ):
        ws5.append([neutralise(line)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
