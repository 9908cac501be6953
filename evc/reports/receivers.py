"""Listen to the assessment workflow (which never imports reports) and queue the signing task."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from evc.assessments.signals import decision_recorded


@receiver(decision_recorded, dispatch_uid="reports.sign_decision_documents")
def on_decision_recorded(sender: Any, *, decision: Any, **kwargs: Any) -> None:
    # The signal is sent on commit, so the worker will find the decision row.
    from evc.reports.tasks import sign_decision_documents

    sign_decision_documents.enqueue(decision.pk)
