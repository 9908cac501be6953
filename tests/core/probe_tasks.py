"""A task for the worker tests: writes a start marker, sleeps, then writes its result once."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def append_line(seconds: float) -> None:
    out = Path(os.environ["PROBE_FILE"])
    Path(f"{out}.started").write_text("x")
    time.sleep(seconds)
    out.write_text("done\n")  # idempotent: a second run writes the same
