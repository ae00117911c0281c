"""Building the approximate vector index from the stored embeddings.

Small catalogues are searched by an exact scan (search/dense.py) and need none of this. From
PAPERBOY_VECTOR_INDEX_MIN embeddings on, an inverted-file index holds them (search/ann.py);
embeddings created after it was last written are scanned exactly, and once
PAPERBOY_VECTOR_INDEX_MIN of those have gathered they are added to it (`paperboy index
embed` checks after every round), or the index is built anew when the catalogue has outgrown
its lists (`ann.outgrown`).
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable

import numpy as np
from django.conf import settings
from django.utils import timezone

from search import ann, dense, replica
from search.embeddings import DIMENSIONS
from search.models import PaperEmbedding
from search.replica import Watermark

CHUNK = 20_000


def _embeddings(rows, total: int, progress: Callable[[int], None] | None):
    """The first `total` stored embeddings in `rows` by key, in chunks of CHUNK (ids, float32
    matrix): those counted when the watermark was taken, not those written since."""
    last, left = -1, total
    while left > 0:
        batch = rows.filter(pk__gt=last).order_by("pk").values_list("pk", "vector")
        chunk = list(batch[: min(CHUNK, left)])
        if not chunk:
            return
        left -= len(chunk)
        ids = np.fromiter((pk for pk, _ in chunk), dtype=np.int64, count=len(chunk))
        matrix = np.frombuffer(b"".join(bytes(vector) for _, vector in chunk), dtype=np.float32)
        last = chunk[-1][0]
        if progress:
            progress(len(chunk))
        yield ids, matrix.reshape(len(chunk), DIMENSIONS)


def refresh_vector_index(
    *,
    rebuild: bool = False,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int | None:
    """Bring this node's approximate index up to date (see _refresh). One process of a node
    at a time (the embedder and the follower both call this): a second one skips the round
    and returns the size the watermark says, so two extensions never race to rename their
    files and leave a watermark ahead of the file."""
    lock = dense.bulk_path().with_name("vectors.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            mark = replica.read(dense.watermark_path())
            return mark.documents if mark else None
        try:
            return _refresh(rebuild=rebuild, force=force, progress=progress)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _forget_earlier_formats(path) -> None:
    """Remove an index file of an earlier release (an HNSW graph until 2026-12-03) with its
    watermark: nothing reads them any more."""
    for name in ann.EARLIER_FILE_NAMES:
        earlier = path.with_name(name)
        earlier.unlink(missing_ok=True)
        earlier.with_name(f"{name}.{replica.FILE_NAME}").unlink(missing_ok=True)


def _refresh(
    *,
    rebuild: bool = False,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int | None:
    """Bring the approximate index up to date: build it from every stored embedding
    (`rebuild`, or when there is none yet), or add the embeddings created since it was last
    written once there are PAPERBOY_VECTOR_INDEX_MIN of them (any number with `force`).
    Returns its size, or None when the catalogue is below the threshold (an existing index
    is then removed, and the exact scan serves every query)."""
    minimum = settings.PAPERBOY_VECTOR_INDEX_MIN
    path = dense.bulk_path()
    state = replica.read(dense.watermark_path())
    epoch = replica.current_epoch()
    extend = (
        not rebuild
        and state is not None
        and state.indexed_until
        and state.epoch == epoch
        and path.exists()
    )
    rows = PaperEmbedding.objects.all()
    if extend:
        # Only the embeddings made since (the index on `created`): an index that exists
        # holds at least the minimum already, so the table is never counted whole here.
        rows = dense.made_since(state.indexed_until - dense.OVERLAP)
    elif PaperEmbedding.objects.count() < minimum and not force:
        dense.watermark_path().unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        dense.forget()
        return None
    waiting = rows.count()
    if extend and waiting < minimum and not force:
        return state.documents
    if extend and ann.outgrown(path, waiting):
        return _refresh(rebuild=True, progress=progress)
    _forget_earlier_formats(path)
    # Embeddings created from here on go to the exact tail until the next refresh.
    until = timezone.now()
    size = ann.build_from(path, _embeddings(rows, waiting, progress), extend=bool(extend))
    # Written after the index file is in place: never ahead of it (search/replica.py).
    replica.write(
        dense.watermark_path(),
        Watermark(indexed_until=until, checked_at=until, documents=size, epoch=epoch),
    )
    dense.forget()
    return size
