from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from evc.core.models import WorkerHeartbeat
from evc.core.services import STALE_AFTER, heartbeat_beat, tasks_reap_orphans

ROOT = Path(__file__).resolve().parents[2]


def running_task(worker_id: str, started_ago: dt.timedelta) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status="RUNNING",
        task_path="tests.core.probe_tasks.append_line",
        args_kwargs={"args": [], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        worker_ids=[worker_id],
        started_at=timezone.now() - started_ago,
        run_after=None,
        priority=0,
    )


@pytest.mark.django_db
def test_it_requeues_a_task_whose_worker_stopped_beating() -> None:
    heartbeat_beat(worker_id="dead")
    WorkerHeartbeat.objects.filter(worker_id="dead").update(last_seen=timezone.now() - 2 * STALE_AFTER)
    task = running_task("dead", started_ago=dt.timedelta(minutes=5))
    assert tasks_reap_orphans() == [str(task.id)]
    task.refresh_from_db()
    assert task.status == "READY" and task.started_at is None


@pytest.mark.django_db
def test_it_leaves_tasks_of_living_workers_and_fresh_claims_alone() -> None:
    heartbeat_beat(worker_id="alive")
    long_running = running_task("alive", started_ago=dt.timedelta(hours=2))
    just_claimed = running_task("unknown", started_ago=dt.timedelta(seconds=1))
    assert tasks_reap_orphans() == []
    long_running.refresh_from_db()
    just_claimed.refresh_from_db()
    assert long_running.status == "RUNNING" and just_claimed.status == "RUNNING"


def _manage(env: dict[str, str], *args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env, **kwargs)  # type: ignore[call-overload]


@pytest.mark.slow
def test_a_killed_worker_s_task_is_finished_by_the_next_worker(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Real processes: a worker is SIGKILLed mid-task; the next worker reaps and finishes it."""
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", PROBE_FILE=str(tmp_path / "out"),
               PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="evc.settings")
    env.pop("EVC_TASK_BACKEND", None)
    assert _manage(env, "migrate", "-v0").wait(timeout=120) == 0
    enqueue = "import django; django.setup(); from tests.core.probe_tasks import append_line; append_line.enqueue(2.0)"
    assert subprocess.run([sys.executable, "-c", enqueue], cwd=ROOT, env=env, timeout=60).returncode == 0

    worker = _manage(env, "run_worker", "--worker-id", "doomed", "--interval", "0.2")
    deadline = time.monotonic() + 60
    while not (tmp_path / "out.started").exists():
        assert time.monotonic() < deadline, "the worker never started the task"
        time.sleep(0.1)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    assert not (tmp_path / "out").exists()

    # The dead worker's heartbeat goes stale; the next worker's start-up reap re-queues the task.
    stale = (
        "import django, datetime as dt; django.setup(); from django.utils import timezone;"
        "from evc.core.models import WorkerHeartbeat as H;"
        "H.objects.update(last_seen=timezone.now() - dt.timedelta(minutes=5));"
        "from django_tasks_db.models import DBTaskResult as T;"
        "T.objects.update(started_at=timezone.now() - dt.timedelta(minutes=5))"
    )
    assert subprocess.run([sys.executable, "-c", stale], cwd=ROOT, env=env, timeout=60).returncode == 0
    survivor = _manage(env, "run_worker", "--batch", "--interval", "0.2")
    assert survivor.wait(timeout=120) == 0
    assert (tmp_path / "out").read_text() == "done\n"
