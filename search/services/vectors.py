"""Building the approximate vector index from the stored embeddings.

Small catalogues are searched by an exact scan (search/dense.py) and need none of this; from
PAPERBOY_VECTOR_INDEX_MIN embeddings on, `paperboy index rebuild` builds an HNSW index of all
of them, and embeddings created afterwards are scanned exactly until the next build.
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


def _all_embeddings(progress: Callable[[int], None] | None) -> tuple[np.ndarray, np.ndarray]:
    total = PaperEmbedding.objects.count()
    ids = np.zeros(total, dtype=np.int64)
    matrix = np.zeros((total, DIMENSIONS), dtype=np.float32)
    filled, last = 0, -1
    while filled < total:
        rows = list(
            PaperEmbedding.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "vector")[: min(CHUNK, total - filled)]
        )
        if not rows:
            break
        for pk, vector in rows:
            ids[filled] = pk
            matrix[filled] = np.frombuffer(bytes(vector), dtype=np.float32)
            filled += 1
        last = rows[-1][0]
        if progress:
            progress(len(rows))
    return ids[:filled], matrix[:filled]


def build_vector_index(
    *, force: bool = False, progress: Callable[[int], None] | None = None
) -> int | None:
    """Build the approximate index over every stored embedding, when there are at least
    PAPERBOY_VECTOR_INDEX_MIN of them (or `force`). Returns its size, or None when skipped;
    below the threshold an existing approximate index is removed, so the exact scan serves
    all queries."""
    count = PaperEmbedding.objects.count()
    path = lexical.index_path().parent / ann.FILE_NAME
    if count < settings.PAPERBOY_VECTOR_INDEX_MIN and not force:
        IndexState.objects.filter(name=dense.VECTORS_STATE).delete()
        path.unlink(missing_ok=True)
        dense.forget()
        return None
    # Embeddings created from here on are scanned exactly until the next build.
    until = timezone.now()
    ids, matrix = _all_embeddings(progress)
    size = ann.build(path, ids, matrix)
    state, _ = IndexState.objects.get_or_create(name=dense.VECTORS_STATE)
    state.indexed_until = until
    state.documents = size
    state.save()
    dense.forget()
    return size
