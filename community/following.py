"""Reads of what members follow: their follows, and the papers those bring.

A follow brings the papers of an author, of a category (or a whole archive), or those a
saved search matches among recent papers (ranked as digest topics are: search.topics)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max

from catalog.models import Authorship, Paper
from catalog.queries import in_category, in_chunks
from community.models import Follow
from search.lexical import IndexUnavailable
from search.topics import rank_topics

RECENT_DAYS = 60  # saved searches look at papers published this long before the newest
RECENT_LIMIT = 5000


def follows_of(user) -> list[Follow]:
    """The member's follows, authors first, each in the order they were made."""
    return list(Follow.objects.filter(user=user).select_related("author"))


FOLLOWED_FIELD = {"author": "author_id", "category": "category", "search": "query"}


def is_following(user, kind: str, value: object) -> bool:
    """Whether the member (or visitor: never) follows this author number, category code or
    query, to draw "Follow" or "Following" on a page."""
    field = FOLLOWED_FIELD.get(kind)
    if not user.is_authenticated or field is None:
        return False
    return Follow.objects.filter(user=user, kind=kind, **{field: str(value)}).exists()


def recent_paper_ids() -> list[int]:
    """The newest papers (up to RECENT_LIMIT, within RECENT_DAYS of the newest), newest
    first: where saved searches look for new matches."""
    newest = Paper.objects.aggregate(day=Max("published_on"))["day"]
    if newest is None:
        return []
    since = newest - dt.timedelta(days=RECENT_DAYS)
    recent = Paper.objects.filter(published_on__gte=since).order_by("-published_on", "-pk")
    return list(recent.values_list("pk", flat=True)[:RECENT_LIMIT])


def _reason(follow: Follow) -> str:
    if follow.kind == Follow.Kind.AUTHOR:
        return f"by {follow.author.name}"
    if follow.kind == Follow.Kind.CATEGORY:
        return f"in {follow.category}"
    return f"matches “{follow.query}”"


def followed_papers(follows: list[Follow], *, limit: int = 50) -> list[tuple[int, str]]:
    """The newest papers the follows bring, newest first, as (paper id, why), each paper
    once (with the first reason found)."""
    found: dict[int, str] = {}
    for follow in follows:
        if follow.kind == Follow.Kind.AUTHOR:
            ids = (
                Authorship.objects.filter(author_id=follow.author_id)
                .order_by("-paper__published_on", "-paper_id")
                .values_list("paper_id", flat=True)[:limit]
            )
        elif follow.kind == Follow.Kind.CATEGORY:
            ids = (
                Paper.objects.filter(in_category(follow.category))
                .order_by("-published_on", "-pk")
                .values_list("pk", flat=True)[:limit]
            )
        else:
            continue
        for pk in ids:
            found.setdefault(pk, _reason(follow))
    searches = [f for f in follows if f.kind == Follow.Kind.SEARCH]
    if searches:
        try:
            matches = rank_topics([f.query for f in searches], recent_paper_ids())
        except IndexUnavailable:  # before the first index build: authors and categories only
            matches = {}
        for follow in searches:
            for pk in matches.get(follow.query, [])[:limit]:
                found.setdefault(pk, _reason(follow))
    return _newest_first(found, limit)


def _newest_first(found: dict[int, str], limit: int) -> list[tuple[int, str]]:
    dates: dict[int, dt.date | None] = {}
    for chunk in in_chunks(list(found)):
        dates.update(Paper.objects.filter(pk__in=chunk).values_list("pk", "published_on"))
    order = sorted(dates, key=lambda pk: (dates[pk] or dt.date.min, pk), reverse=True)
    return [(pk, found[pk]) for pk in order[:limit]]


def followed_among(user_ids: set[int], candidates: list[int]) -> dict[int, list[int]]:
    """For each member, the candidates their follows bring, in the candidates' order (what a
    digest's "from what you follow" part holds)."""
    follows = list(Follow.objects.filter(user_id__in=list(user_ids)))
    if not follows or not candidates:
        return {}
    by_author = _authored_among({f.author_id for f in follows if f.author_id}, candidates)
    categories = {f.category for f in follows if f.kind == Follow.Kind.CATEGORY}
    by_category = {code: _in_category_among(code, candidates) for code in categories}
    queries = sorted({f.query for f in follows if f.kind == Follow.Kind.SEARCH})
    by_query = {q: set(ids) for q, ids in rank_topics(queries, candidates).items()}
    hits: dict[int, set[int]] = {}
    for follow in follows:
        if follow.kind == Follow.Kind.AUTHOR:
            brought = by_author.get(follow.author_id, set())
        elif follow.kind == Follow.Kind.CATEGORY:
            brought = by_category[follow.category]
        else:
            brought = by_query.get(follow.query, set())
        hits.setdefault(follow.user_id, set()).update(brought)
    return {user: [pk for pk in candidates if pk in ids] for user, ids in hits.items() if ids}


def _authored_among(author_ids: set[int], candidates: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    if not author_ids:
        return found
    for chunk in in_chunks(candidates):
        rows = Authorship.objects.filter(author_id__in=author_ids, paper_id__in=chunk)
        for author_id, paper_id in rows.values_list("author_id", "paper_id"):
            found.setdefault(author_id, set()).add(paper_id)
    return found


def _in_category_among(code: str, candidates: list[int]) -> set[int]:
    found: set[int] = set()
    for chunk in in_chunks(candidates):
        rows = Paper.objects.filter(in_category(code), pk__in=chunk).values_list("pk", flat=True)
        found.update(rows)
    return found
