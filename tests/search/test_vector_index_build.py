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

    _finds_every_paper_as_itself()


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


def test_larger_indexes_search_with_a_longer_candidate_list():
    sizes = [1_000, 144_275, 1_000_000, 3_000_000, 30_000_000]
    expansions = [ann.expansion_for(size) for size in sizes]

    assert expansions == sorted(expansions)
    assert ann.expansion_for(144_275) == ann.EXPANSION_SEARCH
    assert ann.expansion_for(3_000_000) > ann.EXPANSION_SEARCH


def test_an_operator_chooses_the_search_expansion(settings):
    settings.PAPERBOY_VECTOR_INDEX_MIN = 3
    store_embeddings([PaperFactory() for _ in range(4)])
    refresh_vector_index(rebuild=True)
    state = dense.replica.read(dense.watermark_path())

    assert dense._open_bulk(state).index.expansion_search == ann.expansion_for(4)
    settings.PAPERBOY_VECTOR_EXPANSION = 700
    assert dense._open_bulk(state).index.expansion_search == 700


def _finds_every_paper_as_itself() -> None:
    neighbours = ann.Neighbours(dense.bulk_path())
    for paper_id, vector in PaperEmbedding.objects.values_list("pk", "vector"):
        keys, similarities = neighbours.search(np.frombuffer(bytes(vector), np.float32), 1)
        assert keys[0] == paper_id and similarities[0] > 0.99


@pytest.mark.parametrize("built_as, now", [("f16", "bf16"), ("bf16", "f16")])
def test_an_index_keeps_the_type_it_was_built_with_until_rebuilt(
    settings, monkeypatch, built_as, now
):
    """A node whose CPU chooses another stored type (or a new release) reads and extends the
    file it has as it is; only a rebuild changes its type."""
    from usearch.index import Index

    settings.PAPERBOY_VECTOR_INDEX_MIN = 3
    store_embeddings([PaperFactory() for _ in range(4)])
    monkeypatch.setattr(ann, "stored_type", lambda: built_as)
    refresh_vector_index(rebuild=True)
    monkeypatch.setattr(ann, "stored_type", lambda: now)

    store_embeddings([PaperFactory() for _ in range(3)])
    assert refresh_vector_index(force=True) == 7
    assert Index.metadata(str(dense.bulk_path()))["kind_scalar"].name == built_as.upper()
    _finds_every_paper_as_itself()

    refresh_vector_index(rebuild=True)
    assert Index.metadata(str(dense.bulk_path()))["kind_scalar"].name == now.upper()
    _finds_every_paper_as_itself()


def test_bfloat16_is_chosen_only_where_the_cpu_multiplies_it():
    from usearch.index import Index

    probe = Index(ndim=384, metric="cos", dtype="bf16")
    native = probe.hardware_acceleration in ann.NATIVE_BF16

    assert ann.stored_type() == ("bf16" if native else "f16")
