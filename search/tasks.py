"""Background tasks of search (django-tasks): the embedding backfill, shared by workers."""

from __future__ import annotations

from django_tasks import task

from paperboy.leases import new_worker_id
from search.services.embed_chunks import run_backfill


@task()
def embed_backfill(lane: int = 0) -> str:
    """Claim ranges of papers without embeddings and embed them, for a few minutes. The
    schedule queues PAPERBOY_EMBED_TASKS of these (lanes) each round, one per worker that
    should share the work."""
    worker = f"{new_worker_id()[:60]}:{lane}"
    return f"lane {lane}: embedded {run_backfill(worker)} papers"
