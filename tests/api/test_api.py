import datetime as dt
import gzip
import io
import json

import pytest
from django.core.cache import cache

from catalog.services.imports import run_import
from community.models import Upvote
from community.services.listings import ListingWriter
from community.services.tokens import create_token
from community.sources.hf_daily import HfDailySource
from tests.factories import DailyListingFactory, PaperFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def token(member):
    return create_token(member, "tests")[1]


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_an_imported_day_answers_with_the_files_papers_and_upvotes(client, data_dir):
    path = data_dir / "hf-daily-papers" / "2025-06-02.json.gz"
    run_import(HfDailySource([path]), ListingWriter, progress=False, stderr=io.StringIO())
    expected = {
        e["paper"]["id"]: e["paper"]["upvotes"]
        for e in json.loads(gzip.decompress(path.read_bytes()))
    }

    entries = client.get("/api/daily_papers?date=2025-06-02&limit=100").json()

    assert {e["paper"]["id"]: e["paper"]["upvotes"] for e in entries} == expected
    upvotes = [e["paper"]["upvotes"] for e in entries]
    assert upvotes == sorted(upvotes, reverse=True)
    first = entries[0]
    assert set(first) >= {"paper", "publishedAt", "title", "numComments", "submittedBy"}
    assert set(first["paper"]) >= {
        "id", "title", "summary", "authors", "publishedAt", "submittedOnDailyAt",
        "submittedOnDailyBy", "upvotes", "githubRepo", "githubStars", "projectPage",
        "ai_keywords",
    }  # fmt: skip
    assert first["paper"]["authors"][0]["name"]
    by_id = {e["paper"]["id"]: e for e in json.loads(gzip.decompress(path.read_bytes()))}
    for entry in entries:  # every author, not just the first few that cards show
        assert len(entry["paper"]["authors"]) == len(
            by_id[entry["paper"]["id"]]["paper"]["authors"]
        )


def test_weeks_months_pages_and_sorting(client):
    DailyListingFactory(listed_on=dt.date(2026, 8, 17), imported_upvotes=5)
    DailyListingFactory(listed_on=dt.date(2026, 8, 20), imported_upvotes=50)
    DailyListingFactory(listed_on=dt.date(2026, 7, 1), imported_upvotes=99)
    week = client.get("/api/daily_papers?week=2026-W34").json()
    assert [e["paper"]["upvotes"] for e in week] == [50, 5]
    month = client.get("/api/daily_papers?month=2026-08&limit=1&p=1").json()
    assert [e["paper"]["upvotes"] for e in month] == [5]
    newest = client.get("/api/daily_papers?month=2026-08&sort=publishedAt").json()
    assert len(newest) == 2


def test_filtering_by_submitter(client, member):
    DailyListingFactory(submitted_by=member, imported_upvotes=7)
    DailyListingFactory(imported_upvotes=8)
    entries = client.get(f"/api/daily_papers?submitter={member.username}").json()
    assert [e["submittedBy"]["user"] for e in entries] == [member.username]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("date=2026-02-30", "date"),
        ("week=2026-W99", "week"),
        ("month=2026-13", "month"),
        ("sort=random", "sort must be"),
        ("date=2026-08-21&week=2026-W34", "at most one"),
    ],
)
def test_bad_parameters_are_400_with_a_json_message(client, query, message):
    response = client.get(f"/api/daily_papers?{query}")
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_paper_detail_and_cursor_pagination(client):
    papers = [PaperFactory() for _ in range(5)]
    detail = client.get(f"/api/papers/{papers[0].arxiv_id}").json()
    assert detail["id"] == papers[0].arxiv_id and detail["absUrl"].endswith(papers[0].arxiv_id)
    seen, cursor = [], None
    while True:
        page = client.get("/api/papers?limit=2" + (f"&cursor={cursor}" if cursor else "")).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(p.arxiv_id for p in papers) and len(seen) == 5
    assert client.get("/api/papers?cursor=!!!").status_code == 400
    assert client.get("/api/papers/2401.99999").status_code == 404


def test_old_style_ids_work_in_paths(client):
    PaperFactory(arxiv_id="hep-th/9901001")
    assert client.get("/api/papers/hep-th/9901001").json()["id"] == "hep-th/9901001"


def test_writes_need_a_token(client):
    paper = PaperFactory()
    response = client.post(f"/api/papers/{paper.arxiv_id}/upvote")
    assert response.status_code == 401 and "token" in response.json()["detail"]
    bad = client.post(f"/api/papers/{paper.arxiv_id}/upvote", **auth("pb_forged"))
    assert bad.status_code == 401


def test_token_holders_upvote_comment_and_submit(client, token, member, frozen_now):
    paper = PaperFactory(
        arxiv_id="2608.77777", submitted_at=dt.datetime(2026, 8, 20, tzinfo=dt.UTC)
    )
    voted = client.post("/api/papers/2608.77777/upvote", **auth(token)).json()
    assert voted == {"upvoted": True, "upvotes": 1}
    assert client.delete("/api/papers/2608.77777/upvote", **auth(token)).json()["upvotes"] == 0
    comment = client.post(
        "/api/papers/2608.77777/comments",
        data={"body": "Great <script>x</script>"},
        content_type="application/json",
        **auth(token),
    )
    assert comment.status_code == 201 and "<script>" not in comment.json()["html"]
    submitted = client.post(
        "/api/daily_papers",
        data={"paper": "2608.77777"},
        content_type="application/json",
        **auth(token),
    )
    assert submitted.status_code == 201
    assert submitted.json()["submittedBy"]["user"] == member.username
    again = client.post(
        "/api/daily_papers",
        data={"paper": "2608.77777"},
        content_type="application/json",
        **auth(token),
    )
    assert again.status_code == 400 and "already listed" in again.json()["detail"]
    assert paper.pk


def test_unverified_members_tokens_cannot_write(client):
    user = UserFactory()
    _, raw = create_token(user, "t")
    user.email_verified_at = None
    user.save()
    paper = PaperFactory()
    response = client.post(f"/api/papers/{paper.arxiv_id}/upvote", **auth(raw))
    assert response.status_code == 403 and not Upvote.objects.exists()


def test_requests_are_rate_limited(client, settings):
    settings.PAPERBOY_RATE_API = 3
    statuses = [client.get("/api/daily_papers").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_openapi_document_and_docs_are_served_locally(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/daily_papers" in spec["paths"]
    docs = client.get("/api/docs").content.decode()
    assert "swagger" in docs.lower() and "cdn." not in docs


@pytest.mark.parametrize("url", ["/api/daily_papers?date=2026-08-21", "/api/papers"])
def test_api_lists_run_a_fixed_number_of_queries(client, url, django_assert_max_num_queries):
    for _ in range(3):
        DailyListingFactory()
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(25):
        DailyListingFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_every_api_route_is_documented(client):
    from pathlib import Path

    reference = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    spec = client.get("/api/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method in operations:
            assert f"{method.upper()} {path}" in reference, f"{method} {path} is undocumented"
