"""Keeping the keyword index in step with the catalogue: rebuild, and incremental updates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import tantivy
from django.utils import timezone

from catalog.models import Paper, PaperTombstone
from catalog.queries import changed_papers, newest_change, ordered_authorships
from search import lexical, replica
from search.models import PaperEmbedding
from search.replica import Watermark
from search.services.embed_chunks import backfill_progress
from search.services.embedding import drop_stale_embeddings

BATCH = 2000
# Papers are stamped when written but become visible when their transaction commits, so a
# paper stamped just before the watermark can appear after it was read. Looking back a little
# re-indexes a few papers (harmless: documents are replaced) and misses none.
OVERLAP = dt.timedelta(minutes=2)
# Papers remembered in the watermark as indexed within the look-back (past this, an update
# that looks back re-indexes the window instead, as before).
MAX_RECENT = 200_000


class IndexBusy(RuntimeError):
    """Another process is writing the index."""


def _papers(
    since: dt.datetime | None, *, strict: bool = False, seen: dict | None = None
) -> Iterator[list[Paper]]:
    """Papers in primary-key batches, with authors and categories, modified since `since`
    (after it, when `strict`), leaving out those `seen` already holds at the same
    `modified`. The changed ones are found through the index on `modified` first (a
    periodic update touches a few papers, never a scan of the catalogue), then loaded by id."""
    rows = Paper.objects.order_by("pk").prefetch_related(ordered_authorships(), "categories")
    if since is not None:
        seen = seen or {}
        changed = sorted(
            pk
            for pk, modified in changed_papers(since, strict=strict)
            if seen.get(str(pk)) != modified.isoformat()
        )
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


def watermark_path() -> Path:
    """The keyword index's own watermark, inside its folder (search/replica.py)."""
    return lexical.index_path() / replica.FILE_NAME


def keyword_watermark() -> Watermark | None:
    return replica.read(watermark_path()) if lexical.is_built() else None


def update_index(
    *, rebuild: bool = False, progress: Callable[[int], None] | None = None
) -> tuple[int, Watermark]:
    """Index papers changed since this node's index last updated (all of them with
    `rebuild`), and drop the papers deleted since.

    The new watermark is the newest `modified` seen at the start, so papers changed while
    this runs are picked up next time; re-indexing a paper replaces its document. Returns
    the number of papers (re-)indexed, which includes the look-back OVERLAP. Each paper
    lives in the shard its id picks; the watermark (a file in the index's folder, not a
    shared row: every node follows the catalogue by itself) is written only once every
    shard has committed, so a crash between two commits is made good by the next update.
    """
    mark = keyword_watermark()
    epoch = replica.current_epoch()
    since = None if rebuild or mark is None or mark.epoch != epoch else _since(mark)
    strict = since is not None and since == mark.indexed_until  # no look-back this time
    started = timezone.now()
    until = newest_change()
    if since is not None and mark.indexed_until and (until is None or until < mark.indexed_until):
        until = mark.indexed_until  # the newest paper was deleted: never move back
    shards = lexical.open_for_writing()
    writers = shard_writers(shards)
    # Papers changed after `cutoff` are within the next update's look-back (see _since):
    # remembered as indexed, so that it does not index them again.
    cutoff = min(until or started, started - OVERLAP)
    recent_path = lexical.index_path() / replica.RECENT_FILE
    # Pruned to this update's own look-back, not the next one's: pruned to the next one's,
    # papers between the two were indexed again, and as the look-back slid past a bulk
    # import every one of its papers was (the soak saw 18,000 in one round, 48 s of lag).
    # (>=: the look-back takes papers stamped at its very start, changed_papers.)
    recent = {}
    if since is not None:
        floor = since.isoformat()
        recent = {k: v for k, v in replica.read_recent(recent_path).items() if v >= floor}
    try:
        count, dropped = _write_changes(
            shards, writers, mark, since, strict, progress, recent=recent, cutoff=cutoff
        )
        changed = since is None or bool(count or dropped)
        for writer in writers:
            # Nothing to write (most rounds of a follower): no commit, no new segment to
            # merge; a merge of a large index held a follower's round up for seconds.
            writer.commit() if changed else writer.rollback()
    except BaseException:
        for writer in writers:
            writer.rollback()
        raise
    if changed:
        for writer in writers:
            writer.wait_merging_threads()
        shards.reload()
        lexical.reload_readers()
    documents = shards.num_docs if changed or mark is None else mark.documents
    # Both written after the commit: `recent` names only papers the index holds as named.
    recent = {k: v for k, v in recent.items() if v >= cutoff.isoformat()}
    replica.write_recent(recent_path, recent if len(recent) <= MAX_RECENT else {})
    mark = Watermark(
        indexed_until=until or started, checked_at=started, documents=documents, epoch=epoch
    )
    replica.write(watermark_path(), mark)
    return count, mark


def _since(mark: Watermark) -> dt.datetime | None:
    """Where an update looks from. A paper stamped before the last update's watermark may
    have committed after that update read the catalogue, but not more than OVERLAP after it
    was stamped; so only while the last update started within OVERLAP of its watermark does
    this one look back OVERLAP. Otherwise it starts at the watermark itself: a follower
    polling every second does not re-index the last two minutes of a large import forever."""
    if mark.indexed_until is None:
        return None
    started = mark.checked_at or mark.indexed_until
    return min(mark.indexed_until, started - OVERLAP)


def _write_changes(
    shards, writers, mark, since, strict, progress, *, recent: dict, cutoff: dt.datetime
) -> tuple[int, int]:
    """Stage the update in the writers: everything (since None), or the papers changed and
    deleted since, less those `recent` holds as indexed at their current `modified`;
    `recent` gains every paper written here that changed after `cutoff`. Returns (papers
    written, deletions applied)."""
    dropped = 0
    if since is None:
        for writer in writers:
            writer.delete_all_documents()
    else:
        dropped = _drop_deleted(shards, writers, (mark.checked_at or mark.indexed_until) - OVERLAP)
    count = 0
    for batch in _papers(since, strict=strict, seen=dict(recent)):
        if since is not None:
            drop_stale_embeddings(batch)  # a changed title or abstract: embed again
        for paper in batch:
            writer = writers[shards.shard_number(paper.pk)]
            if since is not None:
                writer.delete_documents_by_term("paper_id", paper.pk)
            if paper.searchable:
                writer.add_document(document(paper))
            if paper.modified >= cutoff:
                recent[str(paper.pk)] = paper.modified.isoformat()
        count += len(batch)
        if progress:
            progress(len(batch))
    return count, dropped


def _drop_deleted(shards: lexical.Shards, writers: list, since: dt.datetime) -> int:
    """Delete the documents of papers removed from the catalogue since `since`."""
    gone = PaperTombstone.objects.filter(removed_at__gt=since)
    ids = list(gone.values_list("paper_id", flat=True))
    for paper_id in ids:
        writers[shards.shard_number(paper_id)].delete_documents_by_term("paper_id", paper_id)
    return len(ids)


def index_status() -> dict[str, object]:
    """What this node's index holds and how far behind the catalogue it is."""
    mark = keyword_watermark()
    papers = Paper.objects.count()
    behind = (
        Paper.objects.filter(modified__gt=mark.indexed_until).count()
        if mark and mark.indexed_until
        else papers
    )
    return {
        "papers": papers,
        "embedded": PaperEmbedding.objects.count(),
        "indexed": mark.documents if mark else 0,
        "waiting": behind,
        "indexed_until": mark.indexed_until if mark else None,
        "lag_seconds": replica.lag_seconds(mark),
        **backfill_progress(),
        "path": str(lexical.index_path()),
    }
