"""Merging sources keeps the best value: an empty field never overwrites a filled one, and a
text one source cut short (the demo snapshot's 2608.19880 stops mid-word; its Hugging Face
record is whole) never replaces the complete one, in either import order."""

import gzip
import io

import pytest

from catalog.models import Paper
from catalog.records import PaperRecord
from catalog.services.imports import run_import
from catalog.services.upsert import write_papers
from catalog.sources.arxiv_snapshot import ArxivSnapshotSource
from community.services.listings import ListingWriter
from community.sources.hf_daily import HfDailySource

pytestmark = pytest.mark.django_db
PAPER = "2608.19880"


@pytest.fixture
def snapshot_record(data_dir, tmp_path):
    """The real, truncated snapshot line for the paper, alone in a file."""
    with gzip.open(data_dir / "arxiv" / "arxiv-snapshot.jsonl.gz", "rt") as snapshot:
        line = next(line for line in snapshot if f'"{PAPER}"' in line[:40])
    path = tmp_path / "one.jsonl"
    path.write_text(line)
    return path


def _snapshot(path):
    run_import(ArxivSnapshotSource(path), progress=False, stderr=io.StringIO())


def _daily(data_dir):
    run_import(
        HfDailySource([data_dir / "hf-daily-papers" / "2026-08-21.json.gz"]),
        ListingWriter,
        progress=False,
        stderr=io.StringIO(),
    )


@pytest.mark.parametrize("order", ["snapshot first", "daily first"])
def test_the_complete_abstract_wins_in_either_order(order, snapshot_record, data_dir):
    steps = [lambda: _snapshot(snapshot_record), lambda: _daily(data_dir)]
    for step in steps if order == "snapshot first" else reversed(steps):
        step()
    abstract = Paper.objects.get(arxiv_id=PAPER).abstract
    assert abstract.endswith("co-evolution of the policy and its environment.")


def test_an_empty_field_never_overwrites_a_filled_one():
    write_papers(
        [
            PaperRecord(
                arxiv_id="2601.00001", title="T", abstract="A", doi="10.1/x", comments="12 pages"
            )
        ],
        "arxiv-api",
    )
    write_papers(
        [PaperRecord(arxiv_id="2601.00001", title="T", abstract="", doi="", latest_version=2)],
        "arxiv-oai",
    )
    paper = Paper.objects.get(arxiv_id="2601.00001")
    assert (paper.abstract, paper.doi, paper.comments) == ("A", "10.1/x", "12 pages")


def test_a_newer_version_may_really_shorten_its_abstract():
    write_papers(
        [
            PaperRecord(
                arxiv_id="2601.00002",
                title="T",
                abstract="Short. And a long tail.",
                latest_version=1,
            )
        ],
        "arxiv-api",
    )
    write_papers(
        [PaperRecord(arxiv_id="2601.00002", title="T", abstract="Short.", latest_version=2)],
        "arxiv-api",
    )
    assert Paper.objects.get(arxiv_id="2601.00002").abstract == "Short."
