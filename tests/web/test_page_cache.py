import pytest

from tests.factories import DailyListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings):
    settings.PAPERBOY_PAGE_CACHE_SECONDS = 30


def test_anonymous_visitors_share_a_short_lived_rendering(client, page_cache):
    DailyListingFactory(paper__title="First")
    assert "First" in client.get("/").content.decode()
    DailyListingFactory(paper__title="Second")
    again = client.get("/")
    assert again["X-Page-Cache"] == "hit" and "Second" not in again.content.decode()


def test_members_always_get_fresh_pages(member_client, page_cache):
    DailyListingFactory(paper__title="First")
    member_client.get("/")
    DailyListingFactory(paper__title="Second")
    page = member_client.get("/")
    assert "X-Page-Cache" not in page and "Second" in page.content.decode()


def test_cached_anonymous_pages_carry_no_csrf_token(client, page_cache):
    DailyListingFactory()
    page = client.get("/").content.decode()
    assert "csrfmiddlewaretoken" not in page and "csrftoken" not in client.cookies
