"""Query counts stay fixed however many cases there are (200 realistic cases here)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evc.assessments.bulk import bulk_cases
from evc.assessments.models import Case

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def many(version, assessor, other_assessor):  # type: ignore[no-untyped-def]
    # Assessor gets half of the 200 cases (the other half goes to the other assessor).
    return bulk_cases(200, versions=[version], assessors=[assessor, other_assessor], units_per_case=2)


def test_the_queue_runs_in_a_fixed_number_of_queries(many, client_for, assessor, chair, admin_user,
                                                     django_assert_max_num_queries):
    for user, expected_rows in ((assessor, 50), (chair, 50), (admin_user, 50)):
        client = client_for(user)
        with django_assert_max_num_queries(8):
            response = client.get(reverse("assessments:queue"), {"sort": "age"})
        assert response.status_code == 200
        assert response.content.decode().count('<tr class="') == expected_rows  # one full page
    client = client_for(assessor)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("assessments:queue"), {"due": "overdue", "page": 2}, **HTMX)
    assert response.status_code == 200


def test_the_case_page_runs_in_a_fixed_number_of_queries(many, client_for, assessor, chair,
                                                         django_assert_max_num_queries):
    case = Case.objects.filter(assessors=assessor, state="in_assessment").first()
    for user in (assessor, chair, case.applicant):
        client = client_for(user)
        with django_assert_max_num_queries(16):
            response = client.get(reverse("assessments:case_detail", args=[case.pk]))
        assert response.status_code == 200


def test_the_review_page_runs_in_a_fixed_number_of_queries(many, client_for, assessor,
                                                           django_assert_max_num_queries):
    case = Case.objects.filter(assessors=assessor, state="in_assessment").first()
    client = client_for(assessor)
    with django_assert_max_num_queries(18):
        response = client.get(reverse("assessments:case_review", args=[case.pk]))
    assert response.status_code == 200
    assert response.content.decode().count('class="suggestion"') == 6  # 2 units x 3 outcomes
    assert response.content.decode().count('class="engine-advice"') == 2  # and what the engine concludes per unit
