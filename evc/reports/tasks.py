"""Background work: sign a decision's documents right after the decision is committed."""

from __future__ import annotations

import logging

from django_tasks import task

from evc.assessments.models import Decision
from evc.reports.services import signed_documents_create

logger = logging.getLogger(__name__)


@task()
def sign_decision_documents(decision_pk: int) -> list[str]:
    """Render, sign and store the letter and report of a decision; returns their SHA-256s.

    Idempotent: a second run (a retry, or the reaper re-queueing a task whose worker died)
    finds the stored documents and signs nothing new.
    """
    decision = Decision.objects.filter(pk=decision_pk).first()
    if decision is None:
        logger.warning("decision %s vanished before its documents were signed", decision_pk)
        return []
    return [doc.sha256 for doc in signed_documents_create(decision=decision)]
