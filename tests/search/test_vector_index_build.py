"""The approximate vector index is built from the stored embeddings chunk by chunk, so that a
3M-paper build never holds every vector as float32 beside the graph."""

from __future__ import annotations

import numpy as np
import pytest

from search import ann, dense
from search.models import PaperEmbedding
from search.services import vectors
from search.services.embedding import store_embeddings
from search.services.vectors import refresh_vector_index
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db


def test_a_vector_index_built_in_small_chunks_finds_every_paper_as_itself(settings, monkeypatch):
    settings.PAPERBOY_VECTOR_INDEX_MIN = 3
    store_embeddings([PaperFactory() for _ in range(7)])
    monkeypatch.setattr(vectors, "CHUNK", 2)  # four chunks, the last one short

    assert refresh_vector_index(rebuild=True) == 7

    neighbours = ann.Neighbours(dense.bulk_path())
    for paper_id, vector in PaperEmbedding.objects.values_list("pk", "vector"):
        keys, similarities = neighbours.search(np.frombuffer(bytes(vector), np.float32), 1)
        assert keys[0] == paper_id and similarities[0] > 0.99


def test_an_extension_reads_only_the_embeddings_counted_before_it_began(settings, monkeypatch):
    """Embeddings stored while an extension reads are left to the exact tail and the next
    extension, as the watermark taken before reading says."""
    settings.PAPERBOY_VECTOR_INDEX_MIN = 3
    store_embeddings([PaperFactory() for _ in range(3)])
    refresh_vector_index(rebuild=True)
    store_embeddings([PaperFactory() for _ in range(2)])
    read = vectors._embeddings

    def reading_while_a_paper_is_embedded(rows, total, progress):
        store_embeddings([PaperFactory()])
        yield from read(rows, total, progress)

    monkeypatch.setattr(vectors, "_embeddings", reading_while_a_paper_is_embedded)
    assert refresh_vector_index(force=True) == 5
