import pytest

from community.models import Comment
from search.services.indexing import update_index
from tests.factories import DailyListingFactory, PaperFactory
from web.math import preview, render_math

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bounds of $O(n^2)$ time", "<math"),
        ("Display $$\\sum_i x_i$$ here", 'display="block"'),
        ("Inline \\(\\alpha\\) too", "<mi>\u03b1</mi>"),
    ],
)
def test_latex_renders_as_mathml(text, expected):
    assert expected in render_math(text)


@pytest.mark.parametrize(
    "text",
    [
        "Unclosed $\\frac{a",
        "Broken $x^$ formula",
        "Costs $5 and $10",
        "$" * 7,
        "Huge $" + "x+" * 500 + "$",
    ],
)
def test_malformed_latex_never_breaks_the_page(text):
    html = str(render_math(text))
    assert html.count("<math") == html.count("</math>")
    assert "<script" not in html


def test_latex_cannot_smuggle_markup():
    html = str(
        render_math(
            "$\\text{<img src=x onerror=alert(1)>}$ and <b>bold</b> "
            "$\\href{javascript:alert(1)}{x}$"
        )
    )
    assert "<img" not in html and "javascript:" not in html
    assert "&lt;img&nbsp;src=x&nbsp;onerror=alert(1)&gt;" in html  # shown as text, inert
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_previews_never_cut_a_formula_in_two():
    words = ["word"] * 44 + ["$a", "+", "b$"] + ["tail"] * 10
    short, more = preview(" ".join(words))
    assert short.count("$") == 2 and more


@pytest.mark.django_db
def test_upvote_with_htmx_answers_just_the_button(member_client):
    listing = DailyListingFactory(imported_upvotes=4)
    answer = member_client.post(f"/papers/{listing.paper.arxiv_id}/upvote", **HTMX)
    html = answer.content.decode()
    assert answer.status_code == 200 and "<html" not in html
    assert 'aria-pressed="true"' in html and "5" in html


@pytest.mark.django_db
def test_comment_with_htmx_answers_the_new_comment(member_client):
    paper = PaperFactory()
    answer = member_client.post(
        f"/papers/{paper.arxiv_id}/comments", {"body": "Nice *work*"}, **HTMX
    )
    html = answer.content.decode()
    assert "<html" not in html and "<em>work</em>" in html
    assert Comment.objects.count() == 1


@pytest.mark.django_db
def test_the_subscribe_box_answers_in_place(client, smtp_server):
    answer = client.post("/digests/subscribe", {"email": "box@example.org"}, **HTMX)
    assert "Check your inbox" in answer.content.decode() and "<html" not in answer.content.decode()
    bad = client.post("/digests/subscribe", {"email": "nope"}, **HTMX)
    assert "valid email" in bad.content.decode()


@pytest.mark.django_db
def test_search_suggests_titles_while_typing_and_offers_respellings(client):
    PaperFactory(title="Diffusion transformers for video", abstract="Diffusion for video.")
    PaperFactory(title="Graph networks", abstract="Message passing on graphs.")
    update_index(rebuild=True)
    suggestions = client.get("/search/suggest?q=diffusion").content.decode()
    assert "Diffusion transformers for video" in suggestions
    assert client.get("/search/suggest?q=%22").status_code == 200  # broken query: no list
    page = client.get("/search?q=difusion").content.decode()
    assert "Did you mean" in page and "diffusion" in page


@pytest.mark.django_db
def test_search_page_filters_compose_with_the_query(client):
    PaperFactory(title="Old diffusion", abstract="Diffusion.", published_on="2023-02-01")
    PaperFactory(title="New diffusion", abstract="Diffusion.", published_on="2025-02-01")
    update_index(rebuild=True)
    page = client.get("/search?q=diffusion&year=2025&sort=newest").content.decode()
    assert "New diffusion" in page and "Old diffusion" not in page


@pytest.mark.django_db
def test_category_pages_list_an_archive_or_a_category(client):
    from catalog.models import Category

    paper = PaperFactory(title="A vision paper")
    paper.categories.add(Category.objects.get_or_create(code="cs.CV")[0])
    assert "A vision paper" in client.get("/categories/cs.CV").content.decode()
    assert "A vision paper" in client.get("/categories/cs").content.decode()
    assert client.get("/categories/nonsense").status_code == 404


@pytest.mark.django_db
def test_missing_pages_are_friendly(client):
    answer = client.get("/papers/2608.99999")
    assert answer.status_code == 404
    assert (
        "could not find" in answer.content.decode() and 'role="search"' in answer.content.decode()
    )


@pytest.mark.django_db
def test_pages_stay_within_the_size_budget(client):
    import re
    from pathlib import Path

    DailyListingFactory()
    html = client.get("/").content.decode()
    static = Path(__file__).resolve().parents[2] / "web" / "static"
    assets = re.findall(r'(?:href|src)="/static/([^"]+\.(?:css|js))"', html)
    total = sum((static / asset).stat().st_size for asset in assets)
    assert assets and total <= 150_000


@pytest.mark.django_db
def test_category_pages_take_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    from catalog.models import Category

    category = Category.objects.get_or_create(code="cs.CV")[0]
    for _ in range(30):
        PaperFactory().categories.add(category)
    with django_assert_max_num_queries(6):
        assert client.get("/categories/cs.CV").status_code == 200


LATEX_TEXT_PAPERS = {"2504.13626", "2503.23503", "2508.12725", "2510.03853", "2602.12005",
                     "2508.17627"}  # fmt: skip


def test_angle_brackets_in_latex_text_are_shown_not_dropped(data_dir):
    """`$\\texttt{<think>}$` in real abstracts: the tag-like text is shown, escaped."""
    import gzip
    import json
    import re

    from web.math import render_math

    found = {}
    with gzip.open(data_dir / "arxiv" / "arxiv-snapshot.jsonl.gz", "rt") as snapshot:
        for line in snapshot:
            if any(f'"{i}"' in line[:40] for i in LATEX_TEXT_PAPERS):
                record = json.loads(line)
                found[record["id"]] = record["abstract"]
    assert set(found) == LATEX_TEXT_PAPERS
    for arxiv_id, abstract in found.items():
        html = str(render_math(abstract))
        for inner in re.findall(r"\\texttt\{([^}]*<[^}]*)\}", abstract):
            shown = inner.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            assert shown.replace(" ", "&nbsp;") in html or shown in html, (arxiv_id, inner)
        assert "<think>" not in html and "<tool>" not in html
