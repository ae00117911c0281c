"""Each request found by probing the running site answered 500; each now gets a clear 4xx,
and everything under /api/ answers JSON."""

import json

import pytest

from community.models import ApiToken, Comment
from community.services.tokens import create_token
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/papers/date/0001-01-01", 404),
        ("/papers/date/9999-12-31", 404),
        ("/papers/week/9999-W52", 404),
        ("/papers/month/9999-12", 404),
        ("/papers/week/0001-W01", 404),
        ("/feeds/search.rss?q=a%00b", 400),
        ("/feeds/search.atom?q=a%01b", 400),
        ("/feeds/search.rss?q=%1b%5b31m", 400),
        ("/feeds/search.rss", 400),
        ("/feeds/search.rss?q=%22", 400),
    ],
)
def test_probed_pages_answer_a_clear_4xx(client, url, status):
    response = client.get(url)
    assert response.status_code == status


def test_a_bad_feed_query_says_what_is_wrong(client):
    response = client.get("/feeds/search.rss?q=a%07b")
    assert response.content.decode() == "The query contains control characters.\n"


@pytest.mark.parametrize(
    "url",
    [
        "/api/daily_papers?week=9999-W52",
        "/api/daily_papers?month=9999-12",
        "/api/daily_papers?date=9999-12-31",
        "/api/daily_papers?date=0001-01-01",
    ],
)
def test_api_far_periods_are_json_400s(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "outside the years" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/api/nothing/here", 404),
        ("put", "/api/daily_papers", 405),
        ("delete", "/api/v1/search", 405),
        ("get", "/api/papers/9999.99999", 404),
    ],
)
def test_every_api_error_is_json(client, method, url, status):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_revoking_a_token_with_a_non_numeric_id_is_400(member_client):
    assert member_client.post("/accounts/tokens", {"revoke": "abc"}).status_code == 400
    assert member_client.post("/accounts/tokens", {"revoke": "9" * 40}).status_code == 400


def test_revoking_someone_elses_token_says_nothing_was_revoked(member_client):
    owner = UserFactory(username="owner")
    token, _ = create_token(owner, "theirs")
    response = member_client.post("/accounts/tokens", {"revoke": token.pk}, follow=True)
    assert "nothing was revoked" in response.content.decode()
    assert "Token revoked." not in response.content.decode()
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_a_new_token_is_shown_in_the_body_and_never_in_a_cookie(member_client):
    response = member_client.post("/accounts/tokens", {"name": "laptop"})
    assert response.status_code == 201 and response["Cache-Control"] == "no-store"
    raw = response.context["new_token"]
    assert raw.startswith("pb_") and raw in response.content.decode()
    assert all(raw not in morsel.value for morsel in response.cookies.values())
    assert "messages" not in response.cookies


def test_a_reply_to_a_non_numeric_parent_is_400(member_client):
    paper = PaperFactory()
    response = member_client.post(
        f"/papers/{paper.arxiv_id}/comments", {"body": "hi", "parent": "abc"}
    )
    assert response.status_code == 400 and not Comment.objects.exists()


def test_versioned_ids_resolve_to_the_paper(client):
    PaperFactory(arxiv_id="2608.18580")
    response = client.get("/papers/2608.18580v2")
    assert response.status_code == 301 and response["Location"] == "/papers/2608.18580"
    assert client.get("/papers/2608.99999v1").status_code == 404


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/api/papers/%00/comments", None),
        ("get", "/members/a%00b", None),
        ("get", "/api/daily_papers?submitter=a%00b", None),
        ("get", "/search?q=a%00b", None),
        ("post", "/api/v1/subscriptions", '{"email": "a\\u0000@example.org"}'),
    ],
)
def test_nul_characters_are_refused_before_any_query(client, method, url, data):
    """PostgreSQL cannot compare a NUL: it used to be a DataError (500) there."""
    if data is None:
        response = getattr(client, method)(url)
    else:
        response = client.post(url, data, content_type="application/json")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


LONE = "x\ud800y"  # json.dumps writes it as the escape "\ud800"


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/papers/2608.18580/comments", {"body": LONE}),  # this one answered 500
        ("/api/daily_papers", {"paper": "2608.18580", "comment": LONE}),
        ("/api/v1/subscriptions", {"email": "a@example.org", "topics": [LONE]}),
        ("/api/v1/collections", {"name": "Reading", "description": LONE}),
        ("/api/v1/following", {"kind": "search", "value": LONE}),
        ("/api/v1/collections", {LONE: "a key can hold one too"}),
    ],
)
def test_a_lone_surrogate_in_json_is_refused_with_a_clear_400(client, member, url, body):
    """No UTF-8 can hold a lone surrogate: storing, rendering or embedding one raised."""
    PaperFactory(arxiv_id="2608.18580")
    _, raw = create_token(member, "writer")
    response = client.post(
        url, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 400
    assert "lone surrogate" in response.json()["detail"]
    assert not Comment.objects.exists()


def test_a_lone_surrogate_sent_as_raw_bytes_is_refused_too(client, member):
    _, raw = create_token(member, "writer")
    body = b'{"name": "x' + "\ud800".encode("utf-8", "surrogatepass") + b'y"}'
    response = client.post(
        "/api/v1/collections", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )  # fmt: skip
    assert response.status_code == 400 and "lone surrogate" in response.json()["detail"]


def test_a_character_written_as_a_pair_of_escapes_is_welcome(client, member):
    """An emoji outside the first plane is two escapes in ASCII-only JSON: one character."""
    _, raw = create_token(member, "writer")
    body = json.dumps({"name": "\U0001f9ea Lab reading", "description": "\\ud800 as text"})
    assert "\\ud83e\\uddea" in body
    response = client.post(
        "/api/v1/collections", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )  # fmt: skip
    assert response.status_code == 201
    assert response.json()["name"] == "\U0001f9ea Lab reading"
    assert response.json()["description"] == "\\ud800 as text"
