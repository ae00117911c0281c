"""`paperboy worker`: runs background jobs, and queues the scheduled ones."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django_tasks_db.management.commands.db_worker import Worker

from paperboy import leases
from paperboy.loops import DATABASE_DOWN, StopSignal, run_rounds, wait_out_database
from paperboy.malloc import cap_arenas
from paperboy.management.commands._base import PaperboyCommand
from paperboy.schedule import prune_runs, queue_due

PRUNE_ROUNDS = 720  # lease rounds between prunings of old results (an hour at 5 s)
logger = logging.getLogger("paperboy.worker")


def queue_scheduled() -> None:
    """Queue the scheduled runs that are due and no other scheduler has queued."""
    queue_due()


def keep_lease(worker_id: str, stop: StopSignal) -> None:
    """Say this worker is alive every quarter lease, hand back tasks of workers that went
    silent, and prune old results now and then (paperboy/leases.py). Runs in a thread."""
    every = max(1.0, settings.PAPERBOY_WORKER_LEASE_SECONDS / 4)
    rounds = 0

    def round_() -> None:
        nonlocal rounds
        leases.beat(worker_id)
        requeued = leases.requeue_abandoned()
        if requeued:
            logger.warning("requeued %d task(s) of workers that stopped answering", requeued)
        if rounds % PRUNE_ROUNDS == 0:
            leases.prune_finished()
            prune_runs()
        rounds += 1

    run_rounds(round_, every=every, stop=stop)


def run_worker(worker: Worker, worker_id: str, stop: StopSignal) -> None:
    """Run queued jobs until stopped. SIGTERM lets the job in progress finish (the
    library's own handler: an idle worker exits at once, a busy one after its job), then
    exits 0. A database that goes away is waited for, not fatal; the job it interrupted is
    put back in the queue once the database is back."""
    worker.configure_signals()
    backoff, interrupted = 1.0, False
    while worker.running:
        try:
            if interrupted:
                leases.requeue_own(worker_id)
                interrupted = False
            worker.run()
            return
        except DATABASE_DOWN as error:
            interrupted = True
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
        cap_arenas()  # before its threads start (paperboy/malloc.py)
        stop = StopSignal()  # set when the worker stops; the scheduler thread follows it

        def schedule() -> None:
            run_rounds(queue_scheduled, every=settings.PAPERBOY_WORKER_INTERVAL, stop=stop)

        worker_id = leases.new_worker_id()
        if options["once"]:
            queue_scheduled()
        else:
            threading.Thread(target=schedule, name="schedule", daemon=True).start()
            threading.Thread(
                target=keep_lease, args=(worker_id, stop), name="lease", daemon=True
            ).start()
        worker = Worker(
            queue_names=["default"],
            interval=options["interval"],
            batch=options["once"],
            backend_name="default",
            startup_delay=not options["once"],
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        self.stdout.write(
            f"worker running; scheduled rounds every {settings.PAPERBOY_WORKER_INTERVAL} s"
        )
        try:
            if options["once"]:
                worker.run()
            else:
                run_worker(worker, worker_id, stop)
        finally:
            stop.event.set()
            with contextlib.suppress(*DATABASE_DOWN):
                leases.sign_off(worker_id)
