"""Leases on background tasks: a worker that dies does not take its task with it.

django-tasks' database backend marks a claimed task RUNNING and leaves it so if the worker
is killed (SIGKILL, a lost machine). Every `paperboy worker` writes a heartbeat every few
seconds; a RUNNING task whose worker's heartbeat is older than PAPERBOY_WORKER_LEASE_SECONDS
is put back to READY (a conditional update, so two workers reaping at once requeue it once)
and the next free worker runs it again. Tasks are written to be run again safely: digest
and webhook sending claim rows (SKIP LOCKED), citation imports and submissions add what is
missing, embeddings are written per paper.

The same keeper prunes finished task results after PAPERBOY_TASK_RESULT_DAYS, so the
queue's table stays small."""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from django.conf import settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from paperboy.models import WorkerHeartbeat


def new_worker_id() -> str:
    """Unique across machines and restarts (django-tasks keeps at most 64 characters)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def beat(worker_id: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"beat_at": timezone.now()}
    )


def sign_off(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def requeue_abandoned(now: dt.datetime | None = None) -> int:
    """Put back the RUNNING tasks whose worker stopped beating; returns how many."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.PAPERBOY_WORKER_LEASE_SECONDS)
    alive = set(
        WorkerHeartbeat.objects.filter(beat_at__gte=stale).values_list("worker_id", flat=True)
    )
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=stale)
    # A long task whose worker is still there is left alone.
    requeued = _put_back(running, lambda worker: worker not in alive)
    WorkerHeartbeat.objects.filter(beat_at__lt=now - dt.timedelta(days=1)).delete()
    return requeued


def requeue_own(worker_id: str) -> int:
    """Put back the RUNNING tasks of this worker, which runs one at a time and is running
    none: called when its task ended because the database went away, so the library could
    not record how it ended. The worker's heartbeat goes on, so requeue_abandoned would never
    take them back (the cluster test's worker embedded nothing after a database restart)."""
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    return _put_back(running, lambda worker: worker == worker_id)


def _put_back(running, whose) -> int:
    """Back to READY, each of the `running` tasks whose last worker `whose` picks (None for
    a task no worker took), unless it moved on meanwhile; returns how many."""
    requeued = 0
    for pk, workers, started in running.values_list("pk", "worker_ids", "started_at"):
        if whose(workers[-1] if workers else None):
            requeued += DBTaskResult.objects.filter(
                pk=pk, status=TaskResultStatus.RUNNING, started_at=started
            ).update(status=TaskResultStatus.READY, started_at=None)
    return requeued


def prune_finished(now: dt.datetime | None = None) -> int:
    """Delete finished task results older than PAPERBOY_TASK_RESULT_DAYS."""
    now = now or timezone.now()
    old = now - dt.timedelta(days=settings.PAPERBOY_TASK_RESULT_DAYS)
    deleted, _ = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED], finished_at__lt=old
    ).delete()
    return deleted
