"""A reader pastes an abstract and gets the papers closest in meaning; an operator asks why
a paper ranked where it did. Real embeddings, real keyword index."""

import pytest

from search.queries import search_papers
from tests.search.test_semantic_search import PAPERS, embedded  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

DRAFT = (
    "In this work we look at how to synthesise long clips of moving images without the "
    "motion drifting over time. Each frame is produced by a generative model conditioned "
    "on the frames before it, and a prior over time keeps the footage coherent, which we "
    "evaluate on several benchmarks of generated footage against strong baselines with "
    "human raters and automatic metrics of temporal consistency and of image quality."
)


def test_a_pasted_paragraph_is_found_by_meaning(embedded):  # noqa: F811
    page = search_papers(DRAFT)
    assert page.mode == "document" and page.treatment == "document"
    found = [r.paper.arxiv_id for r in page.results]
    assert set(found[:2]) == {"2601.10001", "2601.10002"}  # the two video papers
    assert all(r.evidence.keyword is None for r in page.results)


def test_the_api_says_which_treatment_a_query_got(embedded, client):  # noqa: F811
    long = client.get("/api/v1/search", {"q": DRAFT, "limit": 3}).json()
    assert long["mode"] == "document" and long["treatment"] == "document"
    assert long["results"][0]["id"] in {"2601.10001", "2601.10002"}
    short = client.get("/api/v1/search", {"q": "protein folding"}).json()
    assert short["mode"] == "hybrid" and short["treatment"] == "short"
    assert short["results"][0]["id"] == "2601.10003"


def test_explain_gives_each_hit_its_keyword_semantic_and_fused_scores(embedded, client):  # noqa: F811
    body = client.get("/api/v1/search", {"q": "protein folding", "explain": 1}).json()
    top = body["results"][0]["explain"]
    assert top["keyword"] > 0 and top["keyword_rank"] == 1
    assert 0 < top["semantic"] <= 1 and top["semantic_rank"] == 1
    assert top["fused"] == pytest.approx(1.0)  # best on both sides
    assert top["semantic_weight"] == 0.5 and top["treatment"] == "short"
    others = [hit["explain"] for hit in body["results"][1:]]
    assert all(hit["keyword"] is None for hit in others)  # found by meaning only
    assert [h["fused"] for h in [top, *others]] == sorted(
        [h["fused"] for h in [top, *others]], reverse=True
    )


def test_the_search_page_explains_on_request(embedded, client):  # noqa: F811
    plain = client.get("/search", {"q": "protein folding"}).content.decode()
    assert "Fused score" not in plain
    page = client.get("/search", {"q": "protein folding", "explain": "1"}).content.decode()
    assert "Fused score 1.000" in page and "keyword score" in page and "(#1)" in page
    pasted = client.get("/search", {"q": DRAFT}).content.decode()
    assert "read as a document" in pasted and "Latent video diffusion" in pasted


def test_a_paragraph_is_still_searchable_by_keywords_without_embeddings(client):
    from catalog.records import PaperRecord
    from catalog.services.upsert import write_papers
    from search.services.indexing import update_index

    write_papers([PaperRecord(arxiv_id=i, title=t, abstract=a) for i, t, a in PAPERS], "arxiv-api")
    update_index(rebuild=True)
    page = search_papers(DRAFT)
    assert page.mode == "keyword" and page.treatment == "document"
    assert page.results and page.results[0].paper.arxiv_id in {"2601.10001", "2601.10002"}
