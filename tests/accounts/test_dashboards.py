from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from evc.accounts.models import Role

PERSONAS = ["applicant", "assessor", "committee_member", "chair", "employer_rep", "admin_user"]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_reaches_its_own_dashboard_and_no_other(persona: str, request, client_for) -> None:  # type: ignore[no-untyped-def]
    user = request.getfixturevalue(persona)
    client = client_for(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("role_dashboard", args=[user.role])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert user.display_name in page.content.decode()
    for role in Role.values:
        if role != user.role:
            assert client.get(reverse("role_dashboard", args=[role])).status_code == 403


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in() -> None:
    response = Client().get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for role in Role.values:
        assert Client().get(reverse("role_dashboard", args=[role])).status_code == 302


@pytest.mark.django_db
def test_unknown_role_page_is_refused(client_for, applicant) -> None:  # type: ignore[no-untyped-def]
    assert client_for(applicant).get("/overzicht/wizard/").status_code == 403


@pytest.mark.django_db
def test_log_in_with_email_and_password(applicant) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import PASSWORD

    client = Client()
    response = client.post(reverse("login"), {"username": applicant.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("dashboard"), follow=True).status_code == 200
    wrong = Client().post(reverse("login"), {"username": applicant.email, "password": "nope"})
    assert wrong.status_code == 200 and "klopt niet" in wrong.content.decode()


@pytest.mark.django_db
def test_navigation_speaks_dutch_by_default_and_english_on_request(client_for, applicant) -> None:  # type: ignore[no-untyped-def]
    client = client_for(applicant)
    page = client.get(reverse("role_dashboard", args=["applicant"])).content.decode()
    assert 'lang="nl"' in page and "Uitloggen" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("role_dashboard", args=["applicant"])).content.decode()
    assert 'lang="en"' in page and "Log out" in page


@pytest.mark.django_db
def test_pages_have_landmarks_and_a_skip_link(client_for, assessor) -> None:  # type: ignore[no-untyped-def]
    page = client_for(assessor).get(reverse("role_dashboard", args=["assessor"])).content.decode()
    assert 'class="skip-link" href="#main"' in page
    assert '<main id="main"' in page and "<nav" in page and "<header" in page and "<footer" in page


@pytest.mark.django_db
def test_the_navigation_marks_the_current_section(client_for, applicant) -> None:  # type: ignore[no-untyped-def]
    page = client_for(applicant).get(reverse("role_dashboard", args=["applicant"])).content.decode()
    assert f'href="{reverse("dashboard")}" aria-current="page"' in page
    assert page.count('aria-current="page"') == 1
