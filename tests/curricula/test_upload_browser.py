"""Scenario 6 in a real Chromium: a coordinator loads next year's catalogue, fixes the rows the
import rejects (named by line, in Dutch), and this year's catalogue, already decided on, stays as it was."""

from __future__ import annotations

from typing import Any

import pytest

from evc.curricula.models import CurriculumVersion, LearningOutcome, academic_year_for
from tests.browser_support import log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HEADER = "programme_code,programme_name,unit_code,unit_name,unit_ects,eqf_level,outcome_code,outcome_text,language\n"
ROWS = [
    "HBO-ICT-SE,HBO-ICT Software Engineering,CLOUD,Cloud & DevOps,5,6,CLOUD-1,{cloud1},en\n",
    "HBO-ICT-SE,HBO-ICT Software Engineering,CLOUD,Cloud & DevOps,5,6,CLOUD-2,{cloud2},{language}\n",
    "HBO-ICT-SE,HBO-ICT Software Engineering,CLOUD,Cloud & DevOps,5,{level},CLOUD-3,Provisions infrastructure as code.,en\n",
]
CHANGED = "The student designs a cloud architecture and defends its cost in a review."


def _next_year() -> str:
    start = int(academic_year_for()[:4]) + 1
    return f"{start}-{start + 1}"


def test_the_coordinator_fixes_the_rejected_rows_and_this_years_decisions_keep_their_catalogue(
    chromium, live_server, admin_user, catalogue, tmp_path, check_accessibility
) -> None:
    this_year = CurriculumVersion.objects.get()
    this_year.freeze()  # a decision was recorded on it
    before = dict(LearningOutcome.objects.values_list("pk", "text"))
    bad = tmp_path / "catalogus-volgend-jaar.csv"
    bad.write_text(HEADER + "".join(ROWS).format(cloud1=CHANGED, cloud2="", language="de", level="9"),
                   encoding="utf-8")

    page: Any = chromium.new_context(locale="nl-NL").new_page()
    log_in(page, live_server.url, admin_user.email, PASSWORD)

    page.goto(f"{live_server.url}/catalogus/inladen/")
    page.fill("#id_academic_year", _next_year())
    page.set_input_files("#id_file", str(bad))
    page.click("main button[type=submit]")
    alert = page.inner_text("[role=alert]")
    assert "Niets ingeladen: 2 fouten gevonden" in alert
    assert "Regel 3: outcome_text is leeg" in alert
    assert "Regel 4: eqf_level '9' is geen niveau van 1 tot en met 8" in alert
    assert not CurriculumVersion.objects.filter(academic_year=_next_year()).exists()
    check_accessibility(page, "curricula-upload-errors")

    fixed = tmp_path / "catalogus-volgend-jaar-hersteld.csv"
    fixed.write_text(HEADER + "".join(ROWS).format(cloud1=CHANGED, cloud2="Automates deployment.", language="en",
                                                   level="6"), encoding="utf-8")
    page.fill("#id_academic_year", _next_year())
    page.set_input_files("#id_file", str(fixed))
    page.click("main button[type=submit]")
    status = page.inner_text("[role=status]")
    assert f"1 opleiding [HBO-ICT-SE {_next_year()}]" in status and "leeruitkomsten 3 nieuw" in status

    next_year = CurriculumVersion.objects.get(academic_year=_next_year())
    assert next_year.units.get(code="CLOUD").outcomes.get(code="CLOUD-1").text == CHANGED
    # This year's catalogue, on which a decision was taken, did not change at all.
    assert dict(LearningOutcome.objects.filter(unit__version=this_year).values_list("pk", "text")) == before
    page.goto(f"{live_server.url}/catalogus/HBO-ICT-SE/{this_year.academic_year}/CLOUD/")
    assert "The student designs a scalable, fault-tolerant cloud architecture" in page.inner_text("main")
