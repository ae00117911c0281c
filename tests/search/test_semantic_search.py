import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.records import PaperRecord
from catalog.services.upsert import write_papers
from search import dense, queries
from search.models import PaperEmbedding
from search.queries import search_papers, similar_papers
from search.services.embedding import embed_pending
from search.services.indexing import update_index
from tests.factories import DailyListingFactory

pytestmark = pytest.mark.django_db

PAPERS = [
    ("2601.10001", "Latent video diffusion for long clips", "We generate long videos with a "
     "latent diffusion model that denoises frames jointly."),
    ("2601.10002", "Temporal consistency in generated footage", "Synthesising moving images "
     "frame by frame drifts; we add a temporal prior to keep generated footage coherent."),
    ("2601.10003", "Protein folding with graph networks", "We predict protein structures "
     "with message passing over residue graphs."),
    ("2601.10004", "Bayesian optimisation of catalysts", "Gaussian processes guide the "
     "search for new chemical catalysts."),
]  # fmt: skip


@pytest.fixture
def embedded():
    dense.forget()
    write_papers([PaperRecord(arxiv_id=i, title=t, abstract=a) for i, t, a in PAPERS], "arxiv-api")
    update_index(rebuild=True)
    embed_pending()
    dense.forget()
    yield
    dense.forget()


def test_embeddings_are_stored_once(embedded):
    assert PaperEmbedding.objects.count() == 4
    assert embed_pending() == 0


def test_hybrid_search_finds_papers_that_share_no_words_with_the_query(embedded):
    page = search_papers("moving picture synthesis")
    assert page.mode == "hybrid"
    assert page.results[0].paper.arxiv_id in {"2601.10001", "2601.10002"}


def test_filters_apply_to_semantic_hits_too(embedded):
    ids = [r.paper.arxiv_id for r in search_papers("moving picture synthesis -footage").results]
    assert "2601.10002" not in ids


def test_similar_papers_exclude_the_paper_itself(embedded):
    from catalog.models import Paper

    video = Paper.objects.get(arxiv_id="2601.10001")
    similar = similar_papers(video, limit=2)
    assert video not in similar and similar[0].arxiv_id == "2601.10002"


def test_paper_page_shows_similar_papers(embedded, client):
    page = client.get("/papers/2601.10001").content.decode()
    assert "Similar papers" in page and "Temporal consistency" in page


def test_embed_command_does_listed_papers_first(capsys):
    write_papers([PaperRecord(arxiv_id=i, title=t, abstract=a) for i, t, a in PAPERS], "arxiv-api")
    listing = DailyListingFactory(paper__arxiv_id="2601.19999", paper__title="Listed one")
    call_command("index", "embed", "--limit", "1")
    assert list(PaperEmbedding.objects.values_list("paper_id", flat=True)) == [listing.paper_id]
    assert "embedded 1 papers" in capsys.readouterr().out


def test_without_embeddings_search_is_keyword_only(db):
    dense.forget()
    write_papers([PaperRecord(arxiv_id="2601.10009", title="Lonely wombat")], "arxiv-api")
    update_index(rebuild=True)
    assert search_papers("wombat").mode == "keyword"


def test_approximate_index_and_exact_tail_answer_together(embedded, settings):
    from catalog.models import Paper

    settings.PAPERBOY_VECTOR_INDEX_MIN = 2
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    PaperEmbedding.objects.update(created=an_hour_ago)
    call_command("index", "rebuild")
    assert (settings.PAPERBOY_INDEX_DIR / "vectors.faiss").exists()
    # A paper embedded after the build is found through the exact tail.
    write_papers(
        [PaperRecord(arxiv_id="2601.10005", title="Video diffusion transformers", abstract=(
            "Diffusion transformers synthesise long video clips with coherent motion."))],
        "arxiv-api",
    )  # fmt: skip
    embed_pending()
    dense.forget()
    tail_ids, _, bulk = dense._load()
    assert len(bulk) == 4 and len(tail_ids) == 1
    video = Paper.objects.get(arxiv_id="2601.10001")
    near = [p.arxiv_id for p in similar_papers(video, limit=4)]
    assert "2601.10001" not in near
    assert set(near[:2]) == {"2601.10002", "2601.10005"}
    assert len(near) == len(set(near)) == 4  # papers in both parts appear once


def test_small_catalogues_need_no_approximate_index(embedded, settings, capsys):
    settings.PAPERBOY_VECTOR_INDEX_MIN = 1000
    call_command("index", "vectors")
    assert "searched by exact scan" in capsys.readouterr().out
    assert not (settings.PAPERBOY_INDEX_DIR / "vectors.faiss").exists()
    call_command("index", "vectors", "--force")
    assert "vector index holds 4 embeddings" in capsys.readouterr().out
    assert search_papers("moving picture synthesis").mode == "hybrid"


def test_new_embeddings_join_the_approximate_index_once_enough_gather(embedded, settings):
    from search.services.vectors import refresh_vector_index

    settings.PAPERBOY_VECTOR_INDEX_MIN = 2
    PaperEmbedding.objects.update(created=timezone.now() - dt.timedelta(hours=1))
    assert refresh_vector_index() == 4
    write_papers(
        [PaperRecord(arxiv_id="2601.10006", title="Graph transformers for molecules")],
        "arxiv-api",
    )
    embed_pending()
    assert refresh_vector_index() == 4  # one new embedding: the exact tail serves it
    write_papers(
        [PaperRecord(arxiv_id="2601.10007", title="Diffusion for molecule generation")],
        "arxiv-api",
    )
    embed_pending()
    assert refresh_vector_index() == 6  # two gathered: added, not rebuilt
    assert refresh_vector_index(rebuild=True) == 6


def test_api_search_can_be_keyword_only(embedded, client):
    hybrid = client.get("/api/v1/search?q=cinematography").json()
    keyword = client.get("/api/v1/search?q=cinematography&mode=keyword").json()
    assert hybrid["mode"] == "hybrid" and hybrid["results"]
    assert keyword["mode"] == "keyword" and keyword["results"] == []
    assert client.get("/api/v1/search?q=x&mode=fuzzy").status_code == 400


def test_the_vector_index_and_the_model_load_in_either_order(tmp_path):
    """A vector library loaded before ONNX Runtime crashed the process once (usearch)."""
    import subprocess
    import sys

    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'paperboy.settings';"
        "django.setup(); import numpy as np; from pathlib import Path; from search import ann;"
        f"ann.build(Path(r'{tmp_path}') / 'v.faiss', np.arange(3), np.eye(3, 384));"
        "from search.embeddings import embedder; print(embedder().embed(['x']).shape)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "(1, 384)" in done.stdout


def test_the_next_page_of_a_query_reuses_its_embedding(embedded, monkeypatch):
    from search.embeddings import query_embedder

    model = query_embedder()
    embedded_texts = []
    original = model.embed
    monkeypatch.setattr(
        model, "embed", lambda texts, *a, **k: embedded_texts.extend(texts) or original(texts)
    )
    first = search_papers("generated footage over time", limit=1)
    second = search_papers("generated footage over time", limit=1, offset=1)
    assert first.mode == second.mode == "hybrid"
    assert embedded_texts == ["generated footage over time"]
    assert first.results[0].paper.pk != second.results[0].paper.pk


def test_the_semantic_side_reads_the_database_only_in_the_request_thread(
    embedded, monkeypatch, django_assert_num_queries
):
    # The semantic side runs on a helper thread; a database read there would open a
    # connection outside any request, which nothing would ever close.
    readers = []
    original = dense._load
    monkeypatch.setattr(
        dense, "_load", lambda: readers.append(threading.current_thread()) or original()
    )
    monkeypatch.setattr(dense, "CHECK_EVERY", 0.0)  # every read goes to the database
    page = search_papers("moving picture synthesis")
    assert page.mode == "hybrid"
    assert readers and set(readers) == {threading.current_thread()}
    vectors = dense.loaded()
    query = dense.stored_vector(page.results[0].paper.pk)
    with django_assert_num_queries(0):
        near = dense.nearest_scored(query, k=2, vectors=vectors)
    assert near[0][0] == page.results[0].paper.pk


@pytest.fixture
def vector_threads(monkeypatch, settings):
    """The thread count each vector search of the semantic side was given."""
    settings.PAPERBOY_VECTOR_SPARE_THREADS = 2
    given = []
    original = dense.nearest_scored

    def recording(*args, threads=None, **kwargs):
        given.append(threads)
        return original(*args, threads=threads, **kwargs)

    monkeypatch.setattr(dense, "nearest_scored", recording)
    return given


def test_the_vector_search_takes_the_spare_cores_once_the_keyword_side_is_done(
    embedded, vector_threads
):
    vectors = dense.loaded()
    done, running = threading.Event(), threading.Event()
    done.set()
    with queries._counted():
        assert queries._semantic_side("moving pictures", 10, vectors, keyword_done=done)
        assert queries._semantic_side("moving pictures", 10, vectors, keyword_done=running)
    # Still searching (tantivy on this core), the scan keeps to one thread's default.
    assert vector_threads == [2, None]


def test_another_search_in_progress_keeps_the_vector_search_to_its_default(
    embedded, vector_threads
):
    vectors = dense.loaded()
    done = threading.Event()
    done.set()
    with queries._counted(), queries._counted():  # a second request of this process
        queries._semantic_side("moving pictures", 10, vectors, keyword_done=done)
    assert vector_threads == [None]
    assert queries._searching == 0


def test_a_pasted_document_gives_its_vector_search_the_spare_cores(embedded, vector_threads):
    from tests.search.test_abstract_and_explain import DRAFT

    # A document skips the keyword side, so nothing of its own runs beside the scan.
    page = search_papers(DRAFT)
    assert page.mode == "document" and page.results
    assert vector_threads == [2]
