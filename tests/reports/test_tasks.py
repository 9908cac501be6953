"""Signing runs as a background task right after a decision; it is idempotent; documents never change."""

from __future__ import annotations

import pytest

from evc.assessments.models import Decision
from evc.assessments.signals import decision_recorded
from evc.reports.models import ImmutableDocumentError, SignedDocument
from evc.reports.tasks import sign_decision_documents
from evc.reports.verification import Reason, decision_pdf_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _bytes(document: SignedDocument) -> bytes:
    with document.pdf.open("rb") as fh:
        return fh.read()


def test_a_recorded_decision_gets_a_signed_letter_and_report(immediate_tasks, make_decision):
    decision = make_decision("EVC-2026-000123")
    decision_recorded.send(sender=Decision, decision=decision)
    documents = {d.kind: d for d in SignedDocument.objects.filter(decision=decision)}
    assert set(documents) == {"letter", "report"}
    for kind, document in documents.items():
        result = decision_pdf_verify(_bytes(document))
        assert result.authentic and result.reason == Reason.AUTHENTIC, kind
        assert result.document_kind == kind
        assert document.signer == "Examencommissie Fontys Hogescholen"
        assert document.size == len(_bytes(document))
        # Stored under a generated name: nothing of the applicant in the file system.
        assert "Vries" not in document.pdf.name and document.pdf.name.endswith(".pdf")


def test_the_signal_only_queues_the_task(make_decision, settings):
    # With the dummy backend nothing runs inline: the web request is not slowed by signing.
    decision = make_decision("EVC-2026-000123")
    decision_recorded.send(sender=Decision, decision=decision)
    assert not SignedDocument.objects.exists()


def test_running_the_task_twice_signs_once(make_decision):
    decision = make_decision("EVC-2026-000123")
    first = sign_decision_documents.call(decision.pk)
    second = sign_decision_documents.call(decision.pk)
    assert first == second and len(first) == 2
    assert SignedDocument.objects.count() == 2


def test_the_task_ignores_a_vanished_decision(db):
    assert sign_decision_documents.call(987654) == []


def test_a_signed_document_never_changes(make_decision):
    decision = make_decision("EVC-2026-000123")
    document = sign_decision_documents.call(decision.pk) and SignedDocument.objects.first()
    document.signer = "someone else"
    with pytest.raises(ImmutableDocumentError):
        document.save()
    with pytest.raises(ImmutableDocumentError):
        document.delete()
    with pytest.raises(ImmutableDocumentError):
        SignedDocument.objects.filter(pk=document.pk).update(signer="x")
    with pytest.raises(ImmutableDocumentError):
        SignedDocument.objects.all().delete()
    assert SignedDocument.objects.get(pk=document.pk).signer == "Examencommissie Fontys Hogescholen"
