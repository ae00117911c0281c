import datetime as dt

import pytest

from tests.factories import DailyListingFactory, PaperFactory

pytestmark = pytest.mark.django_db


def test_home_shows_the_latest_day_most_upvoted_first(anonymous_client):
    DailyListingFactory(listed_on=dt.date(2026, 8, 20), paper__title="Yesterday's paper")
    low = DailyListingFactory(imported_upvotes=3, paper__title="Quiet paper")
    high = DailyListingFactory(imported_upvotes=90, paper__title="Loud paper")

    page = anonymous_client.get("/")

    body = page.content.decode()
    assert page.status_code == 200
    assert body.index(high.paper.title) < body.index(low.paper.title)
    assert "Yesterday&#x27;s paper" not in body
    assert 'rel="prev" href="/papers/date/2026-08-20"' in body


def test_home_falls_back_to_the_newest_papers_without_listings(anonymous_client):
    PaperFactory(title="Only in the catalogue")
    assert "Only in the catalogue" in anonymous_client.get("/").content.decode()


def test_the_day_page_needs_the_same_queries_for_many_papers(
    anonymous_client, django_assert_max_num_queries
):
    for _ in range(3):
        DailyListingFactory()
    with django_assert_max_num_queries(8) as few:
        anonymous_client.get("/papers/date/2026-08-21")
    for _ in range(20):
        DailyListingFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        anonymous_client.get("/papers/date/2026-08-21")


def test_paper_page_shows_metadata_and_escapes_hostile_text(anonymous_client):
    paper = PaperFactory(
        arxiv_id="2401.01234",
        title="<script>alert(1)</script> Attention",
        code_url="https://github.com/a/b",
    )
    body = anonymous_client.get(f"/papers/{paper.arxiv_id}").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Attention" in body
    assert "<script>alert(1)" not in body
    assert "https://arxiv.org/abs/2401.01234" in body and "https://github.com/a/b" in body


def test_old_style_ids_have_paper_pages(anonymous_client):
    PaperFactory(arxiv_id="hep-th/9901001", title="Old but gold")
    assert "Old but gold" in anonymous_client.get("/papers/hep-th/9901001").content.decode()


def test_unknown_papers_and_impossible_dates_are_404(anonymous_client):
    assert anonymous_client.get("/papers/2401.99999").status_code == 404
    assert anonymous_client.get("/papers/date/2026-02-30").status_code == 404


def test_health_check_answers(anonymous_client):
    assert anonymous_client.get("/healthz").json()["status"] == "ok"
