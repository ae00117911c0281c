"""The daily, weekly, monthly and trending lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from catalog.queries import latest_papers, papers_for_cards
from community.periods import Period, day_period, parse_month, parse_week, week_period_of
from community.permissions import is_curator
from community.queries import (
    SORTS,
    ListFilters,
    latest_listing_day,
    listed_rows,
    neighbour_days,
    papers_liked_by,
    recently_listed,
    trending_period,
)
from search.topics import PROFILE_SIZE, like_these
from web.cards import listing_cards

PAGE_SIZE = 50


def _filters(request: HttpRequest, default_sort: str = "upvotes") -> ListFilters:
    sort = request.GET.get("sort", default_sort)
    category = request.GET.get("cat", "").strip()[:40]
    return ListFilters(
        sort=sort if sort in SORTS else default_sort,
        category=category if category.replace(".", "").replace("-", "").isalnum() else "",
        has_code=request.GET.get("has_code") in ("1", "on", "true"),
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 1000))
    except ValueError:
        return 1


def _render_list(
    request: HttpRequest,
    period: Period,
    *,
    title: str,
    previous: str | None,
    following: str | None,
    default_sort: str = "upvotes",
) -> HttpResponse:
    filters = _filters(request, default_sort)
    page = _page_number(request)
    rows, more = listed_rows(
        period,
        filters,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
        include_hidden=is_curator(request.user),
        voter_id=request.user.pk if request.user.is_authenticated else None,
    )
    upvoted = {row["paper_id"] for row in rows if row["upvoted"]}
    rank_offset = (page - 1) * PAGE_SIZE
    return render(
        request,
        "web/list.html",
        {
            "title": title,
            "period": period,
            "cards": listing_cards(request, rows, rank_offset=rank_offset, upvoted=upvoted),
            "filters": filters,
            "sorts": SORTS,
            "page": page,
            "more": more,
            "previous_url": previous,
            "next_url": following,
        },
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The latest day with listings; the newest catalogue papers when nothing is listed."""
    day = latest_listing_day()
    if day is None:
        return render(request, "web/latest.html", {"papers": latest_papers()})
    return day_list(request, day)


@require_GET
def day_list(request: HttpRequest, day: dt.date) -> HttpResponse:
    previous, following = neighbour_days(day)
    return _render_list(
        request,
        day_period(day),
        title=f"Daily papers · {day:%A %-d %B %Y}",
        previous=reverse("web:day", args=[previous]) if previous else None,
        following=reverse("web:day", args=[following]) if following else None,
    )


def _period_list(
    request: HttpRequest, slug: str, parse: Callable[[str], Period], route: str, title: str
) -> HttpResponse:
    """A week or month page, with links to the periods before and after."""
    try:
        period = parse(slug)
    except ValueError:
        raise Http404("No such period") from None
    year, week, _ = period.start.isocalendar()
    return _render_list(
        request,
        period,
        title=title.format(start=period.start, week=week, year=year),
        previous=reverse(route, args=[period.shifted(-1).slug]),
        following=reverse(route, args=[period.shifted(1).slug]),
    )


@require_GET
def week_list(request: HttpRequest, week: str) -> HttpResponse:
    return _period_list(request, week, parse_week, "web:week", "Top papers of week {week}, {year}")


@require_GET
def month_list(request: HttpRequest, month: str) -> HttpResponse:
    return _period_list(request, month, parse_month, "web:month", "Top papers of {start:%B %Y}")


@require_GET
def trending_list(request: HttpRequest) -> HttpResponse:
    return _render_list(
        request,
        trending_period(),
        title="Trending papers",
        previous=None,
        following=None,
        default_sort="trending",
    )


@require_GET
def latest(request: HttpRequest) -> HttpResponse:
    return render(request, "web/latest.html", {"papers": latest_papers()})


@require_GET
def about(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/about.html",
        {
            "gravity": settings.PAPERBOY_TRENDING_GRAVITY,
            "stars_weight": settings.PAPERBOY_TRENDING_STARS_WEIGHT,
            "window": settings.PAPERBOY_TRENDING_WINDOW_DAYS,
            "max_age": settings.PAPERBOY_SUBMISSION_MAX_AGE_DAYS,
            "per_day": settings.PAPERBOY_SUBMISSIONS_PER_DAY,
        },
    )


@require_GET
def current_period(request: HttpRequest, kind: str) -> HttpResponse:
    """The week or month of the latest listed day (or today's, before any listing)."""
    day = latest_listing_day() or timezone.localdate()
    if kind == "week":
        return redirect("web:week", week=week_period_of(day).slug)
    return redirect("web:month", month=f"{day:%Y-%m}")


FOR_YOU_DAYS = 30  # suggestions come from the papers listed in the last month
FOR_YOU_SHOWN = 30


@login_required
@require_GET
def for_you(request: HttpRequest) -> HttpResponse:
    """`/for-you`: the last month's listed papers most like the member's upvoted and
    collected ones (the ranking their "for you" digest uses), without those themselves."""
    liked = papers_liked_by([request.user.pk])
    ranked = like_these(liked, recently_listed(FOR_YOU_DAYS)).get(request.user.pk, [])
    papers = papers_for_cards().in_bulk(ranked[:FOR_YOU_SHOWN])
    return render(
        request,
        "web/for_you.html",
        {
            "papers": [papers[pk] for pk in ranked[:FOR_YOU_SHOWN] if pk in papers],
            "seeds": min(len(liked.get(request.user.pk, [])), PROFILE_SIZE),
            "days": FOR_YOU_DAYS,
        },
    )
