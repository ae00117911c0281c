import datetime as dt

import pytest

from community.periods import parse_month, parse_week
from community.trending import TrendingParams, trending_score
from tests.factories import DailyListingFactory, PaperFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 8, 21)


def titles(response):
    body = response.content.decode()
    return [line.split(">")[-1] for line in body.split("</a></h2>")[:-1]]


def test_week_and_month_pages_rank_the_periods_papers(anonymous_client):
    DailyListingFactory(listed_on=dt.date(2026, 8, 17), imported_upvotes=5, paper__title="Mon")
    DailyListingFactory(listed_on=dt.date(2026, 8, 20), imported_upvotes=50, paper__title="Thu")
    DailyListingFactory(listed_on=dt.date(2026, 8, 10), imported_upvotes=99, paper__title="Old")
    assert titles(anonymous_client.get("/papers/week/2026-W34")) == ["Thu", "Mon"]
    assert titles(anonymous_client.get("/papers/month/2026-08")) == ["Old", "Thu", "Mon"]


def test_impossible_periods_are_404(anonymous_client):
    assert anonymous_client.get("/papers/week/2026-W60").status_code == 404
    assert anonymous_client.get("/papers/month/2026-13").status_code == 404


def test_sorting_by_newest_and_filtering_by_category_and_code(anonymous_client):
    old = PaperFactory(title="Older with code", code_url="https://github.com/a/b")
    old.published_on = dt.date(2026, 8, 1)
    old.save()
    DailyListingFactory(paper=old, imported_upvotes=9)
    DailyListingFactory(paper__title="Newer without code", imported_upvotes=1)
    newest = anonymous_client.get("/papers/date/2026-08-21?sort=newest")
    assert titles(newest) == ["Newer without code", "Older with code"]
    assert titles(anonymous_client.get("/papers/date/2026-08-21?has_code=1")) == ["Older with code"]
    assert titles(anonymous_client.get("/papers/date/2026-08-21?cat=cs")) == []


def test_category_filter_matches_the_archive(anonymous_client):
    from catalog.models import Category

    listing = DailyListingFactory(paper__title="Language paper")
    listing.paper.categories.add(Category.objects.create(code="cs.CL"))
    assert titles(anonymous_client.get("/papers/date/2026-08-21?cat=cs")) == ["Language paper"]
    assert titles(anonymous_client.get("/papers/date/2026-08-21?cat=cs.CL")) == ["Language paper"]
    assert titles(anonymous_client.get("/papers/date/2026-08-21?cat=math")) == []


def test_featured_listings_come_first_and_hidden_ones_only_for_curators(
    anonymous_client, curator_client
):
    DailyListingFactory(imported_upvotes=100, paper__title="Popular")
    DailyListingFactory(imported_upvotes=1, featured=True, paper__title="Pinned")
    DailyListingFactory(imported_upvotes=50, hidden=True, paper__title="Spam")
    assert titles(anonymous_client.get("/papers/date/2026-08-21")) == ["Pinned", "Popular"]
    assert "Spam" in titles(curator_client.get("/papers/date/2026-08-21"))


def test_trending_decays_with_age_and_counts_stars():
    params = TrendingParams(gravity=1.5, stars_weight=2.0)
    fresh = trending_score(30, None, 2, params)
    stale = trending_score(100, None, 48, params)
    assert fresh > stale
    assert trending_score(10, 10_000, 5, params) > trending_score(10, 0, 5, params)
    assert trending_score(-5, -1, -3, params) == 0


def test_trending_page_prefers_recent_momentum(anonymous_client, frozen_now):
    DailyListingFactory(
        listed_on=DAY - dt.timedelta(days=6), imported_upvotes=60, paper__title="Old"
    )
    DailyListingFactory(listed_on=DAY, imported_upvotes=20, paper__title="Fresh")
    assert titles(anonymous_client.get("/papers/trending")) == ["Fresh", "Old"]


def test_periods_parse_and_shift():
    week = parse_week("2026-W01")
    assert (week.start, week.end) == (dt.date(2025, 12, 29), dt.date(2026, 1, 4))
    assert week.shifted(-1).slug == "2025-W52"
    month = parse_month("2026-12")
    assert month.shifted(1).slug == "2027-01" and month.end == dt.date(2026, 12, 31)
    with pytest.raises(ValueError):
        parse_month("2026-00")


@pytest.mark.parametrize(
    "url",
    [
        "/papers/date/2026-08-21",
        "/papers/week/2026-W34",
        "/papers/month/2026-08",
        "/papers/trending",
    ],
)
def test_list_pages_run_a_fixed_number_of_queries(
    url, anonymous_client, django_assert_max_num_queries, frozen_now
):
    for _ in range(3):
        DailyListingFactory()
    with django_assert_max_num_queries(12) as few:
        anonymous_client.get(url)
    for _ in range(25):
        DailyListingFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        anonymous_client.get(url)
