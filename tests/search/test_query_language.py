import datetime as dt

import pytest

from search.query import QueryError, parse_query


def test_words_phrases_exclusions_and_fields():
    q = parse_query(
        'diffusion "video generation" -gan -"style transfer" title:transformer '
        'author:"Geoffrey Hinton" cat:cs.CV has:code sort:newest'
    )
    assert q.words == ["diffusion"]
    assert q.phrases == ["video generation"]
    assert q.excluded == ["gan", "style transfer"]
    assert q.title == ["transformer"]
    assert q.authors == ["Geoffrey Hinton"]
    assert q.categories == ["cs.CV"]
    assert q.has_code and q.sort == "newest"


def test_dates_years_and_archives():
    q = parse_query("cat:cs year:2024 after:2024-03-01")
    assert q.categories == ["cs"]
    assert (q.after, q.before) == (dt.date(2024, 3, 1), dt.date(2024, 12, 31))


@pytest.mark.parametrize(
    "text", ["2401.01234", "https://arxiv.org/abs/2401.01234v2", "arXiv:2401.01234",
             "https://huggingface.co/papers/2401.01234"],
)  # fmt: skip
def test_a_pasted_id_or_url_names_the_paper(text):
    assert parse_query(text).arxiv_ids == ["2401.01234"]


def test_ordinary_colons_are_just_text():
    assert parse_query("BERT: pre-training").words == ["BERT", "pre-training"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type something"),
        ("   ", "Type something"),
        ("x" * 501, "too long"),
        ("cat:nonsense", "not an arXiv category"),
        ("year:20x4", "needs a year"),
        ("after:yesterday", "needs a date"),
        ("has:pizza", "only knows has:code"),
        ("sort:random", "sort:"),
        ("after:2025-02-01 before:2025-01-01", "later than"),
        ('""  -- !!! ???', "Nothing to search for"),
    ],
)
def test_broken_queries_get_a_clear_message(text, message):
    with pytest.raises(QueryError, match=message):
        parse_query(text)


@pytest.mark.parametrize(
    "text",
    [
        'title:" OR 1=1 --',
        "\\\\\\ \" ' ` ; DROP TABLE papers;",
        "<script>alert(1)</script>",
        "a:b:c:d",
        '"unterminated phrase',
        "\x00\x01 nul bytes",
        "\U0001d518\U0001d52b \u2713 \u4e2d\u6587 \u0105\u0119",
        "author:",
        "-",
        "cat:cs.CL -cat:cs.CL",
    ],
)
def test_hostile_input_parses_or_fails_cleanly(text):
    try:
        parsed = parse_query(text)
    except QueryError:
        return
    for value in [*parsed.words, *parsed.phrases, *parsed.title, *parsed.authors]:
        assert '"' not in value and "\\" not in value


ABSTRACT = (
    "Background: large language models memorise parts of their training data. We study "
    "how much of a pre-training corpus can be extracted from an open model with simple "
    "prompts, measure the rate at which verbatim sequences appear, and show that "
    "de-duplicating the corpus lowers it tenfold. Results hold across model sizes "
    "from 125M to 12B parameters; has: no effect of the tokenizer was found (p < 0.05)."
)


def test_a_pasted_abstract_is_read_as_one_document():
    query = parse_query(ABSTRACT)
    assert query.document.startswith("Background large language models")
    assert query.word_count > 40 and len(query.words) <= 40
    assert query.text == query.document  # the semantic side embeds it whole
    assert not query.has_filters and not query.excluded  # "de-duplicating", "has:" are prose


def test_form_filters_still_apply_to_a_pasted_abstract():
    query = parse_query(f"{ABSTRACT} cat:cs.CL year:2024 has:code")
    assert query.document and query.categories == ["cs.CL"] and query.has_code
    assert query.after.year == query.before.year == 2024
    assert "cat" not in query.document.split()


def test_a_text_longer_than_an_abstract_gets_a_clear_message():
    with pytest.raises(QueryError, match="at most 5000 characters"):
        parse_query("word " * 1001)
