"""What the employer may see of a mapping run: aggregates, small groups suppressed.

`build_report()` is the single place suppression happens; the page, the XLSX and the
CSV export all render its output, so no export can show more than the page.

Rules (k = EVC_MIN_GROUP_SIZE, default 5):
- a department (or department/role) with fewer than k staff gets no row of its own;
  such groups are pooled into one "other groups" row if the pool reaches k, else left out;
- a count of 1..k-1 people is shown as "<k"; a count that leaves 1..k-1 people of the
  group *outside* it is shown as "*" (otherwise "all but 2" would single out those 2);
- a share is shown only where its count is shown;
- no hidden count can be worked out by subtraction: per unit, the organisation total
  minus the shown group cells must again be 0 or a safe count (and so for its
  complement); otherwise more cells are hidden, smallest first, and if that is not
  enough the total is hidden too. (Across the two groupings, department and
  department/role, the same holds: a department's shown cell minus its shown role
  cells must be safe, so the role view hides more where needed.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

COMPLEMENT_MARK = "*"


@dataclass
class Cell:
    unit_ref: str
    covered: int | None  # None = suppressed
    exemption: int | None
    share: float | None  # covered / group staff
    covered_label: str = ""  # what to show: the count, "<k" or "*"
    exemption_label: str = ""
    raw_covered: int = field(default=0, repr=False)  # never rendered; for the subtraction check
    raw_exemption: int = field(default=0, repr=False)

    @property
    def suppressed(self) -> bool:
        return self.covered is None


@dataclass
class GroupRow:
    label: str
    staff: int
    cells: list[Cell]
    pooled: bool = False
    # (code, name, share of EC, at_least): at_least when hidden cells were left out, so the share is a lower bound
    closest: list[tuple[str, str, float, bool]] = field(default_factory=list)


@dataclass
class UnitRow:
    programme: str
    code: str
    name: str
    ects: float
    exemption: int | None
    covered: int | None
    nobody: bool
    exemption_label: str = ""
    covered_label: str = ""

    @property
    def ref(self) -> str:
        return f"{self.programme}/{self.code}"


@dataclass
class Report:
    min_group: int
    staff_total: int
    group_by: str
    programmes: list[dict[str, Any]]
    units: list[UnitRow]
    rows: list[GroupRow]
    hidden_groups: int

    @property
    def suppressed_label(self) -> str:
        return f"<{self.min_group}"

    @property
    def uncovered_units(self) -> list[UnitRow]:
        return [u for u in self.units if u.nobody]


def safe_count(count: int, population: int, k: int) -> int | None:
    """The count if showing it singles nobody out; else None."""
    if 0 < count < k:
        return None
    if 0 < population - count < k:
        return None
    return count


def count_label(count: int, population: int, k: int) -> str:
    if 0 < count < k:
        return f"<{k}"
    if 0 < population - count < k:
        return COMPLEMENT_MARK
    return str(count)


def build_report(
    result: dict[str, Any], *, group_by: str = "department", min_group: int | None = None
) -> Report:
    k = min_group if min_group is not None else settings.EVC_MIN_GROUP_SIZE
    if group_by not in ("department", "role"):
        group_by = "department"
    programmes = result["programmes"]
    unit_list = [(p["code"], u) for p in programmes for u in p["units"]]
    refs = [f"{code}/{u['code']}" for code, u in unit_list]
    staff_total = int(result["staff_total"])

    units = []
    for code, unit in unit_list:
        ref = f"{code}/{unit['code']}"
        totals = result["units"].get(ref, {"exemption": 0, "partial": 0})
        covered = totals["exemption"] + totals["partial"]
        units.append(
            UnitRow(
                programme=code,
                code=unit["code"],
                name=unit["name"],
                ects=unit["ects"],
                exemption=safe_count(totals["exemption"], staff_total, k),
                covered=safe_count(covered, staff_total, k),
                nobody=covered == 0,
                exemption_label=count_label(totals["exemption"], staff_total, k),
                covered_label=count_label(covered, staff_total, k),
            )
        )

    groups = result["groups"][group_by]
    big = [g for g in groups if g["staff"] >= k]
    small = [g for g in groups if g["staff"] < k]
    hidden = 0
    pooled_group = None
    if small:
        pooled_staff = sum(g["staff"] for g in small)
        if pooled_staff >= k and len(small) > 1:
            cells: dict[str, dict[str, int]] = {}
            for g in small:
                for ref, cell in g["cells"].items():
                    target = cells.setdefault(ref, {"exemption": 0, "partial": 0})
                    target["exemption"] += cell["exemption"]
                    target["partial"] += cell["partial"]
            pooled_group = {"label": _("Overige kleine groepen"), "staff": pooled_staff, "cells": cells}
        else:
            hidden = len(small)
    rows = []
    for group in big + ([pooled_group] if pooled_group else []):
        rows.append(_row(group, refs, k, programmes, pooled=group is pooled_group))
    left_out = small if hidden else []
    # Hiding one cell can expose another subtraction: repeat until nothing changes.
    while True:
        before = _hidden_count(rows, units)
        for index, unit in enumerate(units):
            _protect_column(rows, left_out, unit, index, k)
        if group_by == "role":
            _protect_against_departments(result, rows, refs, k)
        if _hidden_count(rows, units) == before:
            break
    for row in rows:
        row.closest = _closeness(row, programmes)
    return Report(
        min_group=k,
        staff_total=staff_total,
        group_by=group_by,
        programmes=programmes,
        units=units,
        rows=rows,
        hidden_groups=hidden,
    )


def _row(
    group: dict[str, Any], refs: list[str], k: int, programmes: list[dict[str, Any]], *, pooled: bool
) -> GroupRow:
    n = group["staff"]
    cells = []
    for ref in refs:
        raw = group["cells"].get(ref, {"exemption": 0, "partial": 0})
        raw_covered = raw["exemption"] + raw["partial"]
        covered = safe_count(raw_covered, n, k)
        exemption = safe_count(raw["exemption"], n, k) if covered is not None else None
        cells.append(
            Cell(
                raw_covered=raw_covered,
                raw_exemption=raw["exemption"],
                unit_ref=ref,
                covered=covered,
                exemption=exemption,
                share=None if covered is None else covered / n,
                covered_label=count_label(raw_covered, n, k),
                # Hidden with its cell: a visible exemption count would reveal the hidden coverage.
                exemption_label=count_label(raw["exemption"], n, k)
                if covered is not None
                else count_label(raw_covered, n, k),
            )
        )
    return GroupRow(label=group["label"], staff=n, cells=cells, pooled=pooled)


def _hidden_count(rows: list[GroupRow], units: list[UnitRow]) -> int:
    cells = sum((c.covered is None) + (c.exemption is None) for r in rows for c in r.cells)
    return cells + sum((u.covered is None) + (u.exemption is None) for u in units)


def _department_of(group: dict[str, Any]) -> str:
    return group.get("department") or group["label"].split(" / ", 1)[0]


def _protect_against_departments(
    result: dict[str, Any], rows: list[GroupRow], refs: list[str], k: int
) -> None:
    """Role rows must not reveal, by subtraction from the department view, what that view hides."""
    departments = build_report(result, group_by="department", min_group=k)
    role_groups = {g["label"]: g for g in result["groups"]["role"]}
    members_of: dict[str, list[GroupRow]] = {}
    for row in rows:
        if not row.pooled:
            members_of.setdefault(_department_of(role_groups[row.label]), []).append(row)
    for margin_row in departments.rows:
        if margin_row.pooled:
            continue
        members = members_of.get(margin_row.label, [])
        for index in range(len(refs)):
            for shown_attr, raw_attr in (("covered", "raw_covered"), ("exemption", "raw_exemption")):
                margin = margin_row.cells[index]
                if getattr(margin, shown_attr) is None:
                    continue  # the department view hides it: nothing to subtract from
                visible = [r for r in members if getattr(r.cells[index], shown_attr) is not None]
                hidden_pop = margin_row.staff - sum(r.staff for r in visible)
                hidden = getattr(margin, raw_attr) - sum(getattr(r.cells[index], raw_attr) for r in visible)
                while safe_count(hidden, hidden_pop, k) is None and visible:
                    visible.sort(
                        key=lambda r: (
                            getattr(r.cells[index], raw_attr) == 0,
                            getattr(r.cells[index], raw_attr),
                            r.staff,
                        )
                    )
                    row = visible.pop(0)
                    cell = row.cells[index]
                    if shown_attr == "covered":
                        cell.covered = cell.exemption = cell.share = None
                        cell.covered_label = cell.exemption_label = COMPLEMENT_MARK
                    else:
                        cell.exemption, cell.exemption_label = None, COMPLEMENT_MARK
                    hidden_pop += row.staff
                    hidden += getattr(cell, raw_attr)


def _closeness(row: GroupRow, programmes: list[dict[str, Any]]) -> list[tuple[str, str, float]]:
    """Share of each programme's EC the group covers on average, best first.

    Computed from the shown cells only (an exemption counts fully, a partial match half;
    a hidden cell counts as nothing), so it can never be solved for a hidden count. Where a cell
    was hidden the share is marked as a lower bound: "0%" would read as "nobody covers anything".
    """
    cells = {c.unit_ref: c for c in row.cells}
    closest = []
    for programme in programmes:
        total_ec = sum(u["ects"] for u in programme["units"]) or 1.0
        covered_ec = 0.0
        at_least = False
        for unit in programme["units"]:
            cell = cells[f"{programme['code']}/{unit['code']}"]
            if cell.covered is None:
                at_least = True
                continue
            exempt = cell.exemption if cell.exemption is not None else 0
            covered_ec += unit["ects"] * (exempt + 0.5 * (cell.covered - exempt)) / row.staff
        closest.append((programme["code"], programme["name"], round(covered_ec / total_ec, 4), at_least))
    closest.sort(key=lambda item: -item[2])
    return closest


def _protect_column(
    rows: list[GroupRow], left_out: list[dict[str, Any]], unit: UnitRow, index: int, k: int
) -> None:
    """Secondary suppression for one unit: total minus shown cells must not reveal a small count."""
    ref = unit.ref
    hidden_pop = sum(g["staff"] for g in left_out)
    hidden_cov = sum(sum(g["cells"].get(ref, {}).values()) for g in left_out)
    hidden_exe = sum(g["cells"].get(ref, {}).get("exemption", 0) for g in left_out)
    cells = [(row, row.cells[index]) for row in rows]
    for row, cell in cells:
        if cell.covered is None:
            hidden_pop += row.staff
            hidden_cov += cell.raw_covered
    while unit.covered is not None and safe_count(hidden_cov, hidden_pop, k) is None:
        # Hide the smallest non-zero count first: a zero adds nobody to the hidden sum.
        shown = sorted(
            (c for c in cells if c[1].covered is not None),
            key=lambda rc: (rc[1].raw_covered == 0, rc[1].raw_covered, rc[0].staff),
        )
        if not shown:
            unit.covered, unit.covered_label = None, COMPLEMENT_MARK
            break
        row, cell = shown[0]
        cell.covered = cell.exemption = cell.share = None
        cell.covered_label = cell.exemption_label = COMPLEMENT_MARK
        hidden_pop += row.staff
        hidden_cov += cell.raw_covered
    # The same for "could be exempted": the total minus the exemption counts still shown.
    hidden_pop_exe = sum(g["staff"] for g in left_out)
    for row, cell in cells:
        if cell.exemption is None:
            hidden_pop_exe += row.staff
            hidden_exe += cell.raw_exemption
    while unit.exemption is not None and safe_count(hidden_exe, hidden_pop_exe, k) is None:
        shown = sorted(
            (c for c in cells if c[1].exemption is not None),
            key=lambda rc: (rc[1].raw_exemption == 0, rc[1].raw_exemption, rc[0].staff),
        )
        if not shown:
            unit.exemption, unit.exemption_label = None, COMPLEMENT_MARK
            break
        row, cell = shown[0]
        cell.exemption, cell.exemption_label = None, COMPLEMENT_MARK
        hidden_pop_exe += row.staff
        hidden_exe += cell.raw_exemption


# --- colours -------------------------------------------------------------------------

# Sequential light-to-dark blue (ColorBrewer "Blues", 6 steps); text is white only on the darkest
# step: each pair has a contrast of at least 5:1 (WCAG AA).
SCALE = ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#4292c6", "#08519c"]


def colour_for(share: float | None) -> tuple[str, str]:
    """(background, text colour) for a share; suppressed cells are plain grey."""
    if share is None:
        return "#e0e0e0", "#1a1a1a"
    step = min(len(SCALE) - 1, int(share * len(SCALE)))
    return SCALE[step], ("#ffffff" if step >= 5 else "#1a1a1a")
