"""RSS 2.0 and Atom feeds of the lists: daily, weekly top, trending, and per category."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from catalog.taxonomy import ARCHIVES, category_name, is_category
from community.models import DailyListing
from community.periods import Period, day_period, week_period_of
from community.queries import ListFilters, latest_listing_day, listed_in, trending_period
from search.lexical import IndexUnavailable
from search.queries import search_papers
from search.query import QueryError, parse_query

ITEMS = 50


class _ListingFeed(Feed):
    feed_type = Rss201rev2Feed

    def item_title(self, item: DailyListing) -> str:
        return item.paper.title

    def item_description(self, item: DailyListing) -> str:
        authors = ", ".join(a.author.name for a in item.paper.authorships.all()[:10])
        return f"{authors}\n\n{item.paper.abstract}\n\n▲ {item.votes} upvotes"

    def item_link(self, item: DailyListing) -> str:
        return reverse("web:paper", args=[item.paper.arxiv_id])

    def item_guid(self, item: DailyListing) -> str:
        return f"{settings.BASE_URL}/papers/{item.paper.arxiv_id}#listed-{item.listed_on}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: DailyListing) -> dt.datetime:
        return item.submitted_at or dt.datetime.combine(item.listed_on, dt.time(), tzinfo=dt.UTC)

    def item_author_name(self, item: DailyListing) -> str:
        first = item.paper.authorships.all()[:1]
        return first[0].author.name if first else ""

    def item_categories(self, item: DailyListing) -> list[str]:
        category = item.paper.primary_category
        return [category.code] if category else []

    def _ranked(self, period: Period, filters: ListFilters | None = None) -> list:
        return listed_in(period, filters or ListFilters(), limit=ITEMS)[0]


class DailyFeed(_ListingFeed):
    title = "Paperboy · daily papers"
    description = "The papers listed on the latest day, most upvoted first."

    def link(self) -> str:
        return reverse("web:home")

    def items(self) -> list:
        day = latest_listing_day()
        return self._ranked(day_period(day)) if day else []


class WeeklyFeed(_ListingFeed):
    title = "Paperboy · top papers of the week"
    description = "The most upvoted papers of the latest week with listings."

    def link(self) -> str:
        return reverse("web:home")

    def items(self) -> list:
        day = latest_listing_day()
        return self._ranked(week_period_of(day)) if day else []


class TrendingFeed(_ListingFeed):
    title = "Paperboy · trending papers"
    description = "Papers ranked by upvotes with time decay and GitHub stars (see About)."

    def link(self) -> str:
        return reverse("web:trending")

    def items(self) -> list:
        return self._ranked(trending_period(), ListFilters(sort="trending"))


class CategoryFeed(_ListingFeed):
    """Listed papers of one category (cs.CL) or archive (cs), newest days first."""

    def get_object(self, request: HttpRequest, code: str) -> str:
        if not (is_category(code) or code in ARCHIVES):
            raise Http404("No such category")
        return code

    def title(self, code: str) -> str:
        return f"Paperboy · {code} ({category_name(code)})"

    def description(self, code: str) -> str:
        return f"Papers in {code} listed in the last 30 days, newest first."

    def link(self, code: str) -> str:
        return reverse("web:home") + f"?cat={code}"

    def items(self, code: str) -> list:
        day = latest_listing_day()
        if day is None:
            return []
        period = Period("range", day - dt.timedelta(days=29), day)
        return self._ranked(period, ListFilters(sort="newest", category=code))


class SearchFeed(Feed):
    """The newest papers matching a search query (every word must match)."""

    feed_type = Rss201rev2Feed

    def get_object(self, request: HttpRequest) -> str:
        text = " ".join(request.GET.get("q", "").split())
        if not text:
            raise Http404("Give the search as ?q=")
        try:
            parse_query(text)
        except QueryError as error:
            raise Http404(str(error)) from None
        return text

    def title(self, text: str) -> str:
        return f"Paperboy · new papers matching “{text}”"

    def description(self, text: str) -> str:
        return f"The newest papers matching: {text}"

    def link(self, text: str) -> str:
        return reverse("web:search") + "?" + urlencode({"q": text})

    def items(self, text: str) -> list:
        query = text if "sort:" in text else f"{text} sort:newest"
        try:
            return [result.paper for result in search_papers(query, limit=ITEMS).results]
        except IndexUnavailable:
            return []

    def item_title(self, paper) -> str:
        return paper.title

    def item_description(self, paper) -> str:
        authors = ", ".join(a.author.name for a in paper.authorships.all()[:8])
        return f"{authors}\n\n{paper.abstract}"

    def item_link(self, paper) -> str:
        return paper.get_absolute_url()

    def item_pubdate(self, paper) -> dt.datetime | None:
        day = paper.published_on
        return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day else None


def atom(feed_class: type[Feed]) -> type[Feed]:
    """The same feed as Atom 1.0."""
    return type(
        f"{feed_class.__name__}Atom",
        (feed_class,),
        {"feed_type": Atom1Feed, "subtitle": feed_class.description},
    )
