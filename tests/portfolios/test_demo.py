from __future__ import annotations

import pytest

from evc.portfolios import demo
from evc.portfolios.models import Credential, Evidence

pytestmark = pytest.mark.django_db


def test_demo_seed_gives_marianne_and_leah_their_credentials(applicant, other_applicant):
    world = {"users": {"applicant": applicant, "applicant_leah": other_applicant}}
    demo.seed(world)
    demo.seed(world)  # idempotent
    marianne = Credential.objects.filter(portfolio__owner=applicant)
    assert {c.format for c in marianne} == {"ob3", "manual"}
    badge = marianne.get(format="ob3")
    assert badge.title == "English for Doing Business in Asia"
    assert {c.name: c.status for c in badge.checks.all()}["signature"] == "passed"
    assert {c.name: c.status for c in badge.checks.all()}["recipient"] == "passed"
    cambridge = marianne.get(format="manual")
    assert "C1 Advanced - Grade A" in cambridge.evidence.get().extracted_text
    leah = Credential.objects.get(portfolio__owner=other_applicant)
    claim = leah.get_claim()
    assert leah.format == "baked-png" and claim.title == "History of the 17th century"
    assert str(claim.ects) == "5" and claim.eqf_level == 6 and str(claim.hours) == "140" and claim.language == "en"
    assert Evidence.objects.filter(credential=leah, kind="link").exists()
