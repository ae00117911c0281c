"""Embeddings follow the text they were made from: a changed title or abstract is embedded
again (the vector index too), a model that failed to load is tried again, and a search
that got no semantic side says it was a keyword search."""

import numpy as np
import pytest

from catalog.models import Paper
from catalog.records import PaperRecord
from catalog.services.upsert import write_papers
from search import dense, queries
from search.embeddings import EmbeddingsUnavailable, paper_text, text_hash
from search.models import PaperEmbedding
from search.queries import search_papers
from search.services.embedding import embed_pending
from search.services.indexing import update_index

pytestmark = pytest.mark.django_db


def _write(title: str, abstract: str, version: int) -> None:
    write_papers(
        [
            PaperRecord(
                arxiv_id="2601.20001", title=title, abstract=abstract, latest_version=version
            )
        ],
        "arxiv-api",
    )


@pytest.fixture
def embedded_paper():
    dense.forget()
    _write("Protein folding with graph networks", "Message passing over residue graphs.", 1)
    update_index(rebuild=True)
    embed_pending()
    yield Paper.objects.get(arxiv_id="2601.20001")
    dense.forget()


def test_the_embedded_texts_hash_is_stored(embedded_paper):
    stored = PaperEmbedding.objects.get(paper=embedded_paper)
    text = paper_text(embedded_paper.title, embedded_paper.abstract)
    assert stored.text_hash == text_hash(text)


def test_a_changed_abstract_is_embedded_again(embedded_paper):
    before = np.frombuffer(bytes(PaperEmbedding.objects.get().vector), dtype=np.float32)
    _write("Galaxy rotation curves", "Dark matter halos shape the rotation of galaxies.", 2)
    update_index()  # the periodic update notices the change
    assert not PaperEmbedding.objects.exists()
    assert embed_pending() == 1
    after = PaperEmbedding.objects.get()
    assert after.text_hash == text_hash(
        paper_text("Galaxy rotation curves", "Dark matter halos shape the rotation of galaxies.")
    )
    assert float(np.frombuffer(bytes(after.vector), dtype=np.float32) @ before) < 0.9


def test_an_unchanged_text_keeps_its_embedding(embedded_paper):
    write_papers(
        [
            PaperRecord(
                arxiv_id="2601.20001",
                title=embedded_paper.title,
                abstract=embedded_paper.abstract,
                code_url="https://github.com/a/b",
            )
        ],
        "hf-daily",
    )
    update_index()
    assert PaperEmbedding.objects.count() == 1


def test_a_failed_model_load_is_not_remembered(embedded_paper, monkeypatch):
    def broken(*args, **kwargs):
        raise EmbeddingsUnavailable("embedding model not installed: simulated")

    queries._cached_query_vector.cache_clear()
    with monkeypatch.context() as patched:
        patched.setattr(queries, "query_vectors", broken)
        page = search_papers("graph networks for proteins")
        assert page.mode == "keyword"  # no semantic side: not called hybrid
    page = search_papers("graph networks for proteins")
    assert page.mode == "hybrid"  # the same query, once the model loads


def test_extending_the_vector_index_replaces_a_re_embedded_paper(tmp_path):
    from search import ann

    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(3, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    path = tmp_path / "vectors.faiss"
    ann.build(path, np.array([1, 2, 3]), vectors)
    moved = -vectors[0]  # paper 1's new text points the other way
    assert ann.build(path, np.array([1]), moved[None, :], extend=True) == 3
    keys, similarities = ann.Neighbours(path).search(moved, 1)
    assert keys[0] == 1 and similarities[0] > 0.99


def test_an_empty_vector_index_can_be_built_searched_and_extended(tmp_path):
    from search import ann

    path = tmp_path / "vectors.faiss"
    assert ann.build(path, np.zeros(0, dtype=np.int64), np.zeros((0, 384))) == 0
    keys, _ = ann.Neighbours(path).search(np.ones(384, dtype=np.float32), 5)
    assert len(keys) == 0
    vector = np.ones((1, 384), dtype=np.float32)
    assert ann.build(path, np.array([4]), vector, extend=True) == 1
    assert ann.Neighbours(path).search(vector[0], 5)[0].tolist() == [4]


def test_a_paper_updated_days_later_is_reindexed_and_embedded_again(embedded_paper):
    """Beyond the index's look-back window: the update must move `modified` itself."""
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=3)):
        _write("Galaxy rotation curves", "Dark matter halos shape galaxies.", 2)
        update_index()
        assert search_papers("title:galaxy", semantic=False).results[0].paper.arxiv_id == (
            "2601.20001"
        )
        assert not PaperEmbedding.objects.exists()


def test_the_backfill_walks_once_then_rounds_look_only_at_changed_papers(embedded_paper):
    from search.models import IndexState
    from search.services.embedding import STATE

    assert IndexState.objects.get(name=STATE).cursor == "done"
    _write_other = PaperRecord(arxiv_id="2601.20002", title="Quokka", abstract="Marsupials.")
    write_papers([_write_other], "arxiv-api")
    assert embed_pending() == 1  # found through `modified`, not a walk of the catalogue
    assert embed_pending() == 0


def test_an_interrupted_backfill_resumes_where_it_stopped(db):
    import datetime as dt

    import time_machine

    from search.models import IndexState
    from search.services.embedding import STATE

    now = dt.datetime.now(tz=dt.UTC)
    with time_machine.travel(now - dt.timedelta(hours=2)):
        write_papers(
            [
                PaperRecord(arxiv_id=f"2601.3000{n}", title=f"Paper {n}", abstract="Text.")
                for n in range(5)
            ],
            "arxiv-api",
        )
    with time_machine.travel(now - dt.timedelta(hours=1)):  # the newest change
        write_papers(
            [PaperRecord(arxiv_id="2601.39999", title="Newest", abstract="T.")], "arxiv-api"
        )
    assert embed_pending(limit=2) == 2  # the newest (recent), then one of the backfill
    cursor = IndexState.objects.get(name=STATE).cursor
    assert isinstance(cursor, int)  # the walk's saved position
    assert embed_pending() == 4 and PaperEmbedding.objects.count() == 6
    assert IndexState.objects.get(name=STATE).cursor == "done"


def test_papers_added_after_a_round_over_an_empty_catalogue_are_embedded(db):
    assert embed_pending() == 0  # nothing yet: the walk is done at once
    write_papers(
        [PaperRecord(arxiv_id="2601.50001", title="Late", abstract="Arrival.")], "arxiv-api"
    )
    assert embed_pending() == 1


def test_papers_added_while_an_interrupted_backfill_runs_are_not_missed(db):
    import datetime as dt

    import time_machine

    write_papers(
        [
            PaperRecord(arxiv_id=f"2601.6000{n}", title=f"Old {n}", abstract="Text.")
            for n in range(4)
        ],
        "arxiv-api",
    )
    assert embed_pending(limit=1) == 1  # the backfill starts, and is interrupted
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=2)):
        write_papers(
            [PaperRecord(arxiv_id="2601.69999", title="New", abstract="Text.")], "arxiv-api"
        )
        assert embed_pending() == 4
    assert PaperEmbedding.objects.count() == 5
