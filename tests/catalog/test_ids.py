import pytest

from catalog.ids import ArxivId, InvalidArxivId, parse_arxiv_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2401.01234", ArxivId("2401.01234")),
        ("2401.01234v3", ArxivId("2401.01234", 3)),
        ("0704.0001", ArxivId("0704.0001")),
        ("hep-th/9901001", ArxivId("hep-th/9901001")),
        ("hep-th/9901001v2", ArxivId("hep-th/9901001", 2)),
        ("math.AG/0101001", ArxivId("math/0101001")),
        ("arXiv:2401.01234", ArxivId("2401.01234")),
        ("oai:arXiv.org:2508.13426v1", ArxivId("2508.13426", 1)),
        ("https://arxiv.org/abs/2401.01234v2", ArxivId("2401.01234", 2)),
        ("https://arxiv.org/pdf/2401.01234v1.pdf", ArxivId("2401.01234", 1)),
        ("http://arxiv.org/abs/quant-ph/0201082v1", ArxivId("quant-ph/0201082", 1)),
        ("https://huggingface.co/papers/2405.15738", ArxivId("2405.15738")),
        ("  2401.01234  ", ArxivId("2401.01234")),
    ],
)
def test_parses_every_id_and_url_form(text, expected):
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "0000.0000",
        "2413.01234",  # month 13
        "2401.1234",  # 4 digits after 2014
        "1412.12345",  # 5 digits before 2015
        "2401.01234v0",
        "https://example.org/abs/2401.01234",
        "https://arxiv.org/list/cs.AI",
        "javascript:alert(1)",
        "2401.01234" * 40,
    ],
)
def test_rejects_what_is_not_an_arxiv_id(text):
    with pytest.raises(InvalidArxivId):
        parse_arxiv_id(text)


def test_old_style_ids_know_they_are_old():
    assert parse_arxiv_id("hep-ph/0001001").is_old_style
    assert not parse_arxiv_id("2401.01234").is_old_style
    assert str(parse_arxiv_id("hep-ph/0001001v4")) == "hep-ph/0001001v4"
