"""Reads of the daily lists: periods, ranking, filters, counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Paper
from catalog.queries import AUTHORS_ON_CARDS, ordered_authorships
from community.models import Collection, Comment, DailyListing, Upvote
from community.periods import Period
from community.trending import TrendingParams, trending_score

SORTS = ("upvotes", "newest", "trending")


@dataclass(frozen=True, slots=True)
class ListFilters:
    sort: str = "upvotes"
    category: str = ""  # "cs.CL", or an archive such as "cs"
    has_code: bool = False


def _count_of(model, **conditions) -> Coalesce:
    rows = (
        model.objects.filter(paper_id=OuterRef("paper_id"), **conditions)
        .order_by()
        .values("paper_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def with_counts(listings: QuerySet[DailyListing]) -> QuerySet[DailyListing]:
    """Listings with `votes` (imported baseline + upvote rows), `member_comments` (visible
    comments and replies written here) and `comment_count` (those plus the source's count,
    for the Hugging Face-compatible API)."""
    return listings.annotate(
        member_votes=_count_of(Upvote),
        member_comments=_count_of(Comment, deleted=False, hidden=False),
    ).annotate(
        votes=F("imported_upvotes") + F("member_votes"),
        comment_count=F("imported_comments") + F("member_comments"),
    )


def _with_details(
    listings: QuerySet[DailyListing], *, all_authors: bool = False
) -> QuerySet[DailyListing]:
    # Cards show the first few authors; the API lists everyone.
    first = None if all_authors else AUTHORS_ON_CARDS
    return listings.select_related("paper__primary_category", "submitted_by").prefetch_related(
        ordered_authorships("paper__authorships", first=first)
    )


def in_category(code: str) -> Exists:
    """Papers filed under `code`, or under any category of the archive `code` names."""
    through = Paper.categories.through
    matching = through.objects.filter(paper_id=OuterRef("paper_id"))
    if "." in code:
        matching = matching.filter(category__code=code)
    else:
        matching = matching.filter(
            Q(category__code=code) | Q(category__code__startswith=f"{code}.")
        )
    return Exists(matching)


def listed_in(
    period: Period,
    filters: ListFilters = ListFilters(),
    *,
    offset: int = 0,
    limit: int = 50,
    include_hidden: bool = False,
    all_authors: bool = False,
) -> tuple[list[DailyListing], bool]:
    """One page of a period's listings, ranked; returns (listings, whether more follow)."""
    listings = DailyListing.objects.filter(listed_on__range=(period.start, period.end))
    if not include_hidden:
        listings = listings.filter(hidden=False)
    if filters.category:
        listings = listings.filter(in_category(filters.category))
    if filters.has_code:
        listings = listings.exclude(paper__code_url="")
    listings = with_counts(listings)
    if filters.sort == "trending":
        # Score every listing of the window from a few columns, then load details for the
        # page only: a week can hold hundreds of listings.
        rows = listings.values("pk", "listed_on", "votes", "paper__code_stars", "paper__arxiv_id")
        chosen = [row["pk"] for row in rank_trending(list(rows))][offset : offset + limit + 1]
        by_pk = {
            listing.pk: listing
            for listing in _with_details(
                with_counts(DailyListing.objects.filter(pk__in=chosen)), all_authors=all_authors
            )
        }
        page = [by_pk[pk] for pk in chosen]
    else:
        order = (
            ["-featured", "-paper__published_on", "-paper__arxiv_id"]
            if filters.sort == "newest"
            else ["-featured", "-votes", "paper__arxiv_id"]
        )
        page = list(
            _with_details(listings, all_authors=all_authors).order_by(*order)[
                offset : offset + limit + 1
            ]
        )
    return page[:limit], len(page) > limit


def rank_trending(rows: list[dict], now: dt.datetime | None = None) -> list[dict]:
    """Order listing rows (listed_on, votes, paper__code_stars, paper__arxiv_id) by the
    trending score (community/trending.py), measured at `now`."""
    params = TrendingParams(
        gravity=settings.PAPERBOY_TRENDING_GRAVITY,
        stars_weight=settings.PAPERBOY_TRENDING_STARS_WEIGHT,
    )
    now = now or trending_reference_time()

    def score(row: dict) -> float:
        listed = dt.datetime.combine(row["listed_on"], dt.time(), tzinfo=dt.UTC)
        age = (now - listed).total_seconds() / 3600
        return trending_score(row["votes"], row["paper__code_stars"], age, params)

    return sorted(rows, key=lambda row: (-score(row), row["paper__arxiv_id"]))


def trending_reference_time() -> dt.datetime:
    """Now, or the end of the latest listed day when nothing was listed recently (so an
    archive or a quiet instance still shows what was trending when it was last active)."""
    now = timezone.now()
    latest = latest_listing_day()
    if latest is None:
        return now
    end_of_latest = dt.datetime.combine(latest + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return min(now, end_of_latest)


def trending_period() -> Period:
    end = trending_reference_time().date()
    start = end - dt.timedelta(days=settings.PAPERBOY_TRENDING_WINDOW_DAYS - 1)
    return Period("trending", start, end)


def latest_listing_day(on_or_before: dt.date | None = None) -> dt.date | None:
    """The most recent day with listings, optionally not after a given day."""
    listings = DailyListing.objects.filter(hidden=False)
    if on_or_before:
        listings = listings.filter(listed_on__lte=on_or_before)
    return listings.order_by("-listed_on").values_list("listed_on", flat=True).first()


def neighbour_days(day: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The previous and next days that have listings."""
    days = DailyListing.objects.filter(hidden=False).values_list("listed_on", flat=True)
    previous = days.filter(listed_on__lt=day).order_by("-listed_on").first()
    following = days.filter(listed_on__gt=day).order_by("listed_on").first()
    return previous, following


def listings_of_paper(paper: Paper) -> QuerySet[DailyListing]:
    return DailyListing.objects.filter(paper=paper).select_related("submitted_by")


def comments_of_paper(paper: Paper) -> list[Comment]:
    """Top-level comments in order, each with its replies prefetched. Deleted replies are
    gone; a deleted comment stays as a tombstone only while replies hang from it."""
    replies = Comment.objects.filter(deleted=False).select_related("author").order_by("created")
    comments = (
        Comment.objects.filter(paper=paper, parent__isnull=True)
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created")
    )
    return [c for c in comments if not c.deleted or c.replies.all()]


def member_upvoted(user, paper_ids: list[int]) -> set[int]:
    """Which of these papers `user` has upvoted (one query)."""
    if not user.is_authenticated:
        return set()
    return set(
        Upvote.objects.filter(user=user, paper_id__in=paper_ids).values_list("paper_id", flat=True)
    )


UPVOTE_CHUNK = 500  # ids per statement, well inside every backend's parameter limit


def paper_upvote_counts(paper_ids: list[int]) -> dict[int, int]:
    """Upvote rows plus the imported baseline for each paper.

    Every search and list page asks this, so it is one plain SQL statement per 500 papers:
    built through the ORM, the two grouped queries took 1.5 ms to compile for 10 papers,
    against 0.05 ms to run (docs/decisions.md, 2026-11-26)."""
    upvotes, listings = Upvote._meta.db_table, DailyListing._meta.db_table
    counts: dict[int, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(paper_ids), UPVOTE_CHUNK):
            chunk = [int(pk) for pk in paper_ids[start : start + UPVOTE_CHUNK]]
            marks = ", ".join(["%s"] * len(chunk))
            # Only the models' table names and placeholders are formatted in.
            statement = (
                f"SELECT paper_id, COUNT(*) FROM {upvotes} WHERE paper_id IN ({marks}) "  # noqa: S608
                f"GROUP BY paper_id UNION ALL SELECT paper_id, MAX(imported_upvotes) "
                f"FROM {listings} WHERE paper_id IN ({marks}) GROUP BY paper_id"
            )
            cursor.execute(statement, [*chunk, *chunk])
            for paper_id, number in cursor.fetchall():
                counts[paper_id] = counts.get(paper_id, 0) + number
    return counts


def collections_of(owner, viewer=None):
    """A member's collections, newest change first: all of them for the owner, the public
    ones for anyone else."""
    found = Collection.objects.filter(owner=owner).annotate(papers=Count("items"))
    if viewer is None or viewer.pk != owner.pk:
        found = found.filter(public=True)
    return found


def visible_collection(username: str, slug: str, viewer=None):
    """A collection its owner can always see and others only when it is public; None
    otherwise (a private collection is as absent as a missing one)."""
    collection = (
        Collection.objects.select_related("owner")
        .filter(owner__username=username, slug=slug)
        .first()
    )
    if collection is None:
        return None
    if not collection.public and (viewer is None or viewer.pk != collection.owner_id):
        return None
    return collection


def collection_items(collection):
    """The collection's items in order, each with its paper's details (every author)."""
    return collection.items.select_related("paper", "paper__primary_category").prefetch_related(
        ordered_authorships("paper__authorships")
    )
