from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from evc.curricula.models import LearningOutcome

CSV = (
    "programme_code,programme_name,unit_code,unit_name,unit_ects,eqf_level,outcome_code,outcome_text,language\n"
    "P9,Programme nine,U1,Unit one,5,6,LO1,The student plans a sprint.,en\n"
    "P9,Programme nine,U1,Unit one,5,6,LO2,{second},{language}\n"
)


def upload(client: Client, text: str, year: str = "2027-2028", name: str = "next.csv") -> object:
    file = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(reverse("curricula:upload"), {"file": file, "academic_year": year})


@pytest.mark.django_db
def test_an_administrator_loads_next_years_catalogue(client_for, admin_user) -> None:  # type: ignore[no-untyped-def]
    response = upload(client_for(admin_user), CSV.format(second="The student runs a retrospective.", language="en"))
    body = response.content.decode()  # type: ignore[attr-defined]
    assert response.status_code == 200 and "1 opleiding [P9 2027-2028]: eenheden 1 nieuw" in body
    assert "leeruitkomsten 2 nieuw / 0 gewijzigd / 0 ongewijzigd" in body
    assert LearningOutcome.objects.filter(unit__version__academic_year="2027-2028").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "reason"), [("nl", "Regel 3: outcome_text is leeg"),
                                                  ("en", "Line 3: outcome_text is empty")])
def test_bad_rows_are_listed_by_line_and_nothing_is_loaded(language, reason, client_for, admin_user) -> None:  # type: ignore[no-untyped-def]
    client = client_for(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = upload(client, CSV.format(second="", language="de"))
    body = response.content.decode()  # type: ignore[attr-defined]
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert reason in body
    assert not LearningOutcome.objects.exists()


@pytest.mark.django_db
def test_a_file_of_another_type_is_refused(client_for, admin_user) -> None:  # type: ignore[no-untyped-def]
    response = upload(client_for(admin_user), "not a catalogue", name="evil.exe")
    assert response.status_code == 400 and "xlsx" in response.content.decode()  # type: ignore[attr-defined]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["applicant", "assessor", "chair", "employer_rep"])
def test_only_administrators_may_load_the_catalogue(persona: str, request, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("curricula:upload")).status_code == 403
    assert upload(client, CSV.format(second="x y z", language="en")).status_code == 403  # type: ignore[attr-defined]
    assert not LearningOutcome.objects.exists()
    assert Client().get(reverse("curricula:upload")).status_code == 302
