"""Cases in each state, built through the real services (so fixtures obey the same rules as users)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from assessment_helpers import _fresh, _suggest, credential_for, grant_all, review_all

from evc.assessments import services
from evc.assessments.models import Case
from evc.curricula.models import Programme


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def version(catalogue: Programme):  # type: ignore[no-untyped-def]
    return catalogue.versions.get()


@pytest.fixture
def make_case(version, applicant) -> Callable[..., Case]:  # type: ignore[no-untyped-def]
    """make_case(state, owner=applicant): walk a fresh case to `state` through the services."""

    def make(state: str = "draft", owner: Any = None, assessors: list[Any] | None = None, chair: Any = None) -> Case:
        from evc.accounts.models import Role, User

        owner = owner or applicant
        units = list(version.units.all())
        case = services.case_create(
            actor=owner, version=version, units=units, motivation="Ik werk al vijf jaar als DevOps-engineer.",
            credentials=[credential_for(owner)],
        )
        if state == "draft":
            return case
        services.case_submit(actor=owner, case=case)
        if state == "withdrawn":
            services.case_withdraw(actor=owner, case=case, comment="Toch niet.")
            return _fresh(case)
        _suggest(case)
        if state == "submitted":
            return _fresh(case)
        admin = User.objects.filter(role=Role.ADMIN).first() or User.objects.create_user(
            email="fixture-admin@fontys.example", password="x", role=Role.ADMIN
        )
        people = assessors or [User.objects.filter(role=Role.ASSESSOR).order_by("pk").first()]
        services.assessor_assign(actor=admin, case=case, assessors=people)
        if state == "in_assessment":
            return _fresh(case)
        if state in ("more_evidence_requested", "resubmitted"):
            services.case_request_evidence(actor=people[0], case=case, message="Stuur ook uw Terraform-code.")
            if state == "resubmitted":
                services.case_submit(actor=owner, case=case)
            return _fresh(case)
        review_all(case, people[0])
        if state == "advice_ready":
            return _fresh(case)
        decider = chair or User.objects.filter(role=Role.COMMITTEE_CHAIR).first()
        assert decider is not None, "a 'decided' case needs the chair fixture"
        services.decision_record(actor=decider, case=case, units=grant_all(case))
        if state == "decided":
            return _fresh(case)
        services.appeal_lodge(actor=owner, case=case, grounds="WEB-3 is wel aangetoond.")
        if state == "appeal_lodged":
            return _fresh(case)
        services.appeal_resolve(actor=decider, appeal=case.appeals.get(), outcome="dismissed", note="Ongegrond.")
        if state == "appeal_resolved":
            return _fresh(case)
        raise ValueError(state)

    return make


