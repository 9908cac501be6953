from __future__ import annotations

import io

import pytest

from evc.employers import demo, services
from evc.employers.mapping import mapping_run_execute
from evc.employers.models import MappingRun
from evc.employers.report import build_report


@pytest.mark.django_db
def test_the_demo_seeds_a_cz_inventory_and_queues_its_mapping(settings, fake_engine, organisation, employer_rep,
                                                              catalogue, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    out = io.StringIO()
    world = {"organisations": {"cz": organisation}, "users": {"employer": employer_rep},
             "programmes": {catalogue.code: catalogue}, "stdout": out}
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(world)
    staff_import = services.current_import(organisation)
    assert staff_import.row_count == 320 and staff_import.staff_count == 80
    departments = set(staff_import.entries.values_list("department", flat=True))
    assert {"Declaratieverwerking", "Polisadministratie", "Klantcontact", "Zorginkoop", "ICT"} <= departments
    run = MappingRun.objects.get(organisation=organisation)
    assert run.status == "queued" and run.task_id and "queued" in out.getvalue()
    run = mapping_run_execute(run_id=run.pk)  # what the worker does
    report = build_report(run.result)
    assert report.staff_total == 80 and len(report.rows) >= 4
