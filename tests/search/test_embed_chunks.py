"""The embedding backfill through the queue: the catalogue cut into ranges that workers
claim (never the same one twice at once), a dead worker's range finished by another
without duplicates, progress in `paperboy index status`."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.models import Paper
from paperboy.models import WorkerHeartbeat
from paperboy.schedule import queue_due
from search.models import EmbedChunk, PaperEmbedding
from search.services import embed_chunks
from search.services.embed_chunks import claim_chunks, embed_chunk, plan_chunks, run_backfill
from search.services.embedding import store_embeddings
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(embed_chunks, "CHUNK_PAPERS", 3)


def test_the_catalogue_is_cut_into_ranges_once(small_chunks):
    for _ in range(7):
        PaperFactory()
    assert plan_chunks() == 3  # 3 + 3 + 1 papers
    assert plan_chunks() == 0
    PaperFactory()
    assert plan_chunks() == 1  # only what came after the planned ranges
    assert sum(EmbedChunk.objects.values_list("papers", flat=True)) == 8


def test_two_workers_never_hold_the_same_range(small_chunks):
    for _ in range(6):
        PaperFactory()
    plan_chunks()
    first, second = claim_chunks("worker-a"), claim_chunks("worker-b")
    assert first[0].pk != second[0].pk
    assert first[0].last_pk > second[0].last_pk  # newest papers first
    assert claim_chunks("worker-c") == []


def test_a_dead_workers_range_is_finished_by_another_without_duplicates(small_chunks):
    papers = [PaperFactory() for _ in range(3)]
    plan_chunks()
    (chunk,) = claim_chunks("dead-worker")
    store_embeddings(papers[:1])  # it got one batch in before it was killed
    assert claim_chunks("live-worker") == []  # the claim still holds
    EmbedChunk.objects.update(claimed_at=timezone.now() - dt.timedelta(hours=1))
    (again,) = claim_chunks("live-worker")
    assert again.pk == chunk.pk
    assert embed_chunk(again) == 2
    assert PaperEmbedding.objects.count() == 3
    assert EmbedChunk.objects.get().status == "done"


@pytest.mark.django_db(transaction=True)  # the worker closes connections between jobs
def test_workers_embed_the_whole_catalogue_through_the_queue(small_chunks, settings):
    settings.PAPERBOY_EMBED_TASKS = 2
    for _ in range(7):
        PaperFactory()
    assert {"embed backfill 0", "embed backfill 1"} <= set(queue_due())
    call_command("worker", "--once", stdout=io.StringIO())
    assert PaperEmbedding.objects.count() == Paper.objects.count() == 7
    assert set(EmbedChunk.objects.values_list("status", flat=True)) == {"done"}
    status = io.StringIO()
    call_command("index", "status", stdout=status)
    assert "chunks_done: 3" in status.getvalue() and "chunks_pending: 0" in status.getvalue()


def test_a_task_hands_the_worker_back_after_its_time(small_chunks):
    for _ in range(6):
        PaperFactory()
    assert run_backfill("worker-a", seconds=0) == 0  # planned, nothing claimed
    assert EmbedChunk.objects.filter(status="pending").count() == 2


def test_a_range_of_a_worker_that_stopped_beating_is_taken_over_within_the_lease(
    small_chunks, settings
):
    settings.PAPERBOY_WORKER_LEASE_SECONDS = 30
    papers = [PaperFactory() for _ in range(3)]
    plan_chunks()
    long_ago = timezone.now() - dt.timedelta(seconds=31)
    WorkerHeartbeat.objects.create(worker_id="host:1:dead", beat_at=long_ago)
    WorkerHeartbeat.objects.create(worker_id="host:2:live", beat_at=timezone.now())
    (chunk,) = claim_chunks("host:2:live:0")
    EmbedChunk.objects.update(claimed_at=long_ago)  # a long batch, but its worker beats
    assert claim_chunks("host:3:new:0") == []
    EmbedChunk.objects.update(claimed_by="host:1:dead:0")  # now its worker is silent
    (again,) = claim_chunks("host:3:new:0")
    assert again.pk == chunk.pk
    assert embed_chunk(again) == len(papers)
