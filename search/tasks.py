"""Background tasks of search (django-tasks): the embedding backfill, shared by workers."""

from __future__ import annotations

from django_tasks import task
from django_tasks.base import TaskContext

from paperboy.leases import new_worker_id
from search.services.embed_chunks import run_backfill


@task(takes_context=True)
def embed_backfill(context: TaskContext, lane: int = 0) -> str:
    """Claim ranges of papers without embeddings and embed them, for a few minutes. The
    schedule queues PAPERBOY_EMBED_TASKS of these (lanes) each round, one per worker that
    should share the work. Claims carry the id of the worker running the task, so a range
    of a worker that died is taken over once its lease runs out."""
    workers = context.task_result.worker_ids
    worker = f"{(workers[-1] if workers else new_worker_id())[:60]}:{lane}"
    return f"lane {lane}: embedded {run_backfill(worker)} papers"
