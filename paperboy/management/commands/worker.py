"""`paperboy worker`: runs background jobs, and queues the scheduled ones."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from digests.tasks import send_due_digests
from paperboy.management.commands._base import PaperboyCommand

SCHEDULE = [send_due_digests]


def queue_scheduled() -> None:
    """Queue each scheduled task unless one is already waiting or running (several workers
    may run this; at worst one extra round happens, and rounds are idempotent)."""
    close_old_connections()
    for task in SCHEDULE:
        busy = DBTaskResult.objects.filter(
            task_path=task.module_path, status__in=["READY", "RUNNING"]
        ).exists()
        if not busy:
            task.enqueue()
    close_old_connections()


class Command(PaperboyCommand):
    help = "Run background jobs (digests on schedule) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds between looks for queued jobs (default 1)",
        )
        parser.add_argument(
            "--once", action="store_true", help="queue the scheduled jobs, run all, and exit"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def schedule() -> None:
            while not stop.is_set():
                queue_scheduled()
                stop.wait(settings.PAPERBOY_WORKER_INTERVAL)

        if options["once"]:
            queue_scheduled()
        else:
            threading.Thread(target=schedule, name="schedule", daemon=True).start()
        worker = Worker(
            queue_names=["default"],
            interval=options["interval"],
            batch=options["once"],
            backend_name="default",
            startup_delay=not options["once"],
            max_tasks=None,
            worker_id=f"paperboy-{threading.get_native_id()}",
            excluded_queue_names=[],
        )
        self.stdout.write(
            f"worker running; digests checked every {settings.PAPERBOY_WORKER_INTERVAL} s"
        )
        try:
            worker.run()
        finally:
            stop.set()
