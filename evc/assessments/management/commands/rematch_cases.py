"""Re-run matching for open cases whose credentials, catalogue text or engine (model, weights, code)
changed since the last run; run it after an upgrade too."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from evc.assessments.models import ASSESSABLE_STATES, Case, CaseState, MatchingStatus
from evc.assessments.services import case_rematch
from evc.assessments.tasks import fingerprint_for


class Command(BaseCommand):
    help = "Queue matching for open cases whose inputs changed (e.g. after a catalogue import)."

    def handle(self, *args: Any, **options: Any) -> str:
        open_states = [CaseState.DRAFT, CaseState.MORE_EVIDENCE_REQUESTED, *ASSESSABLE_STATES]
        queued = checked = 0
        for case in Case.objects.filter(state__in=open_states).select_related("version").iterator():
            checked += 1
            busy = case.matching_status in (MatchingStatus.PENDING, MatchingStatus.RUNNING)
            if not busy and case.matching_fingerprint != fingerprint_for(case):
                case_rematch(case=case)
                queued += 1
        return f"{checked} open cases checked, {queued} queued for matching."
