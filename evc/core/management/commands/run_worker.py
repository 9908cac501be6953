from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from evc.core import services


class Command(BaseCommand):
    help = "Run a background worker that beats a heartbeat and re-queues tasks of dead workers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", default="default")
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--worker-id", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = options["worker_id"] or get_random_string(32)
        stop = threading.Event()
        services.heartbeat_beat(worker_id=worker_id)
        services.tasks_reap_orphans()

        def beat() -> None:
            # Its own thread, so a long task never makes its worker look dead.
            while not stop.wait(services.HEARTBEAT_SECONDS):
                try:
                    services.heartbeat_beat(worker_id=worker_id)
                    services.tasks_reap_orphans()
                except Exception:  # a locked SQLite file must not kill the heartbeat thread
                    close_old_connections()
            connection.close()

        thread = threading.Thread(target=beat, name="evc-heartbeat", daemon=True)
        thread.start()
        worker = Worker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=False,
            max_tasks=options["max_tasks"],
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        self.stdout.write(f"worker {worker_id} started")
        try:
            worker.run()
        finally:
            stop.set()
            thread.join(timeout=services.HEARTBEAT_SECONDS + 1)
            services.heartbeat_stop(worker_id=worker_id)
