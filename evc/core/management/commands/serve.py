from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from evc.accounts.models import User


class Command(BaseCommand):
    help = "Serve the web app and a background worker together; Ctrl-C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        # Handlers first: a Ctrl-C during start-up must still stop the children cleanly.
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        manage = [sys.executable, "manage.py"]
        address = f"{options['host']}:{options['port']}"
        # Own sessions: the terminal's Ctrl-C reaches only us, and we stop the children in order.
        procs = [
            subprocess.Popen([*manage, "runserver", address, "--noreload"], start_new_session=True),  # noqa: S603
            subprocess.Popen([*manage, "run_worker"], start_new_session=True),  # noqa: S603
        ]
        try:
            self._announce(address)
            # If either process dies, stop the other: a web app without its worker silently queues forever.
            while not stopping and all(p.poll() is None for p in procs):
                time.sleep(0.3)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.terminate()  # the worker finishes its current task; runserver just stops
            for p in procs:
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            self.stdout.write("stopped web and worker")

    def _announce(self, address: str) -> None:
        demo = User.objects.filter(email__endswith="@demo.evc.test").order_by("role", "email")
        self.stdout.write(f"\nEVC workbench on http://{address}/  (Ctrl-C stops web and worker)")
        if demo.exists():
            self.stdout.write("Demo log-ins (password: evc-demo-2026):")
            for user in demo:
                self.stdout.write(f"  {user.get_role_display():<28} {user.email}")
