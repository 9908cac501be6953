"""Background work of employer mapping."""

from __future__ import annotations

from django_tasks import task

from evc.employers.mapping import mapping_run_execute


@task()
def run_mapping(run_id: int) -> dict[str, int | str]:
    """Map a run's remaining texts. Idempotent: a re-queued run continues where it stopped."""
    run = mapping_run_execute(run_id=run_id)
    return {"run": run.pk, "status": run.status, "done": run.done, "total": run.total}
