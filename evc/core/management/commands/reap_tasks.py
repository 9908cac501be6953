from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from evc.core.services import tasks_reap_orphans


class Command(BaseCommand):
    help = "Re-queue background tasks whose worker died mid-run."

    def handle(self, *args: Any, **options: Any) -> str:
        reaped = tasks_reap_orphans()
        return f"re-queued {len(reaped)} task(s)\n"
