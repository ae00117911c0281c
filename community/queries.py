"""Reads of the daily lists: periods, ranking, filters, counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Category, Paper
from catalog.queries import AUTHORS_ON_CARDS, in_chunks, ordered_authorships
from community.models import Collection, CollectionItem, Comment, DailyListing, Upvote
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


CARD_ROW_FIELDS = (
    "pk",
    "paper_id",
    "arxiv_id",
    "version",  # the paper's `modified` time as text: changes with any edit of the paper
    "votes",
    "member_comments",
    "imported_comments",
    "featured",
    "hidden",
    "submitted_by_id",
)


def _listed_where(
    period: Period, filters: ListFilters, include_hidden: bool
) -> tuple[list[str], list]:
    """The WHERE conditions (on listing `l` and paper `p`) and parameters of a list page."""
    where, params = ["l.listed_on BETWEEN %s AND %s"], [period.start, period.end]
    if not include_hidden:
        where.append("NOT l.hidden")
    if filters.has_code:
        where.append("p.code_url <> ''")
    if filters.category:
        # A category ("cs.CL"), or every category of an archive ("cs").
        if "." in filters.category:
            match, params = "c.code = %s", [*params, filters.category]
        else:
            match = "(c.code = %s OR c.code LIKE %s)"
            params = [*params, filters.category, f"{filters.category}.%"]
        through, category = Paper.categories.through._meta.db_table, Category._meta.db_table
        # Only table names and fixed SQL are formatted in.
        exists = "EXISTS (SELECT 1 FROM {} pc JOIN {} c ON c.id = pc.category_id WHERE {})"
        where.append(exists.format(through, category, f"pc.paper_id = l.paper_id AND {match}"))
    return where, params


def listed_rows(
    period: Period,
    filters: ListFilters = ListFilters(),
    *,
    offset: int = 0,
    limit: int = 50,
    include_hidden: bool = False,
    voter_id: int | None = None,
) -> tuple[list[dict], bool]:
    """One page of a period's listings, ranked, as plain rows (CARD_ROW_FIELDS): everything
    that can change what a card shows, without the papers' text. Returns (rows, whether more
    follow). List pages render cards from these and load details only for cards they have not
    rendered before (web/cards.py). With `voter_id` (a member's id), each row's `upvoted`
    says whether that member upvoted the paper, in the same statement: a member's page
    then makes no query of its own for its votes.

    One plain SQL statement: every member's list page asks it, and built through the ORM
    (filters, two counting subqueries) it spent 3 ms of a week page's 8 ms compiling, against
    0.3 ms to run (docs/decisions.md, 2026-12-01). Counts agree with `with_counts`."""
    where, params = _listed_where(period, filters, include_hidden)
    listing, paper = DailyListing._meta.db_table, Paper._meta.db_table
    upvote, comment = Upvote._meta.db_table, Comment._meta.db_table
    trending = filters.sort == "trending"
    if trending:  # every listing of the window is scored in Python, then the page is kept
        order, window = "", ""
    else:
        order = (
            "l.featured DESC, p.published_on DESC, p.arxiv_id DESC"
            if filters.sort == "newest"
            else "l.featured DESC, votes DESC, p.arxiv_id ASC"
        )
        order, window = f"ORDER BY {order}", f"LIMIT {int(limit) + 1} OFFSET {int(offset)}"
    voted = (  # only the model's table name is formatted in; the member's id is a parameter
        f"EXISTS (SELECT 1 FROM {upvote} v WHERE v.user_id = %s AND v.paper_id = l.paper_id)"  # noqa: S608
        if voter_id is not None
        else "0"
    )
    # Only the models' table names, fixed SQL and integers are formatted in.
    statement = f"""
        SELECT l.id, l.paper_id, p.arxiv_id, CAST(p.modified AS TEXT),
            l.imported_upvotes + (SELECT COUNT(*) FROM {upvote} u WHERE u.paper_id = l.paper_id)
                AS votes,
            (SELECT COUNT(*) FROM {comment} m
                WHERE m.paper_id = l.paper_id AND NOT m.deleted AND NOT m.hidden),
            l.imported_comments, l.featured, l.hidden, l.submitted_by_id,
            l.listed_on, p.code_stars,
            {voted} AS upvoted
        FROM {listing} l JOIN {paper} p ON p.id = l.paper_id
        WHERE {" AND ".join(where)} {order} {window}"""  # noqa: S608
    if voter_id is not None:  # the placeholder comes first in the statement
        params = [int(voter_id), *params]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        found = cursor.fetchall()
    rows = [_card_row(values) for values in found]
    if trending:
        rows = rank_trending(rows, period.at)[offset : offset + limit + 1]
    return rows[:limit], len(rows) > limit


def _card_row(values: tuple) -> dict:
    row = dict(zip(CARD_ROW_FIELDS, values[:10], strict=True))
    row["featured"], row["hidden"] = bool(row["featured"]), bool(row["hidden"])
    listed_on = values[10]
    row["listed_on"] = dt.date.fromisoformat(listed_on) if isinstance(listed_on, str) else listed_on
    row["code_stars"] = values[11]
    row["upvoted"] = bool(values[12])
    return row


def listings_by_pk(pks: list[int], *, all_authors: bool = False) -> dict[int, DailyListing]:
    """Listings with their counts, paper, category, submitter and authors (the first few for
    a card, or all of them), by primary key."""
    listings = _with_details(
        with_counts(DailyListing.objects.filter(pk__in=pks)), all_authors=all_authors
    )
    return {listing.pk: listing for listing in listings}


def listed_in(
    period: Period,
    filters: ListFilters = ListFilters(),
    *,
    offset: int = 0,
    limit: int = 50,
    include_hidden: bool = False,
    all_authors: bool = False,
) -> tuple[list[DailyListing], bool]:
    """One page of a period's listings, ranked, with details; returns (listings, whether
    more follow)."""
    rows, more = listed_rows(
        period, filters, offset=offset, limit=limit, include_hidden=include_hidden
    )
    by_pk = listings_by_pk([row["pk"] for row in rows], all_authors=all_authors)
    return [by_pk[row["pk"]] for row in rows], more


def rank_trending(rows: list[dict], now: dt.datetime | None = None) -> list[dict]:
    """Order listing rows (listed_on, votes, code_stars, arxiv_id) by the
    trending score (community/trending.py), measured at `now`."""
    params = TrendingParams(
        gravity=settings.PAPERBOY_TRENDING_GRAVITY,
        stars_weight=settings.PAPERBOY_TRENDING_STARS_WEIGHT,
    )
    now = now or trending_reference_time()

    def score(row: dict) -> float:
        listed = dt.datetime.combine(row["listed_on"], dt.time(), tzinfo=dt.UTC)
        age = (now - listed).total_seconds() / 3600
        return trending_score(row["votes"], row["code_stars"], age, params)

    return sorted(rows, key=lambda row: (-score(row), row["arxiv_id"]))


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
    at = trending_reference_time()
    start = at.date() - dt.timedelta(days=settings.PAPERBOY_TRENDING_WINDOW_DAYS - 1)
    return Period("trending", start, at.date(), at)


def latest_listing_day(on_or_before: dt.date | None = None) -> dt.date | None:
    """The most recent day with listings, optionally not after a given day. Plain SQL:
    the home page, trending and feeds ask it on every request, and the ORM took longer
    to build the query than the database to answer it (0.30 ms against 0.05 ms)."""
    where, params = "NOT hidden", []
    if on_or_before:
        where, params = "NOT hidden AND listed_on <= %s", [on_or_before]
    with connection.cursor() as cursor:
        # Only the model's table name and fixed SQL are formatted in.
        cursor.execute(
            f"SELECT MAX(listed_on) FROM {DailyListing._meta.db_table} WHERE {where}",  # noqa: S608
            params,
        )
        (latest,) = cursor.fetchone()
    return dt.date.fromisoformat(latest) if isinstance(latest, str) else latest


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
    """Which of these papers `user` has upvoted: plain SQL, one statement per 500 papers,
    since every member's list page asks it (through the ORM it cost more to build than the
    rest of the page's queries to run)."""
    if not user.is_authenticated or not paper_ids:
        return set()
    found: set[int] = set()
    with connection.cursor() as cursor:
        for chunk in in_chunks([int(pk) for pk in paper_ids]):
            marks = ", ".join(["%s"] * len(chunk))
            # Only the model's table name and placeholders are formatted in.
            cursor.execute(
                f"SELECT paper_id FROM {Upvote._meta.db_table}"  # noqa: S608
                f" WHERE user_id = %s AND paper_id IN ({marks})",
                [user.pk, *chunk],
            )
            found.update(paper_id for (paper_id,) in cursor.fetchall())
    return found


def paper_upvote_counts(paper_ids: list[int]) -> dict[int, int]:
    """Upvote rows plus the imported baseline for each paper.

    Every search and list page asks this, so it is one plain SQL statement per 500 papers:
    built through the ORM, the two grouped queries took 1.5 ms to compile for 10 papers,
    against 0.05 ms to run (docs/decisions.md, 2026-11-26)."""
    upvotes, listings = Upvote._meta.db_table, DailyListing._meta.db_table
    counts: dict[int, int] = {}
    with connection.cursor() as cursor:
        for chunk in in_chunks([int(pk) for pk in paper_ids]):
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


def papers_liked_by(user_ids: set[int] | list[int]) -> dict[int, list[int]]:
    """Each member's upvoted and collected papers, oldest first (a paper once, at the last
    time they upvoted or collected it): what their "for you" suggestions are like."""
    events: dict[int, dict[int, dt.datetime]] = {}
    upvotes = Upvote.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id", "paper_id", "created"
    )
    collected = CollectionItem.objects.filter(collection__owner_id__in=list(user_ids)).values_list(
        "collection__owner_id", "paper_id", "added"
    )
    for user_id, paper_id, when in [*upvotes, *collected]:
        mine = events.setdefault(user_id, {})
        if paper_id not in mine or mine[paper_id] < when:
            mine[paper_id] = when
    return {
        user_id: sorted(papers, key=lambda pk: (papers[pk], pk))
        for user_id, papers in events.items()
    }


def recently_listed(days: int) -> list[int]:
    """Papers listed (and not hidden) in the `days` days up to the latest listed day."""
    latest = latest_listing_day()
    if latest is None:
        return []
    since = latest - dt.timedelta(days=days - 1)
    listed = DailyListing.objects.filter(listed_on__range=(since, latest), hidden=False)
    return list(
        dict.fromkeys(listed.order_by("-listed_on", "paper_id").values_list("paper_id", flat=True))
    )
