import io
import json

import pytest
from django.core.management import call_command

from catalog.records import PaperRecord
from catalog.services.imports import run_import
from catalog.services.upsert import write_papers
from catalog.sources.arxiv_snapshot import ArxivSnapshotSource
from search import lexical
from search.queries import search_papers
from search.services.indexing import index_status, update_index

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(data_dir, tmp_path):
    sample = tmp_path / "sample.jsonl"
    sample.write_bytes((data_dir / "formats" / "arxiv-snapshot-sample.jsonl").read_bytes())
    run_import(ArxivSnapshotSource(sample), progress=False, stderr=io.StringIO())
    update_index(rebuild=True)


def ids(text, **kwargs):
    return [r.paper.arxiv_id for r in search_papers(text, **kwargs).results]


def test_keyword_search_finds_real_papers_by_title_first(indexed):
    assert ids("diphoton production")[0] == "0704.0001"
    assert ids('"pebble game"')[0] == "0704.0002"


def test_authors_categories_and_exclusions_filter(indexed):
    assert "0704.0001" in ids('author:"Nadolsky"')
    assert all(
        r.paper.categories.filter(code__startswith="hep").exists()
        for r in search_papers("production cat:hep-ph").results
    )
    assert "0704.0001" not in ids("diphoton -tevatron")


def test_a_pasted_id_puts_that_paper_first(indexed):
    assert ids("https://arxiv.org/abs/0704.0002 diphoton")[0] == "0704.0002"


def test_snippets_highlight_matches_and_escape_html(indexed):
    write_papers(
        [PaperRecord(arxiv_id="2601.00001", title="Hostile", abstract="<script>x</script> zebra")],
        "arxiv-api",
    )
    update_index()
    result = search_papers("zebra").results[0]
    assert "<b>zebra</b>" in result.snippet and "<script>" not in result.snippet


def test_new_papers_are_searchable_after_an_incremental_update(indexed):
    assert ids("quokka") == []
    write_papers([PaperRecord(arxiv_id="2601.00002", title="Quokka dynamics")], "arxiv-api")
    count, state = update_index()
    assert count >= 1 and ids("quokka") == ["2601.00002"]
    assert state.documents == 200  # the sample's 199 (one was withdrawn) and the new one
    assert index_status()["waiting"] == 0


def test_updated_papers_are_reindexed_not_duplicated(indexed):
    write_papers([PaperRecord(arxiv_id="2601.00003", title="Wombat one")], "arxiv-api")
    update_index()
    write_papers(
        [PaperRecord(arxiv_id="2601.00003", title="Wombat two", latest_version=2)], "arxiv-api"
    )
    update_index()
    assert ids("wombat") == ["2601.00003"]
    assert search_papers("title:wombat").results[0].paper.title == "Wombat two"


def test_sort_newest_and_has_code(indexed):
    newest = search_papers("the sort:newest", limit=5).results
    days = [r.paper.published_on for r in newest]
    assert days == sorted(days, reverse=True)
    assert all(r.paper.code_url for r in search_papers("the has:code").results)


def test_search_command_prints_json(indexed, capsys):
    call_command("search", "diphoton", "--json", "--limit", "1")
    line = json.loads(capsys.readouterr().out.strip().splitlines()[0])
    assert line["id"] == "0704.0001" and line["rank"] == 1


def test_search_page_and_apis(indexed, client):
    page = client.get("/search?q=diphoton").content.decode()
    assert "0704.0001" in page and "<b>" in page
    assert "Type something" not in page
    bad = client.get("/search?q=cat:nonsense").content.decode()
    assert "not an arXiv category" in bad
    hf = client.get("/api/papers/search?q=diphoton&limit=3").json()
    assert hf[0]["paper"]["id"] == "0704.0001"
    v1 = client.get("/api/v1/search?q=production&cat=hep-ph&limit=2").json()
    assert v1["total"] >= 1 and "took_ms" in v1 and len(v1["results"]) <= 2
    hit = v1["results"][0]
    assert set(hit) == {"id", "title", "authors", "publishedAt", "categories", "snippet"} | {
        "score",
        "pinned",
        "upvotes",
        "githubRepo",
        "explain",
    }
    assert hit["explain"] is None  # only with ?explain=1
    from api.serializers import paper_out
    from catalog.queries import paper_by_arxiv_id

    full = paper_out(paper_by_arxiv_id(hit["id"]), hit["upvotes"])
    assert all(hit[key] == full[key] for key in set(hit) & set(full))
    assert client.get("/api/v1/search?q=year:abc").status_code == 400


def test_without_an_index_search_says_so(client):
    assert client.get("/api/v1/search?q=anything").status_code == 503
    assert "has not been built" in client.get("/search?q=anything").content.decode()


def test_sort_by_upvotes_uses_the_counts_it_is_given(indexed):
    from catalog.models import Paper

    target = Paper.objects.get(arxiv_id="0704.0002")
    page = search_papers("the sort:upvotes", popularity=lambda ids: {target.pk: 99})
    assert page.results[0].paper == target


@pytest.mark.django_db
def test_api_search_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    from catalog.models import Category
    from tests.factories import PaperFactory

    category = Category.objects.get_or_create(code="cs.CL")[0]
    for number in range(15):
        PaperFactory(title=f"Counting queries {number}").categories.add(category)
    update_index(rebuild=True)
    with django_assert_max_num_queries(8):
        answer = client.get("/api/v1/search?q=counting&limit=15")
    assert len(answer.json()["results"]) == 15


@pytest.mark.django_db
def test_a_new_index_folder_is_filled_from_scratch(settings):
    """After an upgrade changes the index schema, the next update rebuilds it in full."""
    import shutil

    from search import lexical
    from tests.factories import PaperFactory

    PaperFactory(title="Upgraded wombats")
    update_index(rebuild=True)
    shutil.rmtree(lexical.index_path())
    lexical.reload_readers()
    assert index_status()["waiting"] == 1  # so load-demo and operators see it needs building
    count, _ = update_index()
    assert count == 1
    assert [r.paper.title for r in search_papers("wombats").results] == ["Upgraded wombats"]


@pytest.mark.django_db
def test_year_filters_and_phrases_still_match():
    import datetime as dt

    from tests.factories import PaperFactory

    PaperFactory(title="Language models rock", published_on=dt.date(2025, 3, 1))
    PaperFactory(title="Language models roll", published_on=dt.date(2024, 3, 1))
    PaperFactory(title="Models of language", published_on=dt.date(2025, 3, 1))
    update_index(rebuild=True)
    found = [r.paper.title for r in search_papers('"language models" year:2025').results]
    assert found == ["Language models rock"]
    assert len(search_papers('"language models" sort:newest').results) == 2
    spring = search_papers("language after:2025-02-01 before:2025-04-01").results
    assert {r.paper.title for r in spring} == {"Language models rock", "Models of language"}


def _papers(titles):
    write_papers(
        [
            PaperRecord(arxiv_id=f"2602.{number:05d}", title=title, abstract="A study.")
            for number, title in enumerate(titles, start=1)
        ],
        "arxiv-api",
    )
    update_index(rebuild=True)


def test_when_enough_papers_hold_every_word_only_those_are_ranked():
    both = [f"Alpaca herds and llama herds, part {n}" for n in range(lexical.ALL_WORDS_ENOUGH)]
    _papers([*both, "Llama", "Alpaca alpaca alpaca"])  # short titles: strong one-word matches
    page = search_papers("alpaca llama", limit=20, semantic=False)
    assert sorted(r.paper.title for r in page.results) == sorted(both)
    assert page.total == len(both)


def test_with_few_papers_holding_every_word_any_word_matches_and_they_rank_first():
    _papers(["Alpaca herds and llama herds", "Llama farming", "Alpaca wool"])
    titles = [r.paper.title for r in search_papers("alpaca llama", semantic=False).results]
    assert titles[0] == "Alpaca herds and llama herds"
    assert sorted(titles[1:]) == ["Alpaca wool", "Llama farming"]


def test_a_repeated_word_counts_once(indexed):
    from search.query import parse_query

    once, _ = lexical.search(parse_query("diphoton production"), limit=5)
    twice, _ = lexical.search(parse_query("diphoton production diphoton"), limit=5)
    assert [(h.paper_id, round(h.score, 4)) for h in once] == [
        (h.paper_id, round(h.score, 4)) for h in twice
    ]
