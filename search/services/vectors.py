"""Building the approximate vector index from the stored embeddings.

Small catalogues are searched by an exact scan (search/dense.py) and need none of this. From
PAPERBOY_VECTOR_INDEX_MIN embeddings on, an HNSW index holds them; embeddings created after
it was last written are scanned exactly, and once PAPERBOY_VECTOR_INDEX_MIN of those have
gathered they are added to it (`paperboy index embed` checks after every round).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from django.conf import settings
from django.utils import timezone

from search import ann, dense, lexical
from search.embeddings import DIMENSIONS
from search.models import IndexState, PaperEmbedding

CHUNK = 20_000


def _embeddings(rows, total: int, progress: Callable[[int], None] | None):
    ids = np.zeros(total, dtype=np.int64)
    matrix = np.zeros((total, DIMENSIONS), dtype=np.float32)
    filled, last = 0, -1
    while filled < total:
        chunk = list(
            rows.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "vector")[: min(CHUNK, total - filled)]
        )
        if not chunk:
            break
        for pk, vector in chunk:
            ids[filled] = pk
            matrix[filled] = np.frombuffer(bytes(vector), dtype=np.float32)
            filled += 1
        last = chunk[-1][0]
        if progress:
            progress(len(chunk))
    return ids[:filled], matrix[:filled]


def refresh_vector_index(
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
    path = lexical.index_path().parent / ann.FILE_NAME
    state = IndexState.objects.filter(name=dense.VECTORS_STATE).first()
    extend = not rebuild and state is not None and state.indexed_until and path.exists()
    rows = PaperEmbedding.objects.all()
    if extend:
        # Only the embeddings made since (the index on `created`): an index that exists
        # holds at least the minimum already, so the table is never counted whole here.
        rows = dense.made_since(state.indexed_until - dense.OVERLAP)
    elif PaperEmbedding.objects.count() < minimum and not force:
        IndexState.objects.filter(name=dense.VECTORS_STATE).delete()
        path.unlink(missing_ok=True)
        dense.forget()
        return None
    waiting = rows.count()
    if extend and waiting < minimum and not force:
        return state.documents
    # Embeddings created from here on go to the exact tail until the next refresh.
    until = timezone.now()
    ids, matrix = _embeddings(rows, waiting, progress)
    size = ann.build(path, ids, matrix, extend=bool(extend))
    state = state or IndexState(name=dense.VECTORS_STATE)
    state.indexed_until = until
    state.documents = size
    state.save()
    dense.forget()
    return size
