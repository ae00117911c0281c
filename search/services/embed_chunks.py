"""The embedding backfill as chunks any number of `paperboy worker` processes share.

`plan_chunks` cuts the papers' ids into ranges of CHUNK_PAPERS (only beyond the ranges
already planned, so it is cheap to call every round). A task claims the newest pending
range (or one whose claim is older than CLAIM_SECONDS: its worker died), embeds the papers
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
    stale = now - dt.timedelta(seconds=CLAIM_SECONDS)
    return Q(status=EmbedChunk.Status.PENDING) | Q(
        status=EmbedChunk.Status.CLAIMED, claimed_at__lt=stale
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
