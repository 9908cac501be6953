"""The demo world holds a case in every state, built through the services."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from evc.assessments import demo
from evc.assessments.models import AuditEntry, Case, CaseState, Decision, DecisionStatus
from evc.curricula.models import Programme
from evc.curricula.services import curriculum_import

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_seed_puts_a_case_in_every_state(settings, make_user, applicant, other_applicant, assessor,
                                                  other_assessor, committee_member, committee_member_2, chair,
                                                  admin_user, mailoutbox):
    settings.EVC_USE_EMBEDDINGS = False  # lexical matching only: the demo's story does not depend on it
    for name in ("leraren-engels.csv", "hbo-ict-se.csv"):
        curriculum_import(Path(django_settings.BASE_DIR, "curricula", name), filename=name)
    world = {
        "users": {"applicant": applicant, "applicant_leah": other_applicant, "assessor": assessor,
                  "assessor_2": other_assessor, "committee_member": committee_member,
                  "committee_member_2": committee_member_2, "chair": chair, "admin": admin_user},
        "programmes": {p.code: p for p in Programme.objects.all()},
        "password": "demo-password-for-tests",
        "credentials": {},
    }
    demo.seed(world)
    assert set(Case.objects.values_list("state", flat=True)) == set(CaseState.values)
    assert Decision.objects.filter(status=DecisionStatus.SUPERSEDED).count() == 1
    assert Decision.objects.filter(supersedes__isnull=False).count() == 1
    assert AuditEntry.objects.filter(action="evc.decision.proposed").exists()  # a two-member decision
    assert mailoutbox == []  # the seed sends no mail to demo people
    demo.seed(world)  # running it again adds nothing
    assert Case.objects.count() == 12
