"""The keyword index split into shards: where papers go, and that searching the shards
together finds what one index would."""

import pytest
import tantivy

from search import lexical
from search.queries import search_papers
from search.query import parse_query
from search.services.indexing import IndexBusy, index_status, update_index
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db

TITLES = [
    "Sharded wombat burrows",
    "Wombat burrow ventilation",
    "Burrows of the hairy-nosed wombat",
    "Numbat foraging",
    "Wombat and numbat burrows compared",
    "A census of wombats",
]


def _search(text, **kwargs):
    page = search_papers(text, semantic=False, **kwargs)
    return [r.paper.title for r in page.results], page.total


def test_each_paper_is_indexed_once_in_the_shard_its_id_picks(settings):
    settings.PAPERBOY_SEARCH_SHARDS = 3
    papers = [PaperFactory(title=title) for title in TITLES]
    update_index(rebuild=True)
    shards = lexical.open_for_reading()
    assert len(shards.indexes) == 3
    for number, shard in enumerate(shards.indexes):
        searcher = shard.searcher()
        everything = searcher.search(tantivy.Query.all_query(), limit=100)
        held = set(lexical.paper_ids(searcher, everything))
        assert held == {p.pk for p in papers if p.pk % 3 == number}
    assert index_status()["indexed"] == len(TITLES)


@pytest.mark.parametrize("query", ["wombat", "wombat burrows", '"wombat burrows"', "numbat"])
def test_shards_find_the_same_papers_as_one_index(settings, query):
    for title in TITLES:
        PaperFactory(title=title)
    found = {}
    for shards in (1, 2, 4):
        settings.PAPERBOY_SEARCH_SHARDS = shards
        update_index()  # another shard count is another folder, filled from scratch
        titles, total = _search(query, limit=50)
        found[shards] = (sorted(titles), total)
    assert found[1] == found[2] == found[4]
    assert found[1][1] > 0


def test_paging_through_shards_neither_repeats_nor_skips(settings):
    settings.PAPERBOY_SEARCH_SHARDS = 3
    for number in range(25):
        PaperFactory(title=f"Paged quoll study {number}")
    update_index(rebuild=True)
    everything, total = _search("quoll", limit=25)
    pages = [_search("quoll", limit=10, offset=offset)[0] for offset in (0, 10, 20)]
    assert total == 25
    assert [title for page in pages for title in page] == everything


def test_newest_first_is_merged_across_shards_by_date(settings):
    import datetime as dt

    settings.PAPERBOY_SEARCH_SHARDS = 2
    for day in range(1, 9):
        PaperFactory(title=f"Dated bandicoot {day}", published_on=dt.date(2025, 1, day))
    update_index(rebuild=True)
    titles, _ = _search("bandicoot sort:newest", limit=8)
    assert titles == [f"Dated bandicoot {day}" for day in range(8, 0, -1)]


def test_snippets_highlight_papers_in_every_shard(settings):
    settings.PAPERBOY_SEARCH_SHARDS = 2
    for number in range(4):
        PaperFactory(title=f"Potoroo {number}", abstract=f"The potoroo number {number} hops.")
    update_index(rebuild=True)
    results = search_papers("potoroo", semantic=False).results
    assert len(results) == 4
    assert all("<b>potoroo</b>" in r.snippet.lower() for r in results)


def test_a_writer_holding_any_shard_makes_an_update_wait(settings):
    settings.PAPERBOY_SEARCH_SHARDS = 2
    PaperFactory(title="Locked echidna")
    update_index(rebuild=True)
    held = lexical.open_for_writing().indexes[1].writer(heap_size=32_000_000, num_threads=1)
    try:
        with pytest.raises(IndexBusy):
            update_index()
    finally:
        del held
    count, _ = update_index(rebuild=True)  # both shards are free again
    assert count == 1


def test_filters_pick_the_same_papers_from_few_or_many_candidates(settings):
    settings.PAPERBOY_SEARCH_SHARDS = 2
    coded = {
        PaperFactory(title=f"Coded {n}", code_url="https://github.com/a/b").pk for n in range(4)
    }
    plain = {PaperFactory(title=f"Plain {n}").pk for n in range(4)}
    update_index(rebuild=True)
    query = parse_query("has:code")
    few = sorted(coded | plain)
    many = few + list(range(10**6, 10**6 + lexical.FEW_CANDIDATES))  # unknown ids too
    assert lexical.passing_filters(query, few) == coded
    assert lexical.passing_filters(query, many) == coded
