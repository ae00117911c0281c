"""Reads of the catalogue for pages, the API and the CLI."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from functools import cache
from typing import NamedTuple, TypeVar

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.expressions import Col
from django.db.models.functions import Lower

from catalog.models import Author, Authorship, Category, ImportRun, Paper, author_url

T = TypeVar("T")
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


class CardAuthor(NamedTuple):
    """An author as a search card shows one: what it reads of an Author, without a model
    instance (making about 35 of them a page was a third of `cards_in_bulk`)."""

    id: int
    name: str
    name_key: str

    @property
    def pk(self) -> int:
        return self.id

    def get_absolute_url(self) -> str:
        return author_url(self.id)


class CardCategory(NamedTuple):
    """A category as a search card shows one."""

    id: int
    code: str

    @property
    def pk(self) -> int:
        return self.id


def cards_in_bulk(ids: list[int]) -> dict[int, Paper]:
    """The papers for search results, by id, in three plain SQL statements: each with its
    primary category, `card_authors` (the first AUTHORS_ON_CARDS authors, in order) and
    `card_categories` (by code), as CardAuthor and CardCategory records. Read them through
    `authors_of` and `categories_of`, which also answer for papers loaded any other way.

    Instances come from Model.from_db, Django's documented hook for loading rows. Through
    the ORM (select_related, prefetch_related) a page of 10 took 4.5 ms at 144k papers on 2
    cores; with prefetch_related_objects on top of from_db, 2.6 ms; this way about 0.6 ms
    (docs/decisions.md, 2026-12-01).
    """
    ids = [int(pk) for pk in dict.fromkeys(ids)]
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    alias = connection.alias
    names, columns = _paper_columns(connection.vendor)
    converters = _paper_converters(connection.vendor)
    papers: dict[int, Paper] = {}
    categories_table = Category._meta.db_table
    # Only the models' table and column names and placeholders are formatted in.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, c.code FROM {Paper._meta.db_table} p "  # noqa: S608
            f"LEFT JOIN {categories_table} c ON c.id = p.primary_category_id "
            f"WHERE p.id IN ({marks})",
            ids,
        )
        for row in cursor.fetchall():
            values = list(row[:-1])
            for position, found in converters:
                for convert in found:
                    values[position] = convert(values[position], None, connection)
            paper = Paper.from_db(alias, names, values)
            if paper.primary_category_id:
                paper.primary_category = Category.from_db(
                    alias, ["id", "code"], [paper.primary_category_id, row[-1]]
                )
            paper.card_authors, paper.card_categories = [], []
            papers[paper.pk] = paper
        cursor.execute(
            f"SELECT s.paper_id, a.id, a.name, a.name_key "  # noqa: S608
            f"FROM {Authorship._meta.db_table} s "
            f"JOIN {Author._meta.db_table} a ON a.id = s.author_id "
            f"WHERE s.paper_id IN ({marks}) AND s.position <= %s "
            f"ORDER BY s.paper_id, s.position",
            [*ids, AUTHORS_ON_CARDS],
        )
        for paper_id, *author in cursor.fetchall():
            papers[paper_id].card_authors.append(CardAuthor(*author))
        cursor.execute(
            f"SELECT l.paper_id, c.id, c.code FROM {Paper.categories.through._meta.db_table} l "  # noqa: S608
            f"JOIN {categories_table} c ON c.id = l.category_id "
            f"WHERE l.paper_id IN ({marks}) ORDER BY c.code",
            ids,
        )
        for paper_id, *category in cursor.fetchall():
            papers[paper_id].card_categories.append(CardCategory(*category))
    return papers


def authors_of(paper: Paper) -> Sequence[Author | CardAuthor]:
    """A paper's authors in order: those `cards_in_bulk` loaded (the first few), or else
    through its authorships (prefetched or not)."""
    loaded = getattr(paper, "card_authors", None)
    if loaded is not None:
        return loaded
    return [authorship.author for authorship in paper.authorships.all()]


def categories_of(paper: Paper) -> Sequence[Category | CardCategory]:
    """A paper's categories by code: those `cards_in_bulk` loaded, or else its relation."""
    loaded = getattr(paper, "card_categories", None)
    if loaded is not None:
        return loaded
    return list(paper.categories.all())


@cache
def _paper_columns(vendor: str) -> tuple[list[str], str]:
    """Paper's concrete fields' attribute names, and their columns for a SELECT."""
    fields = Paper._meta.concrete_fields
    columns = ", ".join(f"p.{connection.ops.quote_name(field.column)}" for field in fields)
    return [field.attname for field in fields], columns


@cache
def _paper_converters(vendor: str) -> list[tuple[int, list]]:
    """The converters the ORM would apply to Paper's raw values on this database (dates
    from text on SQLite, JSON), by column position, worked out once rather than per row."""
    converters = []
    for position, field in enumerate(Paper._meta.concrete_fields):
        column = Col("p", field)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((position, found))
    return converters


def changed_papers(since, *, strict: bool = False) -> QuerySet:
    """(id, modified) of the papers modified at or after `since` (after it, when
    `strict`), through the index on `modified` (the index update follows it)."""
    changed = Paper.objects.filter(**{"modified__gt" if strict else "modified__gte": since})
    return changed.order_by().values_list("pk", "modified")


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
    return papers_for_cards().filter(in_category(code)).order_by("-published_on", "-arxiv_id")


def in_category(code: str) -> Exists:
    """A filter: the paper is in the category, or in any category of the archive `code`."""
    inside = Paper.categories.through.objects.filter(paper_id=OuterRef("pk")).filter(
        Q(category__code=code) | Q(category__code__startswith=f"{code}.")
    )
    return Exists(inside)


IN_CHUNK = 500  # values per IN (...), well inside every backend's parameter limit


def in_chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """`values` in slices of IN_CHUNK, one statement's worth each."""
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def normalised_title(title: str) -> str:
    """A title as reference managers and arXiv may both spell it: case, accents,
    punctuation and spacing dropped."""
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    return " ".join(
        re.findall(r"[^\W_]+", "".join(c for c in decomposed if not unicodedata.combining(c)))
    )


def match_citations(works: list) -> list[tuple[int | None, str]]:
    """For each cited work (catalog.sources.citation_files.CitedWork): the paper it names
    and how it was found, by arXiv id, then DOI, then exact title (ignoring case and
    spacing); (None, "") when none matched. Three queries per 500 works."""
    by_id = _pks_by(Paper.objects.all(), "arxiv_id", {w.arxiv_id for w in works if w.arxiv_id})
    dois = {w.doi for w in works if w.doi}
    by_doi = _pks_by(Paper.objects.annotate(key=Lower("doi")), "key", dois)
    titles = {w.title.lower() for w in works if w.title}
    by_title = _pks_by(Paper.objects.annotate(key=Lower("title")), "key", titles)
    found = []
    for work in works:
        if work.arxiv_id in by_id:
            found.append((by_id[work.arxiv_id], "arXiv id"))
        elif work.doi in by_doi:
            found.append((by_doi[work.doi], "DOI"))
        elif work.title and work.title.lower() in by_title:
            found.append((by_title[work.title.lower()], "title"))
        else:
            found.append((None, ""))
    return found


def _pks_by(papers: QuerySet[Paper], key: str, values: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in in_chunks(sorted(values)):
        for value, pk in papers.filter(**{f"{key}__in": chunk}).values_list(key, "pk"):
            found.setdefault(value, pk)
    return found


def coauthors_of(author: Author, limit: int = 12) -> list[tuple[Author, int]]:
    """The author's most frequent co-authors, with the number of papers shared."""
    papers = Authorship.objects.filter(author=author).values("paper_id")
    rows = (
        Authorship.objects.filter(paper_id__in=papers)
        .exclude(author=author)
        .values("author_id")
        .annotate(shared=Count("paper_id"))
        .order_by("-shared", "author_id")[:limit]
    )
    shared = {row["author_id"]: row["shared"] for row in rows}
    found = Author.objects.in_bulk(list(shared))
    return [(found[pk], n) for pk, n in shared.items() if pk in found]


def categories_of_author(author: Author, limit: int = 8) -> list[tuple[str, int]]:
    """The primary categories of the author's papers, most frequent first, with counts."""
    rows = (
        Paper.objects.filter(authorships__author=author, primary_category__isnull=False)
        .values("primary_category__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "primary_category__code")[:limit]
    )
    return [(row["primary_category__code"], row["n"]) for row in rows]
