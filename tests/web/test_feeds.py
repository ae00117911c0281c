import datetime as dt

import feedparser
import pytest

from catalog.models import Category
from tests.factories import DailyListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed():
    first = DailyListingFactory(imported_upvotes=10, paper__title="Alpha & <Beta>")
    first.paper.categories.add(Category.objects.create(code="cs.CL"))
    DailyListingFactory(imported_upvotes=3, listed_on=dt.date(2026, 8, 20))
    return first


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/daily.rss",
        "/feeds/daily.atom",
        "/feeds/weekly.rss",
        "/feeds/weekly.atom",
        "/feeds/trending.rss",
        "/feeds/trending.atom",
        "/feeds/category/cs.CL.rss",
        "/feeds/category/cs.atom",
    ],
)
def test_feeds_are_valid_and_list_papers(anonymous_client, listed, url, frozen_now):
    response = anonymous_client.get(url)
    parsed = feedparser.parse(response.content)
    assert response.status_code == 200
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version in ("rss20", "atom10")
    assert parsed.entries and parsed.entries[0].title == "Alpha & <Beta>"
    assert parsed.entries[0].link.endswith(f"/papers/{listed.paper.arxiv_id}")


def test_unknown_category_feeds_are_404(anonymous_client):
    assert anonymous_client.get("/feeds/category/nonsense.rss").status_code == 404


def test_search_feeds_list_the_newest_papers_with_every_word(anonymous_client, listed):
    from search.services.indexing import update_index

    update_index(rebuild=True)
    for url in ("/feeds/search.rss?q=alpha+beta", "/feeds/search.atom?q=ALPHA"):
        parsed = feedparser.parse(anonymous_client.get(url).content)
        assert not parsed.bozo and [e.title for e in parsed.entries] == ["Alpha & <Beta>"]
    none = feedparser.parse(anonymous_client.get("/feeds/search.rss?q=alpha+gamma").content)
    assert none.entries == []
    assert anonymous_client.get("/feeds/search.rss").status_code == 400
    assert anonymous_client.get("/feeds/search.rss?q=cat:nonsense").status_code == 400
