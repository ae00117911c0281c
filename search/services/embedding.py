"""Computing paper embeddings in the background, in batches, never twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalog.models import Paper
from catalog.queries import newest_change
from search.embeddings import EmbeddingsUnavailable, embedder, paper_text, text_hash
from search.models import IndexState, PaperEmbedding

BATCH = 64  # papers per committed batch on the CPU; a GPU embedder asks for more


def batch_size() -> int:
    try:
        return embedder().preferred_chunk
    except EmbeddingsUnavailable:
        return BATCH  # the first batch then raises the clear error


def papers_without_embeddings() -> QuerySet[Paper]:
    return Paper.objects.filter(embedding__isnull=True)


def pending_since(since) -> QuerySet[Paper]:
    """Papers changed at or after `since` that have no embedding (through `modified`)."""
    return papers_without_embeddings().filter(modified__gte=since)


def next_batch(pending: QuerySet[Paper], below: int | None, size: int) -> QuerySet[Paper]:
    """One batch of a walk over `pending`, newest id first, below the last batch's id."""
    ordered = pending.order_by("-pk")
    if below is not None:
        ordered = ordered.filter(pk__lt=below)
    return ordered.only("pk", "title", "abstract")[:size]


STATE = "embeddings"
DONE = "done"
OVERLAP = dt.timedelta(minutes=5)  # writes that committed late (the keyword index looks back too)


def embed_pending(
    *,
    first: QuerySet[Paper] | None = None,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Embed papers that have no embedding, without scanning the catalogue each round.
    `should_stop` is asked between batches (a SIGTERM ends the run after the batch in
    progress, not after the whole backlog).

    Papers added or changed since the last round are found through the index on
    `modified`. The backfill of everything older (`first`, the listed papers, before the
    rest, newest first) is one walk whose position is saved after every batch, so it
    resumes where it stopped and, once it reached the end, never runs again. Each batch
    commits on its own: an interrupted run loses at most one batch. Returns how many were
    embedded."""
    state, _ = IndexState.objects.get_or_create(name=STATE)
    # The newest change now (or now itself, for an empty catalogue): later papers are
    # the next rounds' business, through `modified`.
    until = newest_change() or timezone.now()
    budget = _Budget(limit, progress, should_stop)
    if state.indexed_until is None:
        # The first round: everything up to now is the backfill's; anything written from
        # now on is found through `modified`, however long the backfill takes.
        state.indexed_until = until
        state.save()
    _walk(pending_since(state.indexed_until - OVERLAP), budget)
    if state.cursor != DONE:
        if first is not None:
            _walk(first.filter(embedding__isnull=True), budget)
        if _walk(papers_without_embeddings(), budget, state=state):
            state.cursor = DONE
    if not budget.spent:
        state.indexed_until = until
    state.save()
    return budget.done


def restart_backfill() -> None:
    """Walk the whole catalogue again on the next round (after embeddings were deleted by
    hand, or a new model)."""
    IndexState.objects.filter(name=STATE).update(cursor=None)


class _Budget:
    def __init__(self, limit, progress, should_stop=None) -> None:
        self.limit, self.progress, self.should_stop, self.done = limit, progress, should_stop, 0

    @property
    def spent(self) -> bool:
        if self.should_stop is not None and self.should_stop():
            return True
        return self.limit is not None and self.done >= self.limit

    def take(self, size: int) -> int:
        return size if self.limit is None else min(size, self.limit - self.done)

    def count(self, n: int) -> None:
        self.done += n
        if self.progress:
            self.progress(n)


def _walk(pending: QuerySet[Paper], budget: _Budget, state: IndexState | None = None):
    """Embed `pending` newest first by id (the order papers arrived in, reversed), in
    batches, each query starting below the last batch's id: a range on the primary key,
    so no batch re-reads what the previous ones passed. With `state`, the position is saved
    after every batch and the walk resumes from it. Returns True when it reached the end,
    False when the budget (a limit, a stop) ended it first."""
    chunk = batch_size()
    cursor = state.cursor if state is not None and state.cursor else None
    while not budget.spent:
        batch = list(next_batch(pending, cursor, budget.take(chunk)))
        if not batch:
            return True
        store_embeddings(batch)
        cursor = batch[-1].pk
        if state is not None:
            IndexState.objects.filter(pk=state.pk).update(cursor=cursor)
            state.cursor = cursor
        budget.count(len(batch))
    return False


def store_embeddings(batch: list[Paper]) -> None:
    model = embedder()
    texts = [paper_text(p.title, p.abstract) for p in batch]
    vectors = model.embed(texts)
    with transaction.atomic():
        PaperEmbedding.objects.bulk_create(
            [
                PaperEmbedding(
                    paper=paper,
                    model_id=model.model_id,
                    vector=vector.tobytes(),
                    text_hash=text_hash(text),
                )
                for paper, vector, text in zip(batch, vectors, texts, strict=True)
            ],
            ignore_conflicts=True,  # another worker may have embedded it meanwhile
        )


def drop_stale_embeddings(papers: list[Paper]) -> int:
    """Delete the embeddings of these papers whose title or abstract changed since they
    were embedded, so that they are computed again (and leave the vector index's answers
    until then). An embedding stored before hashes were kept is stale when the paper was
    modified after it was made."""
    stored = PaperEmbedding.objects.filter(paper_id__in=[p.pk for p in papers]).values_list(
        "paper_id", "text_hash", "created"
    )
    by_id = {p.pk: p for p in papers}
    stale = []
    for paper_id, digest, created in stored:
        paper = by_id[paper_id]
        if digest:
            if digest != text_hash(paper_text(paper.title, paper.abstract)):
                stale.append(paper_id)
        elif paper.modified > created:
            stale.append(paper_id)
    if stale:
        PaperEmbedding.objects.filter(paper_id__in=stale).delete()
    return len(stale)
