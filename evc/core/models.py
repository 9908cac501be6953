"""Worker liveness, so tasks of a dead worker can be handed to a living one."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per running `run_worker` process, touched every few seconds while it lives."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(db_index=True)  # the reaper's query filters on it

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"
