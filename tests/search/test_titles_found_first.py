"""A reader who remembers a paper's title, or a few words of it (lower-cased, without
punctuation, with a typo), finds that paper first, above look-alikes closer in meaning.

The sample (tests/data/title_queries_sample.json) holds ten papers of the title benchmark
(bench/typed_queries.py) that reciprocal-rank fusion ranked below a look-alike, with those
look-alikes. Real keyword index, real embeddings."""

import json
from pathlib import Path

import pytest

from catalog.records import PaperRecord
from catalog.services.upsert import write_papers
from search import dense
from search.queries import search_papers
from search.services.embedding import embed_pending
from search.services.indexing import update_index

pytestmark = pytest.mark.django_db
SAMPLE = json.loads((Path(__file__).parents[1] / "data" / "title_queries_sample.json").read_text())


@pytest.fixture
def look_alikes():
    dense.forget()
    records = [
        PaperRecord(arxiv_id=pk, title=paper["title"], abstract=paper["abstract"])
        for pk, paper in SAMPLE["papers"].items()
    ]
    write_papers(records, "arxiv-api")
    update_index(rebuild=True)
    embed_pending()
    dense.forget()
    yield
    dense.forget()


def first(text: str) -> tuple[str, str]:
    page = search_papers(text, limit=10)
    return page.results[0].paper.arxiv_id, page.mode


def test_a_few_remembered_words_or_the_whole_title_find_the_paper_first(look_alikes):
    missed = [
        (text, found)
        for item in SAMPLE["queries"]
        for text in (item["query"], item["whole"])
        if (found := first(text)) != (item["paper"], "hybrid")
    ]
    assert missed == []


def test_hybrid_never_ranks_a_remembered_title_below_keyword_search(look_alikes):
    for item in SAMPLE["queries"]:
        keyword = [r.paper.arxiv_id for r in search_papers(item["query"], semantic=False).results]
        hybrid = [r.paper.arxiv_id for r in search_papers(item["query"]).results]
        assert hybrid.index(item["paper"]) <= keyword.index(item["paper"])
