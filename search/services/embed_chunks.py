"""The embedding backfill as chunks any number of `paperboy worker` processes share.

`plan_chunks` cuts the papers' ids into ranges of CHUNK_PAPERS (only beyond the ranges
already planned, so it is cheap to call every round). A task claims the newest pending
range (or one whose worker died: its heartbeat and its claim are both older than the
worker lease, or its claim is older than CLAIM_SECONDS), embeds the papers
in it that have none, and marks it done; a worker embedding on a GPU claims GPU_CHUNKS
ranges at a time. Embeddings are written per batch and never twice (papers already
embedded are skipped), so a killed task loses at most one batch and its range is finished
by whoever claims it next."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone

from catalog.models import Paper
from paperboy.models import WorkerHeartbeat
from search.models import EmbedChunk
from search.services.embedding import batch_size, papers_without_embeddings, store_embeddings

CHUNK_PAPERS = 2000
GPU_CHUNKS = 20
CLAIM_SECONDS = 900
TASK_SECONDS = 240  # a task hands the worker back after this long (other jobs wait)


def plan_chunks() -> int:
    """Cut the ids of papers beyond the planned ranges into new pending chunks."""
    start = EmbedChunk.objects.aggregate(last=Max("last_pk"))["last"] or 0
    made = 0
    while True:
        ids = list(
            Paper.objects.filter(pk__gt=start)
            .order_by("pk")
            .values_list("pk", flat=True)[:CHUNK_PAPERS]
        )
        if not ids:
            return made
        EmbedChunk.objects.bulk_create(
            [EmbedChunk(first_pk=ids[0], last_pk=ids[-1], papers=len(ids))],
            ignore_conflicts=True,  # two planners at once: the constraint keeps one
        )
        start, made = ids[-1], made + 1


def _claimable(now: dt.datetime) -> Q:
    """Pending ranges, and claimed ones whose claimant is gone: the `paperboy worker` it ran
    in stopped beating (paperboy/leases.py) and the claim was not renewed within the lease;
    or, for any claimant, the claim is older than CLAIM_SECONDS."""
    stale = now - dt.timedelta(seconds=CLAIM_SECONDS)
    lease = now - dt.timedelta(seconds=settings.PAPERBOY_WORKER_LEASE_SECONDS)
    held = EmbedChunk.objects.filter(status=EmbedChunk.Status.CLAIMED, claimed_at__lt=lease)
    claimants = {c: c.rsplit(":", 1)[0] for c in held.values_list("claimed_by", flat=True)}
    silent = set(
        WorkerHeartbeat.objects.filter(
            worker_id__in=set(claimants.values()), beat_at__lt=lease
        ).values_list("worker_id", flat=True)
    )
    orphaned = [claimant for claimant, worker in claimants.items() if worker in silent]
    return (
        Q(status=EmbedChunk.Status.PENDING)
        | Q(status=EmbedChunk.Status.CLAIMED, claimed_at__lt=stale)
        | Q(status=EmbedChunk.Status.CLAIMED, claimed_at__lt=lease, claimed_by__in=orphaned)
    )


def claim_chunks(worker: str, count: int = 1) -> list[EmbedChunk]:
    """Claim up to `count` ranges, newest papers first."""
    now = timezone.now()
    with transaction.atomic():
        candidates = EmbedChunk.objects.filter(_claimable(now)).order_by("-last_pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:count])
        EmbedChunk.objects.filter(Q(pk__in=ids) & _claimable(now)).update(
            status=EmbedChunk.Status.CLAIMED, claimed_by=worker, claimed_at=now
        )
    return list(
        EmbedChunk.objects.filter(claimed_by=worker, status=EmbedChunk.Status.CLAIMED)
        .filter(claimed_at=now)
        .order_by("-last_pk")
    )


def embed_chunk(chunk: EmbedChunk) -> int:
    """Embed the papers of the range that have none; returns how many."""
    pending = papers_without_embeddings().filter(pk__range=(chunk.first_pk, chunk.last_pk))
    size, done = batch_size(), 0
    while True:
        batch = list(pending.order_by("pk").only("pk", "title", "abstract")[:size])
        if not batch:
            break
        store_embeddings(batch)
        done += len(batch)
        EmbedChunk.objects.filter(pk=chunk.pk).update(claimed_at=timezone.now())  # still mine
    EmbedChunk.objects.filter(pk=chunk.pk, claimed_by=chunk.claimed_by).update(
        status=EmbedChunk.Status.DONE, embedded=done, finished_at=timezone.now()
    )
    return done


def run_backfill(worker: str, *, seconds: float = TASK_SECONDS) -> int:
    """Plan, then claim and embed ranges until none is left or `seconds` have passed."""
    plan_chunks()
    count = GPU_CHUNKS if settings.PAPERBOY_EMBED_DEVICE == "cuda" else 1
    started, done = time.monotonic(), 0
    while time.monotonic() - started < seconds:
        claimed = claim_chunks(worker, count)
        if not claimed:
            break
        for chunk in claimed:
            done += embed_chunk(chunk)
    return done


def backfill_progress() -> dict[str, int]:
    """Chunks by state, and the papers their ranges held when planned."""
    found = {"pending": 0, "claimed": 0, "done": 0}
    rows = EmbedChunk.objects.values("status").annotate(n=Sum("papers"))
    papers = {row["status"]: row["n"] for row in rows}
    for status in found:
        found[status] = EmbedChunk.objects.filter(status=status).count()
    return {
        "chunks_done": found["done"],
        "chunks_claimed": found["claimed"],
        "chunks_pending": found["pending"],
        "papers_in_done_chunks": papers.get("done", 0) or 0,
    }
