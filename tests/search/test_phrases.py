"""Quoted phrases of common words are answered through the index's pairs of common words
(search/phrases.py), finding exactly what a phrase checked by word positions finds."""

import pytest

from search import lexical
from search.phrases import common_pairs, field_pairs, stems
from search.queries import search_papers
from search.query import parse_query
from search.services.indexing import update_index
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db

ABSTRACTS = [
    "Large language models with tools answer questions.",
    "We train language models on code; language-models generalize.",
    "Models of language differ from language in models.",
    "The language of large models is studied with care.",
    "Large models, language models and small language models with memory.",
    "Wombats dig burrows.",
]


def test_pairs_are_adjacent_common_stems_in_order_with_repeats():
    assert stems("Large Language Models") == ["larg", "languag", "model"]
    assert common_pairs(stems("Large Language Models")) == ["larg_languag", "languag_model"]
    assert field_pairs("language models and language models") == (
        "languag_model model_and and_languag languag_model"
    )
    assert field_pairs("wombat burrows") == ""  # rare words make no pairs


@pytest.fixture
def papers():
    made = [
        PaperFactory(title=f"Paper {number}", abstract=abstract)
        for number, abstract in enumerate(ABSTRACTS)
    ]
    PaperFactory(title="Language Models Rule", abstract="Nothing else.")
    update_index(rebuild=True)
    return made


def _hits(text, *, exact):
    index = lexical.open_for_reading()
    built = lexical.build_query(index, parse_query(text), exact_phrases=exact)
    hits, total = lexical.top(index, built, limit=100, count=True)
    return hits, total


@pytest.mark.parametrize(
    "text",
    ['"language models"', '"models with"', '"large language models"', '"language models with"'],
)
def test_phrases_through_pairs_find_the_papers_positions_find(papers, text):
    fast, fast_total = _hits(text, exact=False)
    exact, exact_total = _hits(text, exact=True)
    assert {pk for _, pk in fast} == {pk for _, pk in exact}
    assert fast_total == exact_total > 0
    if len(stems(text)) > 2:  # checked by position, narrowed by pairs: same scores too
        assert fast == exact


def test_a_two_word_phrase_ranks_title_and_repeated_matches_first(papers):
    titles = [r.paper.title for r in search_papers('"language models"', semantic=False).results]
    assert titles[0] == "Language Models Rule"  # titles weigh more
    assert set(titles) == {"Language Models Rule", "Paper 0", "Paper 1", "Paper 4"}


def test_phrase_snippets_still_highlight_the_words(papers):
    results = search_papers('"language models"', semantic=False).results
    snippet = next(r.snippet for r in results if r.paper.title == "Paper 4")
    assert "<b>language</b> <b>models</b>" in snippet


def test_a_phrase_with_a_rare_word_is_checked_by_position_alone(papers):
    assert [r.paper.title for r in search_papers('"dig burrows"', semantic=False).results] == [
        "Paper 5"
    ]
    assert search_papers('"burrows dig"', semantic=False).results == []
