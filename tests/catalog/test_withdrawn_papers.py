"""A paper withdrawn on arXiv (a last version whose comments say so) stays in the
catalogue, marked on its page and cards, and leaves search on every node, the 'similar
papers' lists and digests, as a paper a curator hides does."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.test import override_settings

from catalog.models import Paper
from catalog.services.imports import run_import
from catalog.sources.arxiv_snapshot import ArxivSnapshotSource
from catalog.withdrawals import is_withdrawn
from community.periods import Period
from digests.services.building import load_pool
from search import lexical
from search.queries import search_papers
from search.services.indexing import update_index
from tests.factories import DailyListingFactory

pytestmark = pytest.mark.django_db
WITHDRAWAL = "This paper has been withdrawn by the authors due to an error in Lemma 8"


@pytest.mark.parametrize(
    "comments",
    [
        "This paper has been withdrawn",
        WITHDRAWAL,
        "paper withdrawn by author",
        "withdrawn by arXiv administrators due to plagiarism",
        "arXiv admin note: This submission has been withdrawn by arXiv administrators",
        "This preprint has been withdrawn as its contents have been fully revised",
        "The authors have withdrawn this paper",
    ],
)
def test_arxivs_ways_of_saying_withdrawn_are_recognised(comments):
    assert is_withdrawn(comments)


@pytest.mark.parametrize(
    "comments",
    ["37 pages, 15 figures", "Supersedes the withdrawn arXiv:0704.0374", "", None],
)
def test_mentioning_a_withdrawal_is_not_one(comments):
    assert not is_withdrawn(comments)


def test_without_comments_the_abstract_tells():
    assert is_withdrawn("", "This paper has been withdrawn due to copyright reasons.")
    assert not is_withdrawn("", "We study withdrawn patients in clinical trials.")


def _import(tmp_path, data_dir, **changes) -> Paper:
    """The first record of the real snapshot sample, changed as given, imported."""
    sample = data_dir / "formats" / "arxiv-snapshot-sample.jsonl"
    record = json.loads(sample.read_text().splitlines()[0]) | changes
    path = tmp_path / f"record-{len(record['versions'])}.jsonl"
    path.write_text(json.dumps(record) + "\n")
    run_import(ArxivSnapshotSource(path), progress=False, stderr=io.StringIO())
    return Paper.objects.get(arxiv_id=record["id"])


def _found(title: str) -> bool:
    return any(r.paper.title == title for r in search_papers(title, semantic=False).results)


def test_a_withdrawn_version_takes_the_paper_out_of_search_on_every_node(
    tmp_path, data_dir, client
):
    paper = _import(tmp_path, data_dir)
    title, versions = paper.title, paper.versions
    nodes = [tmp_path / "a", tmp_path / "b"]
    for node in nodes:
        lexical.forget_readers()
        with override_settings(PAPERBOY_INDEX_DIR=node):
            update_index()
            assert _found(title)
    later = [
        *versions,
        {"version": f"v{len(versions) + 1}", "created": "Mon, 2 Sep 2024 10:00:00 GMT"},
    ]
    paper = _import(
        tmp_path,
        data_dir,
        comments=WITHDRAWAL,
        abstract="This paper has been withdrawn by the authors.",
        versions=later,
    )
    assert paper.withdrawn
    lexical.forget_readers()
    with override_settings(PAPERBOY_INDEX_DIR=nodes[1]):
        assert not _found(title)  # before the follower's round: left out of results at once
    for node in nodes:
        lexical.forget_readers()
        with override_settings(PAPERBOY_INDEX_DIR=node):
            update_index()
            assert lexical.open_for_reading().num_docs == 0  # and out of the index
    page = client.get(paper.get_absolute_url())
    assert page.status_code == 200 and b'class="badge withdrawn"' in page.content


def test_a_withdrawn_paper_is_no_news_in_a_digest():
    kept = DailyListingFactory(listed_on=dt.date(2026, 8, 20))
    gone = DailyListingFactory(listed_on=dt.date(2026, 8, 20))
    Paper.objects.filter(pk=gone.paper_id).update(withdrawn=True)
    pool = load_pool(Period("day", dt.date(2026, 8, 20), dt.date(2026, 8, 20)))
    assert kept.paper_id in pool.ids and gone.paper_id not in pool.ids


def test_list_cards_mark_a_withdrawn_paper(client):
    listing = DailyListingFactory(listed_on=dt.date(2026, 8, 20))
    Paper.objects.filter(pk=listing.paper_id).update(
        withdrawn=True, modified=dt.datetime.now(dt.UTC)
    )
    page = client.get("/papers/date/2026-08-20")
    assert b'class="badge withdrawn"' in page.content


def test_the_api_says_a_paper_was_withdrawn(client):
    kept = DailyListingFactory(listed_on=dt.date(2026, 8, 20)).paper
    gone = DailyListingFactory(listed_on=dt.date(2026, 8, 20)).paper
    Paper.objects.filter(pk=gone.pk).update(withdrawn=True, modified=dt.datetime.now(dt.UTC))
    assert client.get(f"/api/papers/{gone.arxiv_id}").json()["withdrawn"] is True
    assert client.get(f"/api/papers/{kept.arxiv_id}").json()["withdrawn"] is False
    listed = {item["id"]: item["withdrawn"] for item in client.get("/api/papers").json()["items"]}
    assert listed == {kept.arxiv_id: False, gone.arxiv_id: True}
