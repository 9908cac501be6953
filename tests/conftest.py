"""Fixed personas and a small catalogue, shared by every test module.

Personas follow healthchecks' alice/bob/charlie idea: each role once, plus an
"other" of the roles whose object-level permissions we must test.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from evc.accounts.models import Organisation, Role, User
from evc.curricula.models import CurriculumVersion, LearningOutcome, Programme, Unit, academic_year_for

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# chromium, artifacts and check_accessibility, for the browser tests of every app.
pytest_plugins = ["tests.browser_support"]

CORPUS_DIR = Path(os.environ.get("EVC_CORPUS_DIR") or Path(__file__).resolve().parents[2] / "shared" / "corpus")
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():  # type: ignore[no-untyped-def]
    """Rate-limit counters live in the cache: one test's attempts must not count against the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploaded files of one test never leak into another test or into var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # Signing key material too (reports' demo seed creates a dev CA when none exists).
    settings.EVC_SIGNING_P12 = str(tmp_path / "signing" / "signer.p12")


@pytest.fixture
def make_user(db) -> Callable[..., User]:  # type: ignore[no-untyped-def]
    def make(email: str, role: str = Role.APPLICANT, **extra: object) -> User:
        return User.objects.create_user(email=email, password=PASSWORD, role=role, **extra)  # type: ignore[arg-type]

    return make


@pytest.fixture
def organisation(db) -> Organisation:  # type: ignore[no-untyped-def]
    return Organisation.objects.create(code="cz", name="CZ zorgverzekeraar")


@pytest.fixture
def other_organisation(db) -> Organisation:  # type: ignore[no-untyped-def]
    return Organisation.objects.create(code="vgz", name="Andere verzekeraar")


@pytest.fixture
def applicant(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user("marianne@example.org", first_name="Marianne", last_name="de Vries", student_number="A1001")


@pytest.fixture
def other_applicant(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user("leah@example.org", first_name="Leah", last_name="Jansen", student_number="A1002")


@pytest.fixture
def assessor(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user("assessor@fontys.example", Role.ASSESSOR, first_name="Anna", last_name="Bakker")


@pytest.fixture
def other_assessor(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user("assessor2@fontys.example", Role.ASSESSOR, first_name="Bram", last_name="Smit")


@pytest.fixture
def committee_member(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user("member@fontys.example", Role.COMMITTEE_MEMBER, first_name="Carla", last_name="Visser")


@pytest.fixture
def committee_member_2(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user("member2@fontys.example", Role.COMMITTEE_MEMBER, first_name="Dirk", last_name="Mulder")


@pytest.fixture
def chair(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user("chair@fontys.example", Role.COMMITTEE_CHAIR, first_name="Els", last_name="de Boer")


@pytest.fixture
def employer_rep(make_user, organisation) -> User:  # type: ignore[no-untyped-def]
    return make_user("hr@cz.example", Role.EMPLOYER, organisation=organisation, first_name="Fleur")


@pytest.fixture
def admin_user(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user("admin@fontys.example", Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def catalogue(db) -> Programme:  # type: ignore[no-untyped-def]
    """A small programme (current academic year) with two units and six outcomes, English and Dutch."""
    programme = Programme.objects.create(code="HBO-ICT-SE", name="HBO-ICT Software Engineering", croho_code="34479")
    version = CurriculumVersion.objects.create(programme=programme, academic_year=academic_year_for())
    cloud = Unit.objects.create(version=version, code="CLOUD", name="Cloud & DevOps", ects=Decimal("5"), eqf_level=6)
    web = Unit.objects.create(version=version, code="WEB", name="Webontwikkeling", ects=Decimal("7.5"), eqf_level=6)
    texts = [
        (cloud, "CLOUD-1", "The student designs a scalable, fault-tolerant cloud architecture on AWS or Azure.", "en"),
        (cloud, "CLOUD-2", "The student automates build, test and deployment with a CI/CD pipeline.", "en"),
        (cloud, "CLOUD-3", "The student provisions infrastructure as code with Terraform or CloudFormation.", "en"),
        (web, "WEB-1", "De student bouwt een toegankelijke webapplicatie met HTML, CSS en JavaScript.", "nl"),
        (web, "WEB-2", "De student ontwerpt een REST-API en documenteert die met OpenAPI.", "nl"),
        (web, "WEB-3", "De student beveiligt een webapplicatie tegen de OWASP Top 10.", "nl"),
    ]
    for position, (unit, code, text, language) in enumerate(texts):
        LearningOutcome.objects.create(unit=unit, code=code, text=text, language=language, position=position)
    return programme


@pytest.fixture
def corpus_dir() -> Path:
    if not CORPUS_DIR.is_dir():
        pytest.skip("the shared conformance corpus (../shared/corpus) is not present")
    return CORPUS_DIR
