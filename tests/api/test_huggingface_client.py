"""The official Hugging Face client (`huggingface_hub`, from PyPI) pointed at Paperboy:
`HfApi(endpoint=...)` and the `hf papers` command with HF_ENDPOINT read Paperboy's data."""

import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

from catalog.services.imports import run_import
from community.services.listings import ListingWriter
from community.sources.hf_daily import HfDailySource
from search.services.indexing import update_index
from tests.factories import DailyListingFactory, PaperFactory, UserFactory

huggingface_hub = pytest.importorskip("huggingface_hub")
pytestmark = pytest.mark.django_db(transaction=True)
DAY = "2025-06-02"


@pytest.fixture
def hub(live_server, data_dir):
    cache.clear()
    path = data_dir / "hf-daily-papers" / f"{DAY}.json.gz"
    run_import(HfDailySource([path]), ListingWriter, progress=False, stderr=io.StringIO())
    update_index(rebuild=True)
    expected = json.loads(gzip.decompress(path.read_bytes()))
    yield huggingface_hub.HfApi(endpoint=live_server.url), expected
    # The client keeps its connection open; the server thread answering it would keep its
    # database session, and the test database could not be dropped.
    huggingface_hub.utils.close_session()


def test_listing_by_day_week_month_and_trending(hub):
    api, expected = hub
    by_day = list(api.list_daily_papers(date=DAY, limit=100))
    assert {p.id for p in by_day} == {e["paper"]["id"] for e in expected}
    assert by_day[0].upvotes == max(e["paper"]["upvotes"] for e in expected)
    assert by_day[0].title and by_day[0].authors and by_day[0].published_at
    week = {p.id for p in api.list_daily_papers(week="2025-W23", limit=100)}
    month = {p.id for p in api.list_daily_papers(month="2025-06", limit=100)}
    assert {p.id for p in by_day} <= week <= month
    trending = list(api.list_daily_papers(date=DAY, sort="trending", limit=5))
    assert len(trending) == 5


def test_listing_by_submitter(hub):
    api, _ = hub
    member = UserFactory(username="curator-ada")
    DailyListingFactory(paper=PaperFactory(arxiv_id="2506.99999"), submitted_by=member)
    found = list(api.list_daily_papers(submitter="curator-ada"))
    assert [p.id for p in found] == ["2506.99999"]


def test_paper_info_search_and_read(hub):
    api, expected = hub
    first = expected[0]["paper"]
    info = api.paper_info(first["id"])
    assert info.id == first["id"] and info.title
    found = list(api.list_papers(query=" ".join(first["title"].split()[:4])))
    assert first["id"] in [p.id for p in found[:5]]
    text = api.read_paper(first["id"])
    assert text.startswith(f"# {info.title}") and "## Abstract" in text
    assert f"https://arxiv.org/abs/{first['id']}" in text
    with pytest.raises(huggingface_hub.errors.HfHubHTTPError):
        api.read_paper("2506.00000")


def test_a_full_page_links_the_next_one(hub, client):
    response = client.get(f"/api/daily_papers?date={DAY}&limit=2")
    assert response["Link"] == (
        f'<http://testserver/api/daily_papers?date={DAY}&limit=2&p=1>; rel="next"'
    )
    last = client.get(f"/api/daily_papers?date={DAY}&limit=100")
    assert "Link" not in last


def test_the_hf_command_reads_paperboy_with_hf_endpoint(hub, live_server):
    _, expected = hub
    command = Path(sys.executable).parent / "hf"
    env = {
        **os.environ,
        "HF_ENDPOINT": live_server.url,
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_UPDATE_CHECK": "1",
        "NO_COLOR": "1",
    }
    listed = subprocess.run(
        [str(command), "papers", "ls", "--date", DAY, "--limit", "100", "--format", "json"],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )  # fmt: skip
    ids = {item["id"] for item in json.loads(listed.stdout)}
    assert ids == {e["paper"]["id"] for e in expected}
    first = expected[0]["paper"]["id"]
    read = subprocess.run(
        [str(command), "papers", "read", first],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )  # fmt: skip
    assert "## Abstract" in read.stdout
