"""What `paperboy worker` queues on a schedule, and how several schedulers agree.

Each job has a period; time is cut into slots of that period, and a job's run for a slot is
queued by whichever scheduler first records it (`paperboy.ScheduledRun`, unique per job and
slot): any number of workers, on any machines, queue each run exactly once. A run whose
previous one is still waiting or running is recorded as skipped instead of piling up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from paperboy.models import ScheduledRun


@dataclass(frozen=True)
class Job:
    name: str
    task: Task
    every: dt.timedelta
    args: tuple = field(default=())


def jobs() -> list[Job]:
    from catalog.tasks import harvest_oai_round, harvest_rss_round
    from community.tasks import notify_claimed_authors
    from digests.tasks import deliver_webhooks, send_due_digests
    from paperboy.tasks import send_due_mail
    from search.tasks import embed_backfill

    rounds = dt.timedelta(seconds=settings.PAPERBOY_WORKER_INTERVAL)
    found = [
        Job("digests", send_due_digests, rounds),
        Job("webhooks", deliver_webhooks, rounds),
        Job("author notices", notify_claimed_authors, rounds),
        Job("mail retries", send_due_mail, rounds),
    ]
    for lane in range(settings.PAPERBOY_EMBED_TASKS):
        found.append(Job(f"embed backfill {lane}", embed_backfill, rounds, (lane,)))
    if settings.PAPERBOY_HARVEST_OAI:
        found.append(Job("harvest oai", harvest_oai_round, dt.timedelta(days=1)))
    every = dt.timedelta(hours=settings.PAPERBOY_HARVEST_RSS_HOURS)
    for category in settings.PAPERBOY_HARVEST_RSS:
        found.append(Job(f"harvest rss {category}", harvest_rss_round, every, (category,)))
    return found


def _busy(job: Job) -> bool:
    running = DBTaskResult.objects.filter(
        task_path=job.task.module_path, status__in=["READY", "RUNNING"]
    )
    return any(list(row) == list(job.args) for row in _args(running))


def _args(rows) -> list:
    return [(kwargs or {}).get("args", []) for kwargs in rows.values_list("args_kwargs", flat=True)]


def queue_due(now: dt.datetime | None = None) -> list[str]:
    """Queue every job whose run for the current slot no scheduler has queued yet; returns
    the names of the jobs this call queued."""
    now = now or timezone.now()
    queued = []
    for job in jobs():
        slot = int(now.timestamp() // job.every.total_seconds())
        skipped = _busy(job)
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=job.name, slot=slot, skipped=skipped)
        except IntegrityError:
            continue  # another scheduler has this run
        if not skipped:
            job.task.enqueue(*job.args)
            queued.append(job.name)
    return queued


def prune_runs(now: dt.datetime | None = None, days: int = 14) -> int:
    now = now or timezone.now()
    deleted, _ = ScheduledRun.objects.filter(queued_at__lt=now - dt.timedelta(days=days)).delete()
    return deleted
