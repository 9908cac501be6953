from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_the_catalogue_is_public_and_lists_programmes(catalogue) -> None:  # type: ignore[no-untyped-def]
    page = Client().get(reverse("curricula:programme_list"))
    assert page.status_code == 200 and "HBO-ICT Software Engineering" in page.content.decode()


@pytest.mark.django_db
def test_programme_and_unit_pages_show_units_and_outcomes(catalogue) -> None:  # type: ignore[no-untyped-def]
    version = catalogue.current_version()
    detail = Client().get(reverse("curricula:programme_detail", args=[catalogue.code])).content.decode()
    assert "Cloud &amp; DevOps" in detail and "7,5" in detail  # Dutch number format
    unit = Client().get(reverse("curricula:unit_detail", args=[catalogue.code, version.academic_year, "CLOUD"]))
    assert "fault-tolerant cloud architecture" in unit.content.decode()
    assert Client().get(reverse("curricula:unit_detail", args=[catalogue.code, "1999-2000", "CLOUD"])).status_code == 404


@pytest.mark.django_db
def test_search_finds_outcomes_by_every_word_and_returns_a_fragment_for_htmx(catalogue) -> None:  # type: ignore[no-untyped-def]
    url = reverse("curricula:programme_list")
    full = Client().get(url, {"q": "owasp webapplicatie"}).content.decode()
    assert "OWASP Top 10" in full and "<html" in full
    fragment = Client().get(url, {"q": "pipeline"}, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert "CI/CD pipeline" in body and "<html" not in body and "Terraform" not in body
    assert fragment["Vary"].find("HX-Request") >= 0


@pytest.mark.django_db
def test_search_escapes_what_it_echoes(catalogue) -> None:  # type: ignore[no-untyped-def]
    body = Client().get(reverse("curricula:programme_list"), {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
