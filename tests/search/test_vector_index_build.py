"""The approximate vector index is built from the stored embeddings chunk by chunk, so that a
3M-paper build never holds every vector as float32 in memory."""

from __future__ import annotations

import datetime as dt

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


def test_larger_indexes_get_more_lists_and_scan_as_many_of_them():
    sizes = [3, 1_000, 20_000, 144_275, 1_000_000, 3_000_000, 30_000_000]
    lists = [ann.lists_for(size) for size in sizes]
    probes = [ann.probes_for(count) for count in lists]

    assert lists == sorted(lists) and lists[0] == 1
    assert probes == sorted(probes) and probes[-1] == ann.PROBES
    assert all(size >= 39 * count or count == 1 for size, count in zip(sizes, lists, strict=True))
    assert all(1 <= p <= count for p, count in zip(probes, lists, strict=True))


def test_an_operator_chooses_how_many_lists_a_search_scans(settings):
    settings.PAPERBOY_VECTOR_INDEX_MIN = 3
    store_embeddings([PaperFactory() for _ in range(4)])
    refresh_vector_index(rebuild=True)
    state = dense.replica.read(dense.watermark_path())

    assert dense._open_bulk(state).probes == ann.probes_for(ann.lists_for(4))
    settings.PAPERBOY_VECTOR_PROBES = 700
    assert dense._open_bulk(state).probes == 1  # never more lists than the index has


def test_an_index_the_catalogue_has_outgrown_is_trained_anew(settings, monkeypatch):
    """Extensions keep the centroids they were trained with; once the lists would hold far
    more papers than they were sized for, the next refresh builds the index anew."""
    settings.PAPERBOY_VECTOR_INDEX_MIN = 3
    monkeypatch.setattr(ann, "lists_for", lambda count: 1 if count < 100 else 4)
    monkeypatch.setattr(dense, "OVERLAP", dt.timedelta(0))  # count only the new ones
    store_embeddings([PaperFactory() for _ in range(80)])
    refresh_vector_index(rebuild=True)
    store_embeddings([PaperFactory() for _ in range(5)])
    assert refresh_vector_index(force=True) == 85
    assert ann.Neighbours(dense.bulk_path()).index.nlist == 1  # extended as it was
    store_embeddings([PaperFactory() for _ in range(20)])
    assert refresh_vector_index(force=True) == 105

    assert ann.Neighbours(dense.bulk_path()).index.nlist == 4  # trained anew
    _finds_every_paper_as_itself()


def test_the_first_build_removes_an_earlier_release_s_graph(settings):
    settings.PAPERBOY_VECTOR_INDEX_MIN = 3
    earlier = dense.bulk_path().with_name("vectors.usearch")
    earlier.parent.mkdir(parents=True, exist_ok=True)
    earlier.write_bytes(b"an HNSW graph")
    earlier.with_name("vectors.usearch.watermark.json").write_text("{}")
    store_embeddings([PaperFactory() for _ in range(4)])

    assert refresh_vector_index() == 4
    assert not earlier.exists()
    assert not earlier.with_name("vectors.usearch.watermark.json").exists()
    assert dense.bulk_path().exists()


def _finds_every_paper_as_itself() -> None:
    neighbours = ann.Neighbours(dense.bulk_path())
    for paper_id, vector in PaperEmbedding.objects.values_list("pk", "vector"):
        keys, similarities = neighbours.search(np.frombuffer(bytes(vector), np.float32), 1)
        assert keys[0] == paper_id and similarities[0] > 0.99


def test_a_damaged_vector_index_is_set_aside_and_the_exact_scan_answers(settings, caplog):
    settings.PAPERBOY_VECTOR_INDEX_MIN = 3
    papers = [PaperFactory() for _ in range(4)]
    store_embeddings(papers)
    assert refresh_vector_index() == 4
    dense.bulk_path().write_bytes(dense.bulk_path().read_bytes()[:1000])  # cut short
    dense.forget()

    ids, _, bulk = dense._load()
    assert bulk is None and sorted(ids.tolist()) == sorted(p.pk for p in papers)
    assert "vector index" in caplog.text


def test_a_search_on_two_threads_finds_what_one_thread_finds(tmp_path):
    """Scanning the lists in parallel changes who does the work, never the answer."""
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(2_000, 384)).astype(np.float32)
    ann.build(tmp_path / "v.faiss", np.arange(2_000), vectors, threads=1)
    one = ann.Neighbours(tmp_path / "v.faiss", probes=16, threads=1)
    two = ann.Neighbours(tmp_path / "v.faiss", probes=16, threads=2)

    for query in rng.normal(size=(20, 384)).astype(np.float32):
        keys_one, similarities_one = one.search(query, 50)
        keys_two, similarities_two = two.search(query, 50)
        assert keys_one.tolist() == keys_two.tolist()
        assert np.allclose(similarities_one, similarities_two)
        # One search may ask for a team of its own size, either way.
        assert one.search(query, 50, threads=2)[0].tolist() == keys_one.tolist()
        assert two.search(query, 50, threads=1)[0].tolist() == keys_one.tolist()


def test_the_site_searches_its_vector_index_on_the_configured_threads(settings):
    settings.PAPERBOY_VECTOR_INDEX_MIN = 3
    settings.PAPERBOY_VECTOR_THREADS = 3
    store_embeddings([PaperFactory() for _ in range(4)])
    refresh_vector_index()
    dense.forget()

    _, _, bulk = dense._load()
    assert bulk.threads == 3 and bulk.index.parallel_mode == 1


@pytest.mark.parametrize(("given", "expected"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_idle_scanning_threads_sleep_unless_the_operator_says_otherwise(given, expected):
    # Spinning after a scan, they took the core the request's next steps needed.
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given:
        env["OMP_WAIT_POLICY"] = given
    shown = subprocess.run(
        [sys.executable, "-c", "import os, search.ann; print(os.environ['OMP_WAIT_POLICY'])"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == expected
