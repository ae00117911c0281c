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
        (" ".join(["word"] * 40), "too many parts"),
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
