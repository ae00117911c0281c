"""`paperboy worker`: runs background jobs, and queues the scheduled ones."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from community.tasks import notify_claimed_authors
from digests.tasks import deliver_webhooks, send_due_digests
from paperboy.loops import DATABASE_DOWN, StopSignal, run_rounds, wait_out_database
from paperboy.management.commands._base import PaperboyCommand

SCHEDULE = [send_due_digests, deliver_webhooks, notify_claimed_authors]


def queue_scheduled() -> None:
    """Queue each scheduled task unless one is already waiting or running (several workers
    may run this; at worst one extra round happens, and rounds are idempotent)."""
    for task in SCHEDULE:
        busy = DBTaskResult.objects.filter(
            task_path=task.module_path, status__in=["READY", "RUNNING"]
        ).exists()
        if not busy:
            task.enqueue()


def run_worker(worker: Worker, stop: StopSignal) -> None:
    """Run queued jobs until stopped. SIGTERM lets the job in progress finish (the
    library's own handler: an idle worker exits at once, a busy one after its job), then
    exits 0. A database that goes away is waited for, not fatal."""
    worker.configure_signals()
    backoff = 1.0
    while worker.running:
        try:
            worker.run()
            return
        except DATABASE_DOWN as error:
            backoff = wait_out_database(error, stop, backoff)


class Command(PaperboyCommand):
    help = "Run background jobs (digests, webhooks and author notices on schedule) until stopped."

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
        stop = StopSignal()  # set when the worker stops; the scheduler thread follows it

        def schedule() -> None:
            run_rounds(queue_scheduled, every=settings.PAPERBOY_WORKER_INTERVAL, stop=stop)

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
            f"worker running; scheduled rounds every {settings.PAPERBOY_WORKER_INTERVAL} s"
        )
        try:
            if options["once"]:
                worker.run()
            else:
                run_worker(worker, stop)
        finally:
            stop.event.set()
