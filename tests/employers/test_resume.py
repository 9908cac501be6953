"""A worker killed mid-run (SIGKILL), the reaper re-queues the task, a new worker finishes it.

Everything runs in real processes against a file SQLite database: `migrate`, the
project's `run_worker`, the reaper and `map_staff`. The matcher is a slow deterministic
fake (the engine is not under test here) that logs each call, so we can count what each
attempt matched.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.employers.worker_scenario import TEXTS

ROOT = Path(__file__).resolve().parents[2]
CHUNK = 10

pytestmark = pytest.mark.slow


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.employers.worker_settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        EVC_VAR_DIR=str(tmp_path / "var"),
        EVC_FAKE_MATCHER_DELAY="0.04",
        EVC_FAKE_MATCHER_LOG=str(tmp_path / "matcher.log"),
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="ERROR",
    )
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _step(env: dict[str, str], name: str) -> str:
    code = f"import django; django.setup(); from tests.employers.worker_scenario import {name}; {name}()"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _query(db: Path, sql: str, *params: object) -> list[tuple]:
    connection = sqlite3.connect(db, timeout=20)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def _matched_per_pid(log: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in log.read_text().splitlines():
        pid, n = line.split()
        counts[pid] = counts.get(pid, 0) + int(n)
    return counts


def test_a_killed_worker_leaves_a_run_that_the_next_worker_completes(tmp_path):
    env = _env(tmp_path)
    db = tmp_path / "db.sqlite3"
    _manage(env, "migrate", "--noinput", "-v", "0")
    run_id = json.loads(_step(env, "setup"))["run"]
    assert _query(db, "SELECT status, total FROM employers_mappingrun WHERE id = ?", run_id) == [("queued", TEXTS)]

    worker = subprocess.Popen([sys.executable, "manage.py", "run_worker", "--batch", "--interval", "0.1"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            (done,) = _query(db, "SELECT done FROM employers_mappingrun WHERE id = ?", run_id)[0]
            if done >= 3 * CHUNK:
                break
            assert worker.poll() is None, worker.stderr.read().decode()
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=10)
    assert worker.returncode == -signal.SIGKILL

    # The database backend's row stays RUNNING forever: this is the state the reaper exists for.
    status, done_at_kill = _query(db, "SELECT status, done FROM employers_mappingrun WHERE id = ?", run_id)[0]
    assert status == "running" and 3 * CHUNK <= done_at_kill < TEXTS
    assert [s for (s,) in _query(db, "SELECT status FROM django_tasks_database_dbtaskresult")] == ["RUNNING"]
    cached_at_kill = _query(db, "SELECT COUNT(*) FROM employers_matchcache")[0][0]
    assert cached_at_kill == done_at_kill  # answers and the counter were committed together

    assert len(json.loads(_step(env, "reap"))["reaped"]) == 1
    _manage(env, "run_worker", "--batch", "--interval", "0.1")

    status, done, total, attempts, result = _query(
        db, "SELECT status, done, total, attempts, result FROM employers_mappingrun WHERE id = ?", run_id)[0]
    assert (status, done, total, attempts) == ("done", TEXTS, TEXTS, 2)
    assert [s for (s,) in _query(db, "SELECT status FROM django_tasks_database_dbtaskresult")] == ["SUCCESSFUL"]

    # The second worker only matched what the first had not committed.
    first, second = _matched_per_pid(tmp_path / "matcher.log").values()
    assert second == TEXTS - done_at_kill
    assert done_at_kill <= first <= done_at_kill + CHUNK  # at most the chunk in flight was lost

    # The result equals that of an uninterrupted run computed from scratch.
    summary = json.loads(_step(env | {"EVC_FAKE_MATCHER_DELAY": "0"}, "fresh_run"))
    (fresh,) = _query(db, "SELECT result FROM employers_mappingrun WHERE id = ?", summary["run"])[0]
    assert json.loads(fresh) == json.loads(result)
    assert json.loads(result)["staff_total"] == 60
