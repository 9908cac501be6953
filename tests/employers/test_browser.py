"""Scenario 5 in a real Chromium: upload with htmx preview, import, mapping with progress, heatmap."""

from __future__ import annotations

import re
from typing import Any

import pytest

from evc.employers.models import MappingRun
from evc.employers.sample import generate_rows, to_csv
from tests.browser_support import log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _log_in(page: Any, url: str, user: Any) -> None:
    log_in(page, url, user.email, PASSWORD)


def test_the_hr_adviser_uploads_previews_imports_maps_and_reads_the_heatmap(
    chromium, live_server, employer_rep, catalogue, fake_engine, settings, tmp_path, check_accessibility
) -> None:
    rows = generate_rows(staff=60, entries=3, distinct=40, seed=5)
    for i, row in enumerate(rows):
        row[3] += (" [CLOUD]", " [WEB?]", "")[i % 3]
    path = tmp_path / "cz-inventaris.csv"
    path.write_bytes(to_csv(rows))

    page: Any = chromium.new_context(locale="nl-NL").new_page()
    _log_in(page, live_server.url, employer_rep)
    page.goto(f"{live_server.url}/werkgever/inventaris/")
    page.set_input_files("#id_file", str(path))
    page.click("button[value=preview]")
    page.wait_for_selector("#preview table")
    preview = page.inner_text("#preview")
    assert "scheidingsteken “;”" in preview and "Klaar om 180 regels van 60 medewerkers" in preview
    assert page.input_value("#id_map_employee_ref") == "0"  # "Personeelsnummer" recognised
    check_accessibility(page, "employers-preview")
    page.click("button[value=import]")  # the file is still in the field: htmx posts it again
    page.wait_for_url(re.compile(r".*/werkgever/$"))
    assert "180 regels" in page.inner_text("main")
    check_accessibility(page, "employers-dashboard")

    page.check("input[name=programmes][value=HBO-ICT-SE]")
    page.click("text=Start de koppeling")
    page.wait_for_selector("table.heatmap")  # the immediate backend ran it; polling ends in a refresh
    assert MappingRun.objects.get().status == "done"
    heatmap = page.inner_text("table.heatmap")
    assert "Klantcontact" in heatmap and "%" in heatmap
    check_accessibility(page, "employers-heatmap")
    with page.expect_download() as download:
        page.click("text=Download Excel")
    assert download.value.suggested_filename.endswith(".xlsx")
