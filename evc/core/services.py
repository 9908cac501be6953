"""Keeping background work moving when a worker dies.

django-tasks-db never returns a claimed task to the queue: if its worker is killed
mid-run the row stays RUNNING forever. Our workers write a heartbeat; the reaper
re-queues RUNNING tasks whose worker has stopped beating. Task bodies are
idempotent (ARCHITECTURE.md §3), so running one again is safe.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from evc.core.models import WorkerHeartbeat

logger = logging.getLogger("evc.core")

HEARTBEAT_SECONDS = 5
STALE_AFTER = dt.timedelta(seconds=30)


def heartbeat_beat(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": socket.gethostname()[:255], "pid": os.getpid(), "last_seen": timezone.now()},
    )


def heartbeat_stop(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def tasks_reap_orphans(*, stale_after: dt.timedelta = STALE_AFTER, now: dt.datetime | None = None) -> list[str]:
    """Re-queue RUNNING tasks whose worker has not beaten for `stale_after`; return their ids.

    A task started less than `stale_after` ago is left alone even without a heartbeat,
    so a worker that has just claimed it is never robbed.
    """
    now = now or timezone.now()
    cutoff = now - stale_after
    alive = set(WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).values_list("worker_id", flat=True))
    reaped: list[str] = []
    with transaction.atomic():
        running = DBTaskResult.objects.filter(status="RUNNING").select_for_update()
        for result in running:
            worker = result.worker_ids[-1] if result.worker_ids else None
            if worker in alive or (result.started_at and result.started_at > cutoff):
                continue
            result.status = "READY"
            result.started_at = None
            result.save(update_fields=["status", "started_at"])
            reaped.append(str(result.id))
            logger.warning("re-queued task %s (%s): worker %s is gone", result.id, result.task_path, worker)
    WorkerHeartbeat.objects.filter(last_seen__lt=now - 10 * stale_after).delete()
    return reaped
