"""Reads of the catalogue for pages, the API and the CLI."""

from __future__ import annotations

from collections import defaultdict

from django.db import connection
from django.db.models import Exists, Model, OuterRef, Prefetch, Q, QuerySet

from catalog.models import Author, Authorship, Category, ImportRun, Paper

AUTHORS_ON_CARDS = 9  # cards show eight names, and "et al." when a ninth exists


def ordered_authorships(lookup: str = "authorships", *, first: int | None = None) -> Prefetch:
    """Prefetch a paper's authorships in order, with authors; `first` keeps only that many,
    enough for a list card (big collaborations have hundreds)."""
    authorships = Authorship.objects.select_related("author").order_by("position")
    if first is not None:
        authorships = authorships.filter(position__lte=first)
    return Prefetch(lookup, queryset=authorships)


def papers_with_details() -> QuerySet[Paper]:
    """Papers with their category, every author in order, and categories."""
    return Paper.objects.select_related("primary_category").prefetch_related(
        ordered_authorships(), "categories"
    )


def papers_for_cards() -> QuerySet[Paper]:
    """Papers with what a list card shows, in a fixed number of queries."""
    return Paper.objects.select_related("primary_category").prefetch_related(
        ordered_authorships(first=AUTHORS_ON_CARDS)
    )


def cards_in_bulk(ids: list[int]) -> dict[int, Paper]:
    """The papers `papers_for_cards()` would give, plus their categories, by id, in three
    plain SQL statements: for search results, read on every query.

    Through the ORM, a page of 10 took 4.5 ms at 144k papers on 2 cores, mostly building
    SQL and one filtered queryset per paper and relation; this takes about 2 ms
    (docs/decisions.md, 2026-11-26). `paper.authorships.all()` and `paper.categories.all()`
    answer from what was loaded, as after prefetch_related; anything chained on them
    (`.filter()`) queries the database for that paper, as it would there.
    """
    ids = [int(pk) for pk in dict.fromkeys(ids)]
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    papers_table, categories_table = Paper._meta.db_table, Category._meta.db_table
    links_table = Paper.categories.through._meta.db_table
    authorships_table, authors_table = Authorship._meta.db_table, Author._meta.db_table
    # Only the models' table names and placeholders are formatted into these statements.
    papers = {
        paper.pk: paper
        for paper in Paper.objects.raw(
            f"SELECT p.*, c.code AS primary_code FROM {papers_table} p "  # noqa: S608
            f"LEFT JOIN {categories_table} c ON c.id = p.primary_category_id "
            f"WHERE p.id IN ({marks})",
            ids,
        )
    }
    authorships: dict[int, list[Authorship]] = defaultdict(list)
    categories: dict[int, list[Category]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.id, s.paper_id, s.position, a.id, a.name, a.name_key "  # noqa: S608
            f"FROM {authorships_table} s JOIN {authors_table} a ON a.id = s.author_id "
            f"WHERE s.paper_id IN ({marks}) AND s.position <= %s "
            f"ORDER BY s.paper_id, s.position",
            [*ids, AUTHORS_ON_CARDS],
        )
        for pk, paper_id, position, author_id, name, name_key in cursor.fetchall():
            authorship = Authorship.from_db(
                connection.alias,
                ["id", "paper_id", "author_id", "position"],
                [pk, paper_id, author_id, position],
            )
            authorship.author = Author.from_db(
                connection.alias, ["id", "name", "name_key"], [author_id, name, name_key]
            )
            authorships[paper_id].append(authorship)
        cursor.execute(
            f"SELECT l.paper_id, c.id, c.code FROM {links_table} l "  # noqa: S608
            f"JOIN {categories_table} c ON c.id = l.category_id "
            f"WHERE l.paper_id IN ({marks}) ORDER BY c.code",
            ids,
        )
        for paper_id, category_id, code in cursor.fetchall():
            categories[paper_id].append(
                Category.from_db(connection.alias, ["id", "code"], [category_id, code])
            )
    for pk, paper in papers.items():
        primary = paper.__dict__.pop("primary_code", None)
        paper.primary_category = (
            Category.from_db(connection.alias, ["id", "code"], [paper.primary_category_id, primary])
            if paper.primary_category_id
            else None
        )
        _loaded(paper, "authorships", Authorship, {"paper_id": pk}, authorships[pk])
        _loaded(paper, "categories", Category, {"papers": pk}, categories[pk])
    return papers


def _loaded(paper: Paper, name: str, model: type[Model], lookup: dict, rows: list) -> None:
    """Store rows as a relation's prefetched result, the way prefetch_related does, with the
    relation's filter deferred until something is chained on it (Django 5.2 internals,
    pinned; tests/catalog compares the result with prefetch_related's)."""
    queryset = QuerySet(model=model)
    queryset._defer_next_filter = True
    queryset = queryset.filter(**lookup)
    queryset._result_cache = rows
    queryset._prefetch_done = True
    paper.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def latest_papers(limit: int = 50) -> QuerySet[Paper]:
    """The most recently published papers."""
    return papers_for_cards().order_by("-published_on", "-arxiv_id")[:limit]


def paper_by_arxiv_id(arxiv_id: str) -> Paper | None:
    """One paper with its details, or None."""
    return papers_with_details().filter(arxiv_id=arxiv_id).first()


def papers_of_author(author: Author) -> QuerySet[Paper]:
    """An author's papers, newest first, with details."""
    return (
        papers_with_details()
        .filter(authorships__author=author)
        .order_by("-published_on", "-arxiv_id")
    )


def recent_import_runs(limit: int = 20) -> QuerySet[ImportRun]:
    return ImportRun.objects.order_by("-started_at")[:limit]


def papers_in_category(code: str) -> QuerySet[Paper]:
    """Papers in a category (or, for an archive such as `cs`, any of its categories), newest
    first, with what a card shows."""
    inside = Paper.categories.through.objects.filter(paper_id=OuterRef("pk")).filter(
        Q(category__code=code) | Q(category__code__startswith=f"{code}.")
    )
    return papers_for_cards().filter(Exists(inside)).order_by("-published_on", "-arxiv_id")
