"""Keeping the keyword index in step with the catalogue: rebuild, and incremental updates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import tantivy
from django.utils import timezone

from catalog.models import Paper
from catalog.queries import changed_paper_ids, newest_change, ordered_authorships
from search import lexical
from search.models import IndexState, PaperEmbedding
from search.services.embedding import drop_stale_embeddings

BATCH = 2000
STATE = "lexical"
# Papers are stamped when written but become visible when their transaction commits, so a
# paper stamped just before the watermark can appear after it was read. Looking back a little
# re-indexes a few papers (harmless: documents are replaced) and misses none.
OVERLAP = dt.timedelta(minutes=2)


class IndexBusy(RuntimeError):
    """Another process is writing the index."""


def _papers(since: dt.datetime | None) -> Iterator[list[Paper]]:
    """Papers in primary-key batches, with authors and categories, modified since `since`.
    The changed ones are found through the index on `modified` first (a periodic update
    touches a few papers, never a scan of the catalogue), then loaded by id."""
    rows = Paper.objects.order_by("pk").prefetch_related(ordered_authorships(), "categories")
    if since is not None:
        changed = sorted(changed_paper_ids(since))
        for start in range(0, len(changed), BATCH):
            yield list(rows.filter(pk__in=changed[start : start + BATCH]))
        return
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def document(paper: Paper) -> tantivy.Document:
    day = paper.published_on
    return lexical.make_document(
        paper_id=paper.pk,
        arxiv_id=paper.arxiv_id,
        title=paper.title,
        abstract=paper.abstract,
        authors=[a.author.name for a in paper.authorships.all()],
        categories=[c.code for c in paper.categories.all()],
        day=day.year * 10000 + day.month * 100 + day.day if day else 0,
        has_code=bool(paper.code_url),
    )


HEAP_BYTES = 128_000_000  # the indexing memory of all shards together


def shard_writers(shards: lexical.Shards) -> list[tantivy.IndexWriter]:
    """One writer per shard, sharing HEAP_BYTES (IndexBusy while another process writes)."""
    heap = max(32_000_000, HEAP_BYTES // len(shards.indexes))
    writers: list[tantivy.IndexWriter] = []
    try:
        for index in shards.indexes:
            writers.append(index.writer(heap_size=heap, num_threads=1))
    except ValueError as error:
        writers.clear()  # a dropped writer lets go of its shard's lock
        raise IndexBusy("Another process is updating the search index; try again.") from error
    return writers


def update_index(
    *, rebuild: bool = False, progress: Callable[[int], None] | None = None
) -> tuple[int, IndexState]:
    """Index papers changed since the last update (all of them with `rebuild`).

    The new watermark is the newest `modified` seen at the start, so papers changed while
    this runs are picked up next time; re-indexing a paper replaces its document. Returns
    the number of papers (re-)indexed, which includes the look-back OVERLAP. Each paper
    lives in the shard its id picks; the watermark moves only once every shard has
    committed, so a crash between two commits is made good by the next update.
    """
    state, _ = IndexState.objects.get_or_create(name=STATE)
    fresh = not lexical.is_built()  # e.g. a new schema version or shard count
    since = (
        None if rebuild or fresh or state.indexed_until is None else state.indexed_until - OVERLAP
    )
    until = newest_change()
    shards = lexical.open_for_writing()
    writers = shard_writers(shards)
    count = 0
    try:
        if since is None:
            for writer in writers:
                writer.delete_all_documents()
        for batch in _papers(since):
            if since is not None:
                drop_stale_embeddings(batch)  # a changed title or abstract: embed again
            for paper in batch:
                writer = writers[shards.shard_number(paper.pk)]
                if since is not None:
                    writer.delete_documents_by_term("paper_id", paper.pk)
                writer.add_document(document(paper))
            count += len(batch)
            if progress:
                progress(len(batch))
        for writer in writers:
            writer.commit()
    except BaseException:
        for writer in writers:
            writer.rollback()
        raise
    for writer in writers:
        writer.wait_merging_threads()
    shards.reload()
    lexical.reload_readers()
    state.indexed_until = until or timezone.now()
    state.documents = shards.num_docs
    state.save()
    return count, state


def index_status() -> dict[str, object]:
    """What the index holds and how far behind the catalogue it is."""
    state = IndexState.objects.filter(name=STATE).first()
    papers = Paper.objects.count()
    built = lexical.is_built()  # not after a schema upgrade or a new shard count
    behind = (
        Paper.objects.filter(modified__gt=state.indexed_until).count()
        if state and state.indexed_until and built
        else papers
    )
    return {
        "papers": papers,
        "embedded": PaperEmbedding.objects.count(),
        "indexed": state.documents if state and built else 0,
        "waiting": behind,
        "indexed_until": state.indexed_until if state else None,
        "path": str(lexical.index_path()),
    }
