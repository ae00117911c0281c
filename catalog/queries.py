"""Reads of the catalogue for pages, the API and the CLI."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from django.db import connection
from django.db.models import Exists, Model, OuterRef, Prefetch, Q, QuerySet
from django.db.models.base import ModelState
from django.db.models.expressions import Col

from catalog.models import Author, Authorship, Category, ImportRun, Paper

M = TypeVar("M", bound=Model)
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
    SQL and one filtered queryset per paper and relation; through Paper.objects.raw and
    Model.from_db, 1.4 ms; with rows turned into instances directly, as below, about
    0.7 ms (docs/decisions.md, 2026-11-26). `paper.authorships.all()` and
    `paper.categories.all()` answer from what was loaded, as after prefetch_related;
    anything chained on them (`.filter()`) queries the database for that paper, as it
    would there.
    """
    ids = [int(pk) for pk in dict.fromkeys(ids)]
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    alias = connection.alias
    shape = _paper_rows(connection.vendor)
    categories_table = Category._meta.db_table
    links_table = Paper.categories.through._meta.db_table
    authorships_table, authors_table = Authorship._meta.db_table, Author._meta.db_table
    papers: dict[int, Paper] = {}
    authorships: dict[int, list[Authorship]] = defaultdict(list)
    categories: dict[int, list[Category]] = defaultdict(list)
    # Only the models' table and column names and placeholders are formatted in.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {shape.columns}, c.code FROM {Paper._meta.db_table} p "  # noqa: S608
            f"LEFT JOIN {categories_table} c ON c.id = p.primary_category_id "
            f"WHERE p.id IN ({marks})",
            ids,
        )
        for row in cursor.fetchall():
            values = list(row[:-1])
            for position, converters in shape.converters:
                for convert in converters:
                    values[position] = convert(values[position], None, connection)
            paper = Paper(*values)
            paper._state.adding, paper._state.db = False, alias
            paper._state.fields_cache["primary_category"] = (
                _row(Category, alias, id=paper.primary_category_id, code=row[-1])
                if paper.primary_category_id
                else None
            )
            papers[paper.pk] = paper
        cursor.execute(
            f"SELECT s.id, s.paper_id, s.position, a.id, a.name, a.name_key "  # noqa: S608
            f"FROM {authorships_table} s JOIN {authors_table} a ON a.id = s.author_id "
            f"WHERE s.paper_id IN ({marks}) AND s.position <= %s "
            f"ORDER BY s.paper_id, s.position",
            [*ids, AUTHORS_ON_CARDS],
        )
        for pk, paper_id, position, author_id, name, name_key in cursor.fetchall():
            authorship = _row(
                Authorship, alias, id=pk, paper_id=paper_id, author_id=author_id, position=position
            )
            authorship._state.fields_cache["author"] = _row(
                Author, alias, id=author_id, name=name, name_key=name_key
            )
            authorships[paper_id].append(authorship)
        cursor.execute(
            f"SELECT l.paper_id, c.id, c.code FROM {links_table} l "  # noqa: S608
            f"JOIN {categories_table} c ON c.id = l.category_id "
            f"WHERE l.paper_id IN ({marks}) ORDER BY c.code",
            ids,
        )
        for paper_id, category_id, code in cursor.fetchall():
            categories[paper_id].append(_row(Category, alias, id=category_id, code=code))
    for pk, paper in papers.items():
        _loaded(paper, "authorships", Authorship, {"paper_id": pk}, authorships[pk])
        _loaded(paper, "categories", Category, {"papers": pk}, categories[pk])
    return papers


@dataclass(frozen=True)
class _PaperRows:
    columns: str  # every concrete field's column, in the order Paper(*values) takes them
    converters: list[tuple[int, list]]  # (position, the converters its raw value needs)


@cache
def _paper_rows(vendor: str) -> _PaperRows:
    """How to read Paper rows on this database: the converters the ORM would apply (dates
    from text on SQLite, JSON), worked out once rather than per row."""
    fields = Paper._meta.concrete_fields
    converters = []
    for position, field in enumerate(fields):
        column = Col("p", field)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((position, found))
    columns = ", ".join(f"p.{connection.ops.quote_name(field.column)}" for field in fields)
    return _PaperRows(columns=columns, converters=converters)


def _row(model: type[M], alias: str, **values) -> M:
    """An instance of a model with only plain fields, made from values the database gave,
    without Model.__init__'s per-field work (many per search; tests/catalog checks them
    against the ORM's)."""
    instance = model.__new__(model)
    instance.__dict__.update(values)
    state = ModelState()
    state.adding, state.db = False, alias
    instance._state = state
    return instance


def _loaded(paper: Paper, name: str, model: type[Model], lookup: dict, rows: list) -> None:
    """Store rows as a relation's prefetched result, the way prefetch_related does, with the
    relation's filter deferred until something is chained on it (Django 5.2 internals,
    pinned; tests/catalog compares the result with prefetch_related's)."""
    queryset = QuerySet(model=model)
    queryset._deferred_filter = (False, (), lookup)  # what .filter() sets when deferring
    queryset._result_cache = rows
    queryset._prefetch_done = True
    paper.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def changed_paper_ids(since) -> QuerySet:
    """Ids of the papers modified at or after `since`, read through the index on
    `modified` (the periodic index update and the embedder follow it)."""
    return Paper.objects.filter(modified__gte=since).order_by().values_list("pk", flat=True)


def by_newest_change() -> QuerySet:
    """Every paper's `modified`, newest first (through the index on it)."""
    return Paper.objects.order_by("-modified").values_list("modified", flat=True)


def newest_change():
    """The newest `modified` in the catalogue (None when it is empty): one step down the
    index on it, where an aggregate could scan."""
    return by_newest_change().first()


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
