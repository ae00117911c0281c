"""RSS 2.0 and Atom feeds of the lists: daily, weekly top, trending, and per category."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from catalog.queries import authors_of
from catalog.taxonomy import ARCHIVES, category_name, is_category
from community.models import DailyListing
from community.periods import Period, day_period, week_period_of
from community.queries import (
    ListFilters,
    collection_items,
    latest_listing_day,
    listed_in,
    trending_period,
    visible_collection,
)
from search.lexical import IndexUnavailable
from search.queries import search_papers
from search.query import QueryError, parse_query

ITEMS = 50
# Characters XML 1.0 cannot carry (C0 controls but tab, newline and return; surrogates;
# U+FFFE/U+FFFF). A stored title with one of them must not break a whole feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    return _NOT_XML.sub("", value) if isinstance(value, str) else value


class _XmlSafe:
    """A feed writer that drops characters XML cannot hold instead of failing."""

    def __init__(self, title, link, description, **kwargs) -> None:
        kwargs = {k: xml_safe(v) for k, v in kwargs.items()}
        super().__init__(xml_safe(title), link, xml_safe(description), **kwargs)

    def add_item(self, title, link, description, **kwargs) -> None:
        kwargs = {k: xml_safe(v) for k, v in kwargs.items()}
        kwargs["categories"] = [xml_safe(c) for c in kwargs.get("categories") or ()]
        super().add_item(xml_safe(title), link, xml_safe(description), **kwargs)


class SafeRssFeed(_XmlSafe, Rss201rev2Feed):
    pass


class SafeAtomFeed(_XmlSafe, Atom1Feed):
    pass


class _ListingFeed(Feed):
    feed_type = SafeRssFeed

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

    feed_type = SafeRssFeed

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """A missing or malformed query is the client's error: 400 with the reason."""
        problem = query_problem(request.GET.get("q", ""))
        if problem:
            return HttpResponseBadRequest(problem + "\n", content_type="text/plain; charset=utf-8")
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request: HttpRequest) -> str:
        return " ".join(request.GET.get("q", "").split())

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
        authors = ", ".join(author.name for author in authors_of(paper)[:8])
        return f"{authors}\n\n{paper.abstract}"

    def item_link(self, paper) -> str:
        return paper.get_absolute_url()

    def item_pubdate(self, paper) -> dt.datetime | None:
        day = paper.published_on
        return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day else None


def query_problem(raw: str) -> str:
    """Why a feed's search query cannot be used, or "" when it can."""
    text = " ".join(raw.split())
    if not text:
        return "Give the search as ?q=, for example ?q=diffusion+cat:cs.CV"
    if _NOT_XML.search(text) or any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in text):
        return "The query contains control characters."
    try:
        parse_query(text)
    except QueryError as error:
        return str(error)
    return ""


def atom(feed_class: type[Feed]) -> type[Feed]:
    """The same feed as Atom 1.0."""
    return type(
        f"{feed_class.__name__}Atom",
        (feed_class,),
        {"feed_type": SafeAtomFeed, "subtitle": feed_class.description},
    )


class CollectionFeed(Feed):
    """A public collection's papers, the latest added first (a private one is a 404)."""

    feed_type = SafeRssFeed

    def get_object(self, request: HttpRequest, username: str, slug: str):
        collection = visible_collection(username, slug)  # feeds are anonymous: public only
        if collection is None:
            raise Http404("No such collection")
        return collection

    def title(self, collection) -> str:
        return f"{collection.name} · {collection.owner.username} · Paperboy"

    def description(self, collection) -> str:
        return collection.description or f"Papers collected by {collection.owner.username}."

    def link(self, collection) -> str:
        return collection.get_absolute_url()

    def items(self, collection) -> list:
        return sorted(collection_items(collection), key=lambda item: item.added, reverse=True)[:50]

    def item_title(self, item) -> str:
        return item.paper.title

    def item_description(self, item) -> str:
        authors = ", ".join(a.author.name for a in item.paper.authorships.all()[:8])
        note = f"{item.note}\n\n" if item.note else ""
        return f"{note}{authors}\n\n{item.paper.abstract}"

    def item_link(self, item) -> str:
        return item.paper.get_absolute_url()

    def item_guid(self, item) -> str:
        return f"collection-{item.collection_id}-{item.paper.arxiv_id}"

    def item_pubdate(self, item) -> dt.datetime:
        return item.added
