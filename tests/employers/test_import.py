"""Importing: all or nothing, pseudonymised, replacing the previous inventory; the import_staff command."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models

from evc.accounts.models import Organisation
from evc.employers import services
from evc.employers.models import AuditEvent, StaffEntry, StaffImport
from evc.employers.pseudonyms import employee_key
from tests.employers.helpers import csv_bytes, staff, xlsx_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_engine")]

SECRET_REF = "CZ-PERS-7741093"


def _all_text_values() -> list[str]:
    """Every text-like value in every table of the database, read with raw SQL."""
    values: list[str] = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table not in connection.introspection.table_names():
                continue
            for field in model._meta.local_fields:
                if isinstance(field, models.CharField | models.TextField | models.JSONField | models.EmailField):
                    cursor.execute(f'SELECT "{field.column}" FROM "{table}"')  # noqa: S608 - names from the model registry
                    values.extend(str(v) for (v,) in cursor.fetchall() if v is not None)
    return values


def test_it_never_stores_the_plain_employee_reference(organisation, employer_rep):
    rows = [staff(SECRET_REF, "Polisadministratie", "Medewerker", "Polisbeheer"),
            staff(SECRET_REF.lower(), "Polisadministratie", "Medewerker", "Mutaties verwerken")]
    data = csv_bytes(rows, delimiter=";")
    staff_import = services.staff_import_file(organisation=organisation, data=data, filename="inventaris.csv",
                                              uploaded_by=employer_rep)
    services.invitation_create(organisation=organisation, employee_ref=SECRET_REF, email="piet@example.org")
    everything = "\n".join(_all_text_values())
    assert "Polisbeheer" in everything  # the scan does see imported text
    assert SECRET_REF.casefold() not in everything.casefold()
    assert "piet@example.org" not in everything  # nor the invitation address
    key = employee_key(organisation_code="cz", employee_ref=SECRET_REF)
    assert set(staff_import.entries.values_list("employee_key", flat=True)) == {key}  # case/space-insensitive
    assert staff_import.staff_count == 1


def test_it_scopes_pseudonyms_by_organisation_and_key(settings):
    a = employee_key(organisation_code="cz", employee_ref="123")
    assert a != employee_key(organisation_code="vgz", employee_ref="123")
    assert a == employee_key(organisation_code="CZ", employee_ref=" 123 ")
    settings.EVC_PSEUDONYM_KEY = "another-key"
    assert a != employee_key(organisation_code="cz", employee_ref="123")


def test_it_imports_nothing_when_one_row_is_bad(organisation):
    rows = [staff(f"E{i}", "ICT", "Dev", "Python") for i in range(20)] + [staff("E99", "ICT", "Dev", "Go", date="31-02-2025")]
    with pytest.raises(services.EmployerError, match="line 22: date"):
        services.staff_import_file(organisation=organisation, data=csv_bytes(rows), filename="x.csv")
    assert StaffImport.objects.count() == 0 and StaffEntry.objects.count() == 0


def test_it_rolls_back_when_the_database_fails_midway(organisation, monkeypatch):
    services.staff_import_file(organisation=organisation, data=csv_bytes([staff("E1", "ICT", "Dev", "Old")]),
                               filename="old.csv")

    def broken_audit(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "audit", broken_audit)
    with pytest.raises(RuntimeError):
        services.staff_import_file(organisation=organisation, data=csv_bytes([staff("E2", "ICT", "Dev", "New")]),
                                   filename="new.csv")
    assert list(StaffEntry.objects.values_list("competence_title", flat=True)) == ["Old"]
    assert StaffImport.objects.count() == 1


def test_a_new_import_replaces_the_inventory(organisation, other_organisation):
    services.staff_import_file(organisation=organisation, data=csv_bytes([staff("E1", "ICT", "Dev", "Old")]), filename="a.csv")
    services.staff_import_file(organisation=other_organisation, data=csv_bytes([staff("E1", "ICT", "Dev", "Theirs")]), filename="b.csv")
    newest = services.staff_import_file(organisation=organisation, data=xlsx_bytes([staff("E1", "ICT", "Dev", "New")]), filename="c.xlsx")
    assert services.current_import(organisation) == newest
    assert sorted(StaffEntry.objects.values_list("competence_title", flat=True)) == ["New", "Theirs"]
    assert AuditEvent.objects.filter(organisation=organisation, action="evc.employers.imported").count() == 2


def test_identical_texts_share_one_hash(organisation):
    rows = [staff("E1", "ICT", "Dev", "Python", "Scripts"), staff("E2", "Data", "Analist", "Python", "Scripts"),
            staff("E3", "ICT", "Dev", "Python", "Web")]
    imported = services.staff_import_file(organisation=organisation, data=csv_bytes(rows), filename="x.csv")
    assert imported.entries.values("text_hash").distinct().count() == 2


def test_the_command_creates_the_organisation_and_imports(tmp_path):
    path = tmp_path / "cz.csv"
    path.write_bytes(csv_bytes([staff("E1", "ICT", "Dev", "Python"), staff("E2", "ICT", "Dev", "Java")], delimiter=";", encoding="cp1252"))
    out = call_command("import_staff", "--organisation", "zilveren-kruis", str(path))
    assert "imported 2 rows for 2 staff" in out
    organisation = Organisation.objects.get(code="zilveren-kruis")
    assert services.current_import(organisation).row_count == 2


def test_the_command_lists_bad_lines_and_imports_nothing(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([staff("E1", "ICT", "Dev", "Python", hours="2 dagen"), staff("", "ICT", "Dev", "Java")]))
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_staff", "--organisation", "cz", str(path))
    err = capsys.readouterr().err
    assert "line 2: hours: unknown unit “dagen”" in err and "line 3: employee_ref: required value is missing" in err
    assert StaffEntry.objects.count() == 0


def test_the_command_refuses_missing_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"naam,afdeling\r\nJan,ICT\r\n")
    with pytest.raises(CommandError, match="missing columns"):
        call_command("import_staff", "--organisation", "cz", str(path))
