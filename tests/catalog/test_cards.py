"""Search results' papers loaded in plain SQL must be what the ORM gives."""

import datetime as dt

import pytest

from catalog.models import Author, Authorship, Category
from catalog.queries import (
    AUTHORS_ON_CARDS,
    authors_of,
    cards_in_bulk,
    categories_of,
    papers_for_cards,
)
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db


def _paper(title, authors, codes, primary, **fields):
    paper = PaperFactory(
        title=title, primary_category=Category.objects.get_or_create(code=primary)[0], **fields
    )
    paper.authorships.all().delete()  # the factory's own two
    for position, name in enumerate(authors, start=1):
        author = Author.objects.create(name=name, name_key=name.lower())
        Authorship.objects.create(paper=paper, author=author, position=position)
    paper.categories.set([Category.objects.get_or_create(code=code)[0] for code in codes])
    return paper


def _shape(paper):
    return (
        [getattr(paper, field.attname) for field in paper._meta.concrete_fields],
        paper.arxiv_id,
        paper.title,
        paper.published_on,
        paper.primary_category.code if paper.primary_category else None,
        [(a.pk, a.name, a.name_key, a.get_absolute_url()) for a in authors_of(paper)],
        [(c.pk, c.code) for c in categories_of(paper)],
    )


def test_cards_match_what_prefetch_related_loads(django_assert_num_queries):
    papers = [
        _paper(
            "Many authors",
            [f"Author {n}" for n in range(14)],
            ["cs.LG", "cs.CL"],
            "cs.CL",
            # every kind of column: dates and times, JSON, numbers, text
            submitted_at=dt.datetime(2026, 8, 19, 17, 59, 3, 120000, tzinfo=dt.UTC),
            updated_at=dt.datetime(2026, 8, 21, 9, 0, tzinfo=dt.UTC),
            listed_on=dt.date(2026, 8, 21),
            versions=[{"version": "v1", "created": "Wed, 19 Aug 2026 17:59:03 GMT"}],
            ai_keywords=["retrieval", "ünïcode"],
            latest_version=2,
            code_stars=41,
            code_url="https://github.com/example/code",
        ),
        _paper("One author", ["Solo Writer"], ["math.CO"], "math.CO"),
        _paper("No authors", [], [], "hep-th"),
    ]
    bare = PaperFactory(title="No category", primary_category=None)
    ids = [bare.pk, *(p.pk for p in papers), 10**9]  # an id that does not exist is left out
    expected = papers_for_cards().prefetch_related("categories").in_bulk(ids)
    with django_assert_num_queries(3):
        cards = cards_in_bulk(ids)
        shapes = {pk: _shape(paper) for pk, paper in cards.items()}  # no query per paper
    assert shapes == {pk: _shape(paper) for pk, paper in expected.items()}
    assert len(shapes[papers[0].pk][-2]) == AUTHORS_ON_CARDS
    assert cards_in_bulk([]) == {}


def test_what_is_chained_on_a_card_relation_still_asks_the_database_for_that_paper():
    first = _paper("First", ["Ann"], ["cs.LG", "cs.CL"], "cs.LG")
    _paper("Second", ["Bo"], ["cs.AI"], "cs.AI")
    card = cards_in_bulk([first.pk])[first.pk]
    assert [c.code for c in card.categories.filter(code__startswith="cs")] == ["cs.CL", "cs.LG"]
    assert card.authorships.count() == 1 and card.authorships.exists()
    assert [a.author.name for a in card.authorships.filter(position=1)] == ["Ann"]
