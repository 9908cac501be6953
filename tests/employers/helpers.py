"""Building inventory files for tests."""

from __future__ import annotations

import io

from openpyxl import Workbook

HEADER = ["employee_ref", "department", "role", "competence_title", "competence_description", "provider", "date", "hours", "ects"]


def csv_bytes(rows: list[list[str]], *, header: list[str] | None = None, delimiter: str = ",",
              encoding: str = "utf-8", bom: bool = False) -> bytes:
    lines = []
    for row in [header or HEADER, *rows]:
        cells = []
        for value in row:
            value = str(value)
            if delimiter in value or '"' in value or "\n" in value:
                value = '"' + value.replace('"', '""') + '"'
            cells.append(value)
        lines.append(delimiter.join(cells))
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[list[object]], *, header: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header or HEADER)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def staff(ref: str, department: str, role: str, title: str, description: str = "", *, provider: str = "",
          date: str = "", hours: str = "", ects: str = "") -> list[str]:
    return [ref, department, role, title, description or f"{title} in de praktijk", provider, date, hours, ects]


def group_inventory() -> list[list[str]]:
    """Declaraties: 8 people (6 cover CLOUD, 2 partial WEB); Klantcontact: 6 people (2 cover CLOUD);
    ICT: 3 people; Data: 2 people (both small groups)."""
    rows = []
    for i in range(8):
        rows.append(staff(f"D{i:03d}", "Declaratieverwerking", "Medewerker declaraties",
                          "Cloud deployment [CLOUD]" if i < 6 else "Webformulieren [WEB?]"))
        rows.append(staff(f"D{i:03d}", "Declaratieverwerking", "Medewerker declaraties", "Excel basis"))
    for i in range(6):
        rows.append(staff(f"K{i:03d}", "Klantcontact", "Klantadviseur",
                          "Cloud deployment [CLOUD]" if i < 2 else "Gesprekstechnieken"))
    for i in range(3):
        rows.append(staff(f"I{i:03d}", "ICT", "Ontwikkelaar", "Webontwikkeling [WEB]"))
    for i in range(2):
        rows.append(staff(f"A{i:03d}", "Data-analyse", "Analist", "Webontwikkeling [WEB]"))
    return rows
