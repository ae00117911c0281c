"""Computing paper embeddings in the background, in batches, never twice."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet

from catalog.models import Paper
from search.embeddings import EmbeddingsUnavailable, embedder, paper_text
from search.models import PaperEmbedding

BATCH = 64  # papers per committed batch on the CPU; a GPU embedder asks for more


def _batch_size() -> int:
    try:
        return embedder().preferred_chunk
    except EmbeddingsUnavailable:
        return BATCH  # the first batch then raises the clear error


def papers_without_embeddings() -> QuerySet[Paper]:
    return Paper.objects.filter(embedding__isnull=True)


def embed_pending(
    *,
    first: QuerySet[Paper] | None = None,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Embed papers that have no embedding yet: those in `first` before the rest (newest
    first within each). Each batch commits on its own, so an interrupted run loses at most
    one batch of work and the next run carries on. Returns how many were embedded."""
    done = 0
    chunk = _batch_size()
    for queue in ([first] if first is not None else []) + [Paper.objects.all()]:
        pending = queue.filter(embedding__isnull=True).order_by("-published_on", "-pk")
        while limit is None or done < limit:
            size = chunk if limit is None else min(chunk, limit - done)
            batch = list(pending.only("pk", "title", "abstract")[:size])
            if not batch:
                break
            model = embedder()
            vectors = model.embed([paper_text(p.title, p.abstract) for p in batch])
            with transaction.atomic():
                PaperEmbedding.objects.bulk_create(
                    [
                        PaperEmbedding(
                            paper=paper, model_id=model.model_id, vector=vector.tobytes()
                        )
                        for paper, vector in zip(batch, vectors, strict=True)
                    ],
                    ignore_conflicts=True,  # another worker may have embedded it meanwhile
                )
            done += len(batch)
            if progress:
                progress(len(batch))
    return done
