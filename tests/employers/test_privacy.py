"""Small-group suppression (on the page and in both exports) and formula neutralisation."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from evc.employers import services
from evc.employers.exports import neutralise, report_csv, report_xlsx
from evc.employers.mapping import mapping_run_execute
from evc.employers.report import build_report, safe_count
from tests.employers.helpers import csv_bytes, group_inventory, staff


@pytest.mark.parametrize("count,population,shown", [
    (0, 20, 0), (1, 20, None), (4, 20, None), (5, 20, 5), (15, 20, 15), (16, 20, None), (19, 20, None), (20, 20, 20),
])
def test_it_suppresses_counts_that_single_people_out(count, population, shown):
    assert safe_count(count, population, 5) == shown


def _result():
    def group(label, n, cells):
        return {"label": label, "staff": n, "cells": cells}

    return {
        "staff_total": 30,
        "programmes": [{"code": "P", "name": "Prog", "units": [{"code": "U1", "name": "Een", "ects": 5.0},
                                                               {"code": "U2", "name": "Twee", "ects": 5.0}]}],
        "groups": {
            "department": [
                group("Groot", 20, {"P/U1": {"exemption": 10, "partial": 0}, "P/U2": {"exemption": 2, "partial": 1}}),
                group("Klein A", 3, {"P/U1": {"exemption": 3, "partial": 0}}),
                group("Klein B", 4, {"P/U1": {"exemption": 1, "partial": 0}}),
                group("Klein C", 3, {}),
            ],
            "role": [],
        },
        "units": {"P/U1": {"exemption": 14, "partial": 0}, "P/U2": {"exemption": 2, "partial": 1}},
    }


def test_small_groups_are_pooled_and_small_cells_hidden():
    report = build_report(_result(), min_group=5)
    labels = [r.label for r in report.rows]
    assert labels == ["Groot", "Overige kleine groepen"]
    big, pooled = report.rows
    assert pooled.staff == 10 and pooled.cells[0].suppressed and pooled.cells[0].covered_label == "<5"  # 3 + 1
    assert big.cells[1].suppressed and big.cells[1].covered_label == "<5"  # 3 people
    units = {u.code: u for u in report.units}
    assert units["U2"].exemption is None and units["U2"].covered is None
    # U1: total 14 minus Groot's 10 would reveal the pool's 4, so Groot's cell goes too.
    assert units["U1"].exemption == 14 and big.cells[0].suppressed and big.cells[0].covered_label == "*"


def test_no_hidden_count_can_be_recovered_by_subtraction():
    result = _result()
    result["groups"]["department"] = [
        {"label": "A", "staff": 20, "cells": {"P/U1": {"exemption": 8, "partial": 0}}},
        {"label": "B", "staff": 20, "cells": {"P/U1": {"exemption": 2, "partial": 0}}},
        {"label": "C", "staff": 20, "cells": {"P/U1": {"exemption": 6, "partial": 0}}},
        {"label": "D", "staff": 20, "cells": {}},
    ]
    result["staff_total"] = 80
    result["units"] = {"P/U1": {"exemption": 16, "partial": 0}, "P/U2": {"exemption": 0, "partial": 0}}
    report = build_report(result, min_group=5)
    shown = {r.label: r.cells[0].covered for r in report.rows}
    assert shown == {"A": 8, "B": None, "C": None, "D": 0}  # C (the smallest non-zero) hides with B
    total = report.units[0].covered
    assert total == 16 and total - sum(v for v in shown.values() if v) == 8  # B + C together: 8, not B's 2


def test_groups_left_out_count_as_hidden():
    result = _result()
    result["groups"]["department"] = [
        {"label": "A", "staff": 20, "cells": {"P/U1": {"exemption": 10, "partial": 0}}},
        {"label": "Klein", "staff": 3, "cells": {"P/U1": {"exemption": 2, "partial": 0}}},
    ]
    result["staff_total"] = 23
    result["units"] = {"P/U1": {"exemption": 12, "partial": 0}, "P/U2": {"exemption": 0, "partial": 0}}
    report = build_report(result, min_group=5)
    assert report.hidden_groups == 1
    # 12 - 10 would give the left-out group's 2: A's cell is hidden, the total stays.
    assert report.rows[0].cells[0].covered is None and report.units[0].covered == 12


def test_a_lone_small_group_is_left_out_entirely():
    result = _result()
    result["groups"]["department"] = result["groups"]["department"][:2]
    report = build_report(result, min_group=5)
    assert [r.label for r in report.rows] == ["Groot"] and report.hidden_groups == 1


def test_the_threshold_is_a_setting(settings):
    settings.EVC_MIN_GROUP_SIZE = 3
    report = build_report(_result())
    assert report.suppressed_label == "<3"
    assert "Klein A" in [r.label for r in report.rows]


@pytest.mark.django_db
def test_page_and_exports_never_show_a_small_group(organisation, catalogue, fake_engine, employer_rep, client_for):
    services.staff_import_file(organisation=organisation, data=csv_bytes(group_inventory()), filename="cz.csv")
    run = services.mapping_run_create(organisation=organisation, programme_codes=["HBO-ICT-SE"])
    mapping_run_execute(run_id=run.pk)
    client = client_for(employer_rep)
    page = client.get(f"/werkgever/koppelingen/{run.pk}/").content.decode()
    exported_csv = client.get(f"/werkgever/koppelingen/{run.pk}/export.csv").content.decode("utf-8-sig")
    workbook = load_workbook(io.BytesIO(client.get(f"/werkgever/koppelingen/{run.pk}/export.xlsx").content))
    xlsx_text = "\n".join(str(v) for ws in workbook for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    for text in (page, exported_csv, xlsx_text):
        assert "Declaratieverwerking" in text  # 8 people: shown
        assert "ICT" not in text.replace("HBO-ICT", "")  # 3 people: not shown, not even pooled (pool of 5 with Data)…
    # …ICT (3) and Data-analyse (2) pool to exactly 5: one "other" row, its cells judged on the pool.
    rows = list(csv.DictReader(io.StringIO(exported_csv)))
    pooled = [r for r in rows if r["group"] == "Overige kleine groepen"]
    # WEB: the organisation total (7) minus Klantcontact (0) would give Declaratieverwerking's 2
    # if the pool's 5 were shown: so the pool's cell is hidden as well ("*").
    assert {r["unit"]: r["covered"] for r in pooled} == {"CLOUD": "0", "WEB": "*"}
    totals = {r["unit"]: r for r in rows if r["group_type"] == "organisation"}
    assert totals["WEB"]["covered"] == "7" and totals["CLOUD"]["covered"] == "8"
    decl = {r["unit"]: r for r in rows if r["group"] == "Declaratieverwerking"}
    # 6 of 8: would show that 2 lack it ("*"); 2 partial: too few ("<5").
    assert decl["CLOUD"]["covered"] == "*" and decl["WEB"]["covered"] == "<5"
    assert decl["CLOUD"]["could_be_exempted"] == "*" and decl["CLOUD"]["share_covered"] == ""
    klant = {r["unit"]: r for r in rows if r["group"] == "Klantcontact"}
    assert klant["CLOUD"]["covered"] == "<5" and klant["CLOUD"]["share_covered"] == ""
    assert "&lt;5" in page


def test_it_neutralises_formula_prefixes():
    for bad in ("=1+1", "+31 6", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(bad) == "'" + bad
    assert neutralise("Declaraties") == "Declaraties" and neutralise(-2) == -2 and neutralise(None) is None


def test_exports_neutralise_hostile_group_and_unit_names():
    result = _result()
    result["groups"]["department"][0]["label"] = '=HYPERLINK("http://evil.example","klik")'
    result["programmes"][0]["units"][0]["name"] = "@SUM(1+1)"
    report = build_report(result, min_group=5)
    rows = list(csv.reader(io.StringIO(report_csv(report))))
    assert rows[1][1] == "'=HYPERLINK(\"http://evil.example\",\"klik\")" and rows[1][5] == "'@SUM(1+1)"
    workbook = load_workbook(io.BytesIO(report_xlsx(report, organisation_name="-CZ")))
    values = [v for ws in workbook for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in values)
    assert "'=HYPERLINK(\"http://evil.example\",\"klik\")" in values


@pytest.mark.django_db
def test_hostile_text_in_an_upload_is_neutralised_in_the_export(organisation, catalogue, fake_engine):
    rows = [staff(f"E{i}", "=cmd|' /C calc'!A0", "Dev", "Cloud [CLOUD]") for i in range(6)]
    services.staff_import_file(organisation=organisation, data=csv_bytes(rows), filename="x.csv")
    run = mapping_run_execute(run_id=services.mapping_run_create(organisation=organisation, programme_codes=["HBO-ICT-SE"]).pk)
    text = report_csv(build_report(run.result))
    assert "\r\ndepartment,'=cmd|' /C calc'!A0,6," in text


def test_closeness_is_computed_from_shown_cells_only():
    report = build_report(_result(), min_group=5)
    big = report.rows[0]  # Groot, 20 staff: U1 hidden ("*"), U2 hidden ("<5")
    assert [c.covered for c in big.cells] == [None, None]
    assert big.closest == [("P", "Prog", 0.0, True)]  # the hidden 10 exemptions leave no trace...
    # ...but the 0% is marked as a lower bound, not shown as "nobody covers anything"


def test_the_role_view_cannot_be_subtracted_from_the_department_view():
    def role(label, staff, n):
        return {"label": f"D / {label}", "department": "D", "staff": staff, "cells": {"P/U1": {"exemption": n, "partial": 0}}}

    result = _result()
    result["staff_total"] = 40
    result["groups"] = {
        "department": [{"label": "D", "staff": 20, "cells": {"P/U1": {"exemption": 10, "partial": 0}}},
                       {"label": "E", "staff": 20, "cells": {"P/U1": {"exemption": 10, "partial": 0}}}],
        "role": [role("R1", 12, 8), role("R2", 8, 2),
                 {"label": "E / R3", "department": "E", "staff": 20, "cells": {"P/U1": {"exemption": 10, "partial": 0}}}],
    }
    result["units"] = {"P/U1": {"exemption": 20, "partial": 0}, "P/U2": {"exemption": 0, "partial": 0}}
    departments = build_report(result, group_by="department", min_group=5)
    assert [r.cells[0].covered for r in departments.rows] == [10, 10]
    roles = {r.label: r.cells[0] for r in build_report(result, group_by="role", min_group=5).rows}
    assert roles["D / R2"].covered_label == "<5"
    assert roles["D / R1"].covered is None  # else 10 - 8 = R2's 2
    assert roles["E / R3"].covered == 10


def _contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_heatmap_colour_keeps_its_text_readable():
    from evc.employers.report import colour_for

    for share in [None] + [i / 100 for i in range(101)]:
        background, text = colour_for(share)
        assert _contrast(background, text) >= 4.5, (share, background, text)
