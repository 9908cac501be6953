"""Key material generated per test (never a key in the repo), snapshots and stored decisions."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from evc.reports.signing import DevSigningMaterial, dev_signing_material_create

PASSPHRASE = "test-signing-passphrase"
SITE_URL = "https://evc.example.nl"

BASE_SNAPSHOT: dict[str, Any] = {
    "decision_id": "EVC-2026-000123",
    "language": "nl",
    "institution": "Fontys Hogescholen",
    "committee": "Examencommissie HBO-ICT Software Engineering",
    "applicant": {"name": "Marianne de Vries", "number": "A1001", "email": "marianne@example.org"},
    "programme": {
        "code": "HBO-ICT-SE",
        "name": "HBO-ICT Software Engineering",
        "name_en": "ICT Software Engineering",
        "croho_code": "34479",
        "academic_year": "2026-2027",
    },
    "units": [
        {
            "code": "CLOUD",
            "name": "Cloud & DevOps",
            "name_en": "Cloud and DevOps",
            "ects": "5.0",
            "decision": "granted",
            "grounds": "Alle leeruitkomsten zijn aangetoond met het AWS-certificaat en de pipeline.",
            "valid_until": "2031-08-31",
            "outcomes": [
                {
                    "code": "CLOUD-1",
                    "text": "The student designs a scalable cloud architecture.",
                    "accepted": True,
                    "evidence": ["AWS Certified Solutions Architect"],
                },
                {
                    "code": "CLOUD-2",
                    "text": "The student automates build, test and deployment.",
                    "accepted": True,
                    "evidence": ["Werkproduct: GitLab-pipeline"],
                },
            ],
        },
        {
            "code": "WEB",
            "name": "Webontwikkeling",
            "name_en": "Web development",
            "ects": "7.5",
            "decision": "refused",
            "grounds": "WEB-3 (beveiliging tegen de OWASP Top 10) is niet aangetoond.",
            "valid_until": None,
            "outcomes": [
                {"code": "WEB-1", "text": "De student bouwt een toegankelijke webapplicatie.", "accepted": True,
                 "evidence": ["Portfolio: toegankelijke webshop"]},
                {"code": "WEB-3", "text": "De student beveiligt een webapplicatie tegen de OWASP Top 10.",
                 "accepted": False, "evidence": []},
            ],
        },
    ],
    "decided_on": "2026-11-20",
    "decided_by": ["Els de Boer", "Carla Visser"],
    "chair": "Els de Boer",
    "supersedes": None,
    "appeal_deadline": "2027-01-01",
}


def snapshot_for(**overrides: Any) -> dict[str, Any]:
    snapshot = copy.deepcopy(BASE_SNAPSHOT)
    snapshot.update(overrides)
    return snapshot


_RENDERED: dict[str, bytes] = {}


@pytest.fixture(autouse=True)
def _render_each_snapshot_once(monkeypatch):  # type: ignore[no-untyped-def]
    """Rendering takes ~0.3 s; signing (per test, with that test's key) is what these tests vary.

    Memoises the real renderer by snapshot, so a document is still rendered by WeasyPrint once
    and then signed afresh in every test. test_rendering.py calls the renderer directly.
    """
    from evc.reports import rendering, services

    def render(snapshot: dict[str, Any], *, kind: str) -> bytes:
        key = json.dumps([snapshot, kind, SITE_URL], sort_keys=True)
        if key not in _RENDERED:
            _RENDERED[key] = rendering.document_pdf_render(snapshot, kind=kind)
        return _RENDERED[key]

    monkeypatch.setattr(services, "document_pdf_render", render)


@pytest.fixture(autouse=True)
def _no_background_worker(settings):  # type: ignore[no-untyped-def]
    # Tasks are run explicitly where a test wants them (see test_tasks.py).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def signing(settings, tmp_path: Path) -> DevSigningMaterial:  # type: ignore[no-untyped-def]
    """A fresh development CA + signing certificate for every test, in a temporary directory."""
    p12 = tmp_path / "signing" / "signer.p12"
    settings.EVC_SIGNING_P12 = str(p12)
    settings.EVC_SIGNING_PASSPHRASE = PASSPHRASE
    settings.EVC_TSA_URL = ""
    settings.EVC_SITE_URL = SITE_URL
    return dev_signing_material_create(
        p12_path=p12, passphrase=PASSPHRASE.encode(), institution="Fontys Hogescholen"
    )


@pytest.fixture
def make_decision(catalogue, applicant) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    """make_decision(public_id, snapshot=None, status="valid", supersedes=None): a stored Decision."""
    from evc.assessments.models import Case, CaseState, Decision

    version = catalogue.versions.get()
    case = Case.objects.create(applicant=applicant, version=version, state=CaseState.DECIDED)

    def make(
        public_id: str = "EVC-2026-000123",
        *,
        snapshot: dict[str, Any] | None = None,
        status: str = "valid",
        supersedes: Any = None,
    ) -> Decision:
        snap = snapshot or snapshot_for(
            decision_id=public_id, supersedes=supersedes.public_id if supersedes else None
        )
        decision = Decision.objects.create(
            public_id=public_id,
            case=case,
            curriculum_version=version,
            snapshot=snap,
            decided_at=timezone.now() + dt.timedelta(seconds=Decision.objects.count()),
            supersedes=supersedes,
        )
        if status != "valid":
            Decision.objects.filter(pk=decision.pk).update(status=status)
            decision.refresh_from_db()
        return decision

    return make
