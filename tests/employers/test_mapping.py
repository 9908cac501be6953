"""Mapping runs: dedup, cache by text and catalogue version, aggregates, the map_staff command."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from evc.curricula.models import LearningOutcome
from evc.employers import services
from evc.employers.mapping import mapping_run_execute
from evc.employers.models import MappingRun, MatchCache
from tests.employers.helpers import csv_bytes, group_inventory, staff

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def inventory(organisation, catalogue, fake_engine):
    return services.staff_import_file(organisation=organisation, data=csv_bytes(group_inventory()), filename="cz.csv")


def _run(organisation, codes=("HBO-ICT-SE",)):
    run = services.mapping_run_create(organisation=organisation, programme_codes=list(codes))
    return mapping_run_execute(run_id=run.pk, chunk_size=2)


def test_it_matches_each_distinct_text_once(organisation, inventory, fake_engine):
    run = _run(organisation)
    matched = [t for call in fake_engine.CALLS for t in call]
    distinct = inventory.entries.values("text_hash").distinct().count()
    assert len(matched) == len(set(matched)) == distinct == run.total == run.done == 5
    assert run.status == MappingRun.Status.DONE and run.attempts == 1


def test_a_second_run_reuses_the_cache(organisation, inventory, fake_engine):
    first = _run(organisation)
    fake_engine.CALLS.clear()
    second = _run(organisation)
    assert fake_engine.CALLS == []
    assert second.result == first.result


def test_a_changed_catalogue_is_matched_again(organisation, inventory, fake_engine, catalogue):
    _run(organisation)
    outcome = LearningOutcome.objects.filter(unit__code="CLOUD").first()
    outcome.text += " Including Kubernetes."
    outcome.save()
    fake_engine.CALLS.clear()
    run = _run(organisation)
    assert sum(len(c) for c in fake_engine.CALLS) == 5
    assert MatchCache.objects.values("catalogue_key").distinct().count() == 2
    assert run.catalogue_keys[0].startswith(f"HBO-ICT-SE@{catalogue.current_version().academic_year}#")


def test_it_aggregates_per_group_and_unit(organisation, inventory):
    result = _run(organisation).result
    departments = {g["label"]: g for g in result["groups"]["department"]}
    assert departments["Declaratieverwerking"]["staff"] == 8
    assert departments["Declaratieverwerking"]["cells"]["HBO-ICT-SE/CLOUD"] == {"exemption": 6, "partial": 0}
    assert departments["Declaratieverwerking"]["cells"]["HBO-ICT-SE/WEB"] == {"exemption": 0, "partial": 2}
    assert departments["Klantcontact"]["cells"]["HBO-ICT-SE/CLOUD"] == {"exemption": 2, "partial": 0}
    assert result["units"]["HBO-ICT-SE/WEB"] == {"exemption": 5, "partial": 2}
    assert result["staff_total"] == 19
    assert "employee" not in json.dumps(result)  # no keys or references in the stored aggregate


def test_executing_a_finished_run_again_changes_nothing(organisation, inventory, fake_engine):
    run = _run(organisation)
    fake_engine.CALLS.clear()
    again = mapping_run_execute(run_id=run.pk)
    assert fake_engine.CALLS == [] and again.result == run.result and again.attempts == 1


def test_it_refuses_unknown_programmes(organisation, inventory):
    with pytest.raises(services.EmployerError, match="Unknown programme: NOPE"):
        services.mapping_run_create(organisation=organisation, programme_codes=["NOPE"])


def test_it_needs_an_inventory_first(organisation, catalogue, fake_engine):
    with pytest.raises(services.EmployerError, match="Importeer eerst"):
        services.mapping_run_create(organisation=organisation, programme_codes=["HBO-ICT-SE"])


def _values(data: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(data))
    return {ws.title: [r for r in ws.iter_rows(values_only=True) if not (r[0] or "").startswith("Gemaakt op")] for ws in wb}


def test_map_staff_writes_the_same_workbook_as_the_web_export(organisation, inventory, employer_rep, client_for, tmp_path):
    out = tmp_path / "cz.xlsx"
    summary = json.loads(call_command("map_staff", "--organisation", "cz", "--programme", "HBO-ICT-SE", "--xlsx", str(out), "--json"))
    assert summary["status"] == "done" and summary["staff"] == 19 and summary["distinct_texts"] == 5
    run = MappingRun.objects.get(pk=summary["run"])
    response = client_for(employer_rep).get(f"/werkgever/koppelingen/{run.pk}/export.xlsx")
    assert response.status_code == 200
    assert _values(out.read_bytes()) == _values(response.content)
    assert "Heatmap" in _values(response.content)


def test_map_staff_refuses_an_unknown_organisation(catalogue):
    with pytest.raises(CommandError, match="unknown organisation"):
        call_command("map_staff", "--organisation", "nope", "--programme", "HBO-ICT-SE")


def test_the_workbook_heatmap_has_a_colour_scale_and_grey_hidden_cells(organisation, inventory, employer_rep, client_for):
    run = _run(organisation)
    wb = load_workbook(io.BytesIO(client_for(employer_rep).get(f"/werkgever/koppelingen/{run.pk}/export.xlsx").content))
    ws = wb["Heatmap"]
    rules = [rule for cf in ws.conditional_formatting for rule in cf.rules]
    assert [r.type for r in rules] == ["colorScale"]
    hidden = [c for row in ws.iter_rows(min_row=5, min_col=3) for c in row if c.value in ("<5", "*")]
    assert hidden and all(c.fill.fgColor.rgb.endswith("E0E0E0") for c in hidden)
    shown = [c for row in ws.iter_rows(min_row=5, min_col=3) for c in row if isinstance(c.value, float | int)]
    assert shown and all(c.number_format == "0%" for c in shown)


def test_entries_of_one_person_add_up_to_an_exemption(organisation, catalogue, fake_engine):
    rows = []
    for i in range(6):
        rows += [staff(f"P{i}", "ICT", "Dev", "Azure architectuur [CLOUD?1]"),
                 staff(f"P{i}", "ICT", "Dev", "Pipelines [CLOUD?2]")]
        if i < 5:  # five of the six also evidence the third outcome
            rows.append(staff(f"P{i}", "ICT", "Dev", "Terraform [CLOUD?3]"))
    services.staff_import_file(organisation=organisation, data=csv_bytes(rows), filename="x.csv")
    result = _run(organisation).result
    assert result["units"]["HBO-ICT-SE/CLOUD"] == {"exemption": 5, "partial": 1}
