"""Reads of the catalogue for pages, the API and the CLI."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from catalog.models import Author, Authorship, ImportRun, Paper

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
