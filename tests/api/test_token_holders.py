"""Token holders get the API's public reads as fast as visitors: from the shared rendering."""

import pytest

from community.services.tokens import create_token
from paperboy.page_cache import PUBLIC_API_PREFIXES
from tests.factories import DailyListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings):
    settings.PAPERBOY_PAGE_CACHE_SECONDS = 30


@pytest.fixture
def verified_member(member):
    from django.utils import timezone

    member.email_verified_at = timezone.now()
    member.save()
    return member


def test_no_public_read_needs_a_token():
    """What a token holder is served from the visitors' rendering must be the same for all."""
    from api.main import api

    schema = api.get_openapi_schema()
    public = [path for path in schema["paths"] if path.startswith(PUBLIC_API_PREFIXES)]
    assert public
    for path in public:
        read = schema["paths"][path].get("get")
        assert read is None or "security" not in read, path


def test_a_token_holder_shares_the_visitors_rendering(client, verified_member, page_cache):
    DailyListingFactory(paper__title="First")
    _, raw = create_token(verified_member, "reader")
    first = client.get("/api/daily_papers?date=2026-08-21")
    DailyListingFactory(paper__title="Second")
    again = client.get("/api/daily_papers?date=2026-08-21", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert again["X-Page-Cache"] == "hit"
    assert again.content == first.content


def test_token_holders_are_still_counted_by_account(client, verified_member, page_cache, settings):
    settings.PAPERBOY_RATE_API = 2
    _, raw = create_token(verified_member, "reader")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for _ in range(2):
        assert client.get("/api/daily_papers", **auth).status_code == 200
    assert client.get("/api/daily_papers", **auth).status_code == 429


def test_a_cached_answer_keeps_its_link_to_the_next_page(client, page_cache):
    for _ in range(3):
        DailyListingFactory()
    url = "/api/daily_papers?date=2026-08-21&limit=2"
    fresh, cached = client.get(url), client.get(url)
    assert cached["X-Page-Cache"] == "hit"
    assert cached["Link"] == fresh["Link"] and 'rel="next"' in cached["Link"]
    assert cached["Content-Type"] == fresh["Content-Type"]


def test_a_cached_citation_is_still_a_download(client, page_cache):
    paper = DailyListingFactory().paper
    url = f"/papers/{paper.arxiv_id}.bib"
    fresh, cached = client.get(url), client.get(url)
    assert cached["X-Page-Cache"] == "hit"
    assert cached.get("Content-Disposition") == fresh.get("Content-Disposition")
    assert cached.content == fresh.content
