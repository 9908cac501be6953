"""The employer pages: permissions, upload → preview → import, a run with progress and results."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from evc.accounts.models import Role
from evc.employers import services
from evc.employers.mapping import mapping_run_execute
from evc.employers.models import MappingRun, StaffEntry
from tests.employers.helpers import csv_bytes, group_inventory, staff, xlsx_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_engine")]

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def done_run(organisation, catalogue):
    services.staff_import_file(organisation=organisation, data=csv_bytes(group_inventory()), filename="cz.csv")
    run = services.mapping_run_create(organisation=organisation, programme_codes=["HBO-ICT-SE"])
    return mapping_run_execute(run_id=run.pk)


@pytest.fixture
def other_rep(make_user, other_organisation):
    return make_user("hr@vgz.example", Role.EMPLOYER, organisation=other_organisation)


def test_other_roles_are_refused(client_for, applicant, assessor, chair, admin_user, done_run):
    for user in (applicant, assessor, chair, admin_user):
        client = client_for(user)
        assert client.get("/werkgever/").status_code == 403
        assert client.get(f"/werkgever/koppelingen/{done_run.pk}/").status_code == 403
        assert client.get(f"/werkgever/koppelingen/{done_run.pk}/export.csv").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, done_run):
    response = client.get(f"/werkgever/koppelingen/{done_run.pk}/")
    assert response.status_code == 302 and "/account/inloggen/" in response["Location"]


def test_another_organisations_run_is_not_found(client_for, other_rep, done_run):
    client = client_for(other_rep)
    assert client.get(f"/werkgever/koppelingen/{done_run.pk}/").status_code == 404
    assert client.get(f"/werkgever/koppelingen/{done_run.pk}/export.xlsx").status_code == 404
    assert client.get(f"/werkgever/koppelingen/{done_run.pk}/?poll=1", **HTMX).status_code == 404
    page = client.get("/werkgever/").content.decode()
    assert "cz.csv" not in page


def test_the_dashboard_shows_the_inventory_and_runs(client_for, employer_rep, done_run):
    page = client_for(employer_rep).get("/werkgever/").content.decode()
    assert "cz.csv" in page and "19 medewerkers" in page and f"/werkgever/koppelingen/{done_run.pk}/" in page


def _upload(data: bytes, name: str, **extra):
    return {"file": SimpleUploadedFile(name, data), **extra}


def test_the_preview_shows_columns_rows_and_problems_without_storing(client_for, employer_rep):
    rows = [staff("E1", "ICT", "Dev", "Python", date="31-12-2025"), staff("E2", "ICT", "", "Java", date="31/13/2025")]
    response = client_for(employer_rep).post("/werkgever/inventaris/", _upload(csv_bytes(rows, delimiter=";"), "inv.csv", action="preview"), **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="preview"' in page and "<html" not in page  # the htmx fragment only
    assert "scheidingsteken “;”" in page and "Python" in page
    assert "Regel 3, role: verplichte waarde ontbreekt" in page and "Regel 3, date:" in page
    assert 'value="import"' not in page  # no import button while there are problems
    assert StaffEntry.objects.count() == 0


def test_a_manual_mapping_is_used_for_the_import(client_for, employer_rep, organisation):
    header = ["nr", "team", "job", "skill", "text"]
    data = csv_bytes([["X1", "ICT", "Dev", "Python", "Scripts"], ["X2", "ICT", "Dev", "Java", "Apps"]], header=header)
    client = client_for(employer_rep)
    first = client.post("/werkgever/inventaris/", _upload(data, "x.csv", action="preview"), **HTMX).content.decode()
    assert "Kies een kolom voor het verplichte veld" in first
    signature = first.split('name="headers_signature" value="')[1].split('"')[0]
    mapping = {"map_employee_ref": "0", "map_department": "1", "map_role": "2", "map_competence_title": "3",
               "map_competence_description": "4", "headers_signature": signature}
    preview = client.post("/werkgever/inventaris/", _upload(data, "x.csv", action="preview", **mapping), **HTMX).content.decode()
    assert 'value="import"' in preview
    response = client.post("/werkgever/inventaris/", _upload(data, "x.csv", action="import", **mapping), **HTMX)
    assert response.status_code == 200 and response["HX-Redirect"] == "/werkgever/"
    staff_import = services.current_import(organisation)
    assert staff_import.row_count == 2 and staff_import.column_mapping["competence_title"] == "skill"


def test_an_xlsx_upload_imports_without_htmx(client_for, employer_rep, organisation):
    data = xlsx_bytes([staff("E1", "ICT", "Dev", "Python"), staff("E2", "Data", "Analist", "SQL")])
    client = client_for(employer_rep)
    preview = client.post("/werkgever/inventaris/", _upload(data, "inv.xlsx", action="preview"))
    assert preview.status_code == 200 and "Excel-bestand" in preview.content.decode()
    signature = preview.content.decode().split('name="headers_signature" value="')[1].split('"')[0]
    fields = {f"map_{k}": str(i) for i, k in enumerate(["employee_ref", "department", "role", "competence_title",
                                                          "competence_description", "provider", "date", "hours", "ects"])}
    response = client.post("/werkgever/inventaris/", _upload(data, "inv.xlsx", action="import", headers_signature=signature, **fields))
    assert response.status_code == 302 and services.current_import(organisation).row_count == 2


def test_a_bad_file_gets_a_clear_message_and_a_4xx(client_for, employer_rep, settings):
    client = client_for(employer_rep)
    response = client.post("/werkgever/inventaris/", _upload(b"PK\x03\x04garbage", "x.xlsx", action="preview"))
    assert response.status_code == 400 and "geen geldig Excel-bestand" in response.content.decode()
    settings.EVC_MAX_STAFF_UPLOAD_BYTES = 100
    response = client.post("/werkgever/inventaris/", _upload(b"x" * 200, "x.csv", action="preview"))
    assert response.status_code == 413 and "groter dan" in response.content.decode()
    assert StaffEntry.objects.count() == 0


def test_an_import_with_bad_rows_stores_nothing(client_for, employer_rep):
    data = csv_bytes([staff("E1", "ICT", "Dev", "Python"), staff("E2", "ICT", "Dev", "Java", hours="3 dagen")])
    response = client_for(employer_rep).post("/werkgever/inventaris/", _upload(data, "x.csv", action="import"))
    assert response.status_code == 400 and StaffEntry.objects.count() == 0


def test_starting_a_run_queues_it_and_the_page_polls_until_done(client_for, employer_rep, organisation, catalogue,
                                                                django_capture_on_commit_callbacks, settings):
    services.staff_import_file(organisation=organisation, data=csv_bytes(group_inventory()), filename="cz.csv")
    client = client_for(employer_rep)
    # A queue that nobody works on: the run waits, the page shows progress.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/werkgever/koppelen/", {"programmes": ["HBO-ICT-SE"]})
    run = MappingRun.objects.get()
    assert response["Location"] == f"/werkgever/koppelingen/{run.pk}/" and run.task_id
    page = client.get(response["Location"]).content.decode()
    assert "<progress" in page and 'hx-trigger="every 1s"' in page
    poll = client.get(f"/werkgever/koppelingen/{run.pk}/?poll=1", **HTMX)
    assert "<progress" in poll.content.decode() and "<html" not in poll.content.decode()
    mapping_run_execute(run_id=run.pk)  # the worker
    poll = client.get(f"/werkgever/koppelingen/{run.pk}/?poll=1", **HTMX)
    assert poll["HX-Refresh"] == "true"
    page = client.get(f"/werkgever/koppelingen/{run.pk}/").content.decode()
    assert "Dekking per groep en onderwijseenheid" in page and "Declaratieverwerking" in page
    assert "Eenheden die niemand dekt" in page


def test_a_run_started_from_the_page_runs_on_the_queue(client_for, employer_rep, organisation, catalogue,
                                                       django_capture_on_commit_callbacks):
    services.staff_import_file(organisation=organisation, data=csv_bytes(group_inventory()), filename="cz.csv")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(employer_rep).post("/werkgever/koppelen/", {"programmes": ["HBO-ICT-SE"]})
    assert MappingRun.objects.get().status == MappingRun.Status.DONE  # the immediate backend ran the task


def test_the_heatmap_carries_text_for_screen_readers(client_for, employer_rep, done_run):
    page = client_for(employer_rep).get(f"/werkgever/koppelingen/{done_run.pk}/?groep=role").content.decode()
    assert "Declaratieverwerking / Medewerker declaraties" in page
    assert 'class="visually-hidden"> — Cloud &amp; DevOps:' in page
    assert 'scope="row"' in page and "<caption" in page


def test_a_failed_run_can_be_retried_and_continues_from_the_cache(client_for, employer_rep, organisation, catalogue,
                                                                  settings, fake_engine, django_capture_on_commit_callbacks):
    services.staff_import_file(organisation=organisation, data=csv_bytes(group_inventory()), filename="cz.csv")
    run = services.mapping_run_create(organisation=organisation, programme_codes=["HBO-ICT-SE"])
    calls = {"n": 0}

    def flaky(texts, codes):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("database went away")
        return fake_engine.keyword_matcher(texts, codes)

    settings.EVC_EMPLOYER_MATCHER = "tests.employers.test_views.FLAKY"
    globals()["FLAKY"] = flaky
    with pytest.raises(ConnectionError):
        mapping_run_execute(run_id=run.pk, chunk_size=2)
    run.refresh_from_db()
    assert run.status == "failed" and run.done == 2 and "try again" in run.error
    client = client_for(employer_rep)
    assert "Opnieuw proberen" in client.get(f"/werkgever/koppelingen/{run.pk}/").content.decode()
    fake_engine.CALLS.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/werkgever/koppelingen/{run.pk}/opnieuw/")
    run.refresh_from_db()
    assert run.status == "done" and run.attempts == 2
    assert sum(len(c) for c in fake_engine.CALLS) == run.total - 2  # the first chunk was not matched again
    assert client.post(f"/werkgever/koppelingen/{run.pk}/opnieuw/").status_code == 302  # a done run: refused, no crash


def test_a_large_upload_never_touches_a_temporary_file(client_for, employer_rep, organisation, monkeypatch, settings):
    from django.core.files import uploadedfile

    def no_disk(*args, **kwargs):
        raise AssertionError("the upload was spooled to disk")

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", no_disk)
    rows = [staff(f"E{i:05d}", "Declaratieverwerking", "Medewerker", f"Competentie {i % 50}", "x" * 200) for i in range(12000)]
    data = csv_bytes(rows)
    assert len(data) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE  # above the in-memory limit of the default handlers
    response = client_for(employer_rep).post("/werkgever/inventaris/", _upload(data, "big.csv", action="preview"), **HTMX)
    assert response.status_code == 200 and "Klaar om 12000 regels" in response.content.decode()


def test_the_upload_still_checks_the_csrf_token(employer_rep):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(employer_rep)
    response = client.post("/werkgever/inventaris/", _upload(csv_bytes([staff("E1", "ICT", "Dev", "Python")]), "x.csv", action="preview"))
    assert response.status_code == 403
