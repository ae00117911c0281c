"""Every app node keeps its own search replica and follows the catalogue by itself: the
watermark lives in the index folder, deletions reach every replica through tombstones,
/healthz reports the lag, and a new node starts from a snapshot instead of rebuilding."""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from catalog.models import Paper, PaperTombstone
from catalog.services.imports import run_import
from catalog.sources.arxiv_snapshot import ArxivSnapshotSource
from community.services.submissions import set_listing_flags
from search import lexical
from search.queries import search_papers
from search.services.indexing import keyword_watermark, update_index
from search.services.snapshots import SnapshotError, make_snapshot, restore_snapshot
from tests.factories import DailyListingFactory, PaperFactory, UserFactory
from tests.search.node_scripts import WATCH, WRITE

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def found(title: str) -> bool:
    page = search_papers(f'title:"{title}"', semantic=False)
    return any(result.paper.title == title for result in page.results)


def on_node(folder: Path):
    """Act as the app node whose indexes live in `folder`."""
    lexical.forget_readers()
    return override_settings(PAPERBOY_INDEX_DIR=folder)


def test_two_nodes_follow_the_catalogue_each_with_its_own_watermark(tmp_path):
    PaperFactory(title="Shared beginnings")
    first, second = tmp_path / "node-a", tmp_path / "node-b"
    for node in (first, second):
        with on_node(node):
            update_index()
    PaperFactory(title="Written by a worker")
    with on_node(first):
        update_index()
        assert found("Written by a worker")
        ahead = keyword_watermark()
    with on_node(second):
        assert not found("Written by a worker")  # the first node's update moved nothing here
        assert keyword_watermark().indexed_until < ahead.indexed_until
        count, _ = update_index()
        assert found("Written by a worker") and count <= 2  # only what changed (and overlap)
    assert (first / lexical.index_path().name / "watermark.json").exists()


def test_a_deleted_paper_leaves_every_replica(tmp_path):
    doomed = PaperFactory(title="Retracted after review")
    nodes = [tmp_path / "a", tmp_path / "b"]
    for node in nodes:
        with on_node(node):
            update_index()
            assert found("Retracted after review")
    doomed.delete()
    assert PaperTombstone.objects.filter(arxiv_id=doomed.arxiv_id).exists()
    for node in nodes:
        with on_node(node):
            update_index()
            assert not found("Retracted after review")
            assert lexical.open_for_reading().num_docs == 0


def test_a_paper_a_curator_hides_leaves_search_on_every_node_and_comes_back(tmp_path):
    listing = DailyListingFactory(paper=PaperFactory(title="Spam about perpetual motion"))
    curator = UserFactory(is_staff=True)
    nodes = [tmp_path / "a", tmp_path / "b"]
    for node in nodes:
        with on_node(node):
            update_index()
            assert found("Spam about perpetual motion")
    set_listing_flags(curator, listing, hidden=True)
    with on_node(nodes[1]):  # before its follower's next round: left out of results at once
        assert not found("Spam about perpetual motion")
    for node in nodes:
        with on_node(node):
            update_index()
            assert lexical.open_for_reading().num_docs == 0  # and out of the index
    set_listing_flags(curator, listing, hidden=False)
    for node in nodes:
        with on_node(node):
            update_index()
            assert found("Spam about perpetual motion")


def test_healthz_reports_the_lag_and_drains_a_node_that_fell_behind(client, settings):
    settings.PAPERBOY_MAX_INDEX_LAG = 30
    with time_machine.travel("2026-08-21 09:00:00+00:00", tick=False) as clock:
        PaperFactory(title="Indexed in time")
        assert client.get("/healthz").status_code == 503  # papers, and no index yet
        update_index()
        answer = client.get("/healthz")
        assert answer.status_code == 200 and answer.json()["index_lag_seconds"] == 0
        clock.shift(dt.timedelta(seconds=1))
        PaperFactory(title="Waiting to be indexed")
        clock.shift(dt.timedelta(seconds=20))
        assert client.get("/healthz").json()["index_lag_seconds"] == 20
        clock.shift(dt.timedelta(seconds=20))
        drained = client.get("/healthz")
        assert drained.status_code == 503
        assert drained.json()["down"] == {"search index": "40 s behind the catalogue"}
        update_index()
        assert client.get("/healthz").status_code == 200


def test_a_new_node_starts_from_a_snapshot_and_catches_up(tmp_path, settings):
    for number in range(30):
        PaperFactory(title=f"Catalogue paper {number}")
    update_index()
    snapshot = tmp_path / "snapshot"
    call_command("index", "snapshot", str(snapshot))
    PaperFactory(title="Arrived after the snapshot")
    with on_node(tmp_path / "new-node"):
        call_command("index", "restore", str(snapshot))
        assert found("Catalogue paper 7") and not found("Arrived after the snapshot")
        count, mark = update_index()
        assert count <= 31 and found("Arrived after the snapshot")
        assert mark.documents == 31


def test_snapshots_refuse_what_they_cannot_use(tmp_path):
    with pytest.raises(SnapshotError, match="no keyword index"):
        make_snapshot(tmp_path / "snap")
    with pytest.raises(SnapshotError, match="holds no snapshot"):
        restore_snapshot(tmp_path)
    PaperFactory()
    update_index()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "something").write_text("x")
    with pytest.raises(SnapshotError, match="not empty"):
        make_snapshot(tmp_path / "busy")


def _run(script: str, env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_index_follow_makes_a_paper_searchable_on_every_node(tmp_path):
    """Two `paperboy index follow` processes, each with its own index folder, on one
    database: a paper written by another process is found on both, and its deletion
    reaches both (how soon is measured by bench/replicas.py, not asserted here)."""
    database = f"sqlite:///{tmp_path}/site.sqlite3"
    base = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
    base.update(
        DATABASE_URL=database,
        PAPERBOY_DATA_DIR=str(tmp_path),
        PAPERBOY_WARM_UP="false",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="paperboy.settings",
    )
    subprocess.run(
        [sys.executable, "-m", "paperboy.cli", "migrate", "-v", "0"],
        cwd=ROOT,
        env=base,
        check=True,
        timeout=300,
    )
    nodes = [{**base, "PAPERBOY_INDEX_DIR": str(tmp_path / name)} for name in ("a", "b")]
    followers = [
        subprocess.Popen(
            [sys.executable, "-m", "paperboy.cli", "index", "follow", "--interval", "1"],
            cwd=ROOT,
            env=node,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for node in nodes
    ]
    try:
        for want, action in (("present", "add"), ("absent", "delete")):
            watchers = [_run(WATCH, node, "zqxwvk", want) for node in nodes]
            for watcher in watchers:
                assert watcher.stdout.readline().strip() == "watching"
            writer = _run(WRITE, base, "Followed across nodes by zqxwvk", action)
            written = float(writer.communicate(timeout=60)[0].split()[-1])
            for watcher in watchers:
                output = watcher.communicate(timeout=60)[0]
                assert output.startswith("seen"), output
                assert float(output.split()[1]) >= written
    finally:
        for follower in followers:
            follower.terminate()
        codes = [follower.wait(timeout=30) for follower in followers]
    assert codes == [0, 0], [f.stdout.read() for f in followers]


def test_a_node_started_from_a_snapshot_answers_50_queries_as_the_original_does(tmp_path, data_dir):
    sample = data_dir / "formats" / "arxiv-snapshot-sample.jsonl"
    run_import(ArxivSnapshotSource(sample), progress=False)
    titles = list(Paper.objects.values_list("title", flat=True))
    words = [w for t in titles for w in t.split() if w.isalpha() and len(w) > 5]
    queries = random.Random(7).sample(sorted(set(words)), 50)
    original, copy = tmp_path / "node-b", tmp_path / "node-c"
    with on_node(original):
        update_index()
        make_snapshot(tmp_path / "snapshot")
        answers = [_ids(q) for q in queries]
    with on_node(copy):
        restore_snapshot(tmp_path / "snapshot")
        update_index()
        assert [_ids(q) for q in queries] == answers
    assert sum(bool(a) for a in answers) >= 40  # most queries find something


def _ids(query: str) -> list[int]:
    return [r.paper.pk for r in search_papers(query, semantic=False, limit=10).results]


def test_a_follower_looks_back_without_indexing_the_same_papers_again():
    with time_machine.travel("2026-08-21 09:00:00+00:00") as clock:
        for _ in range(3):
            PaperFactory()
        update_index()
        clock.shift(dt.timedelta(seconds=5))
        assert update_index()[0] == 0  # within the look-back, but all indexed as they are
        # A paper stamped before the watermark whose transaction committed only now.
        late = PaperFactory(title="Committed late by a long transaction")
        Paper.objects.filter(pk=late.pk).update(
            modified=keyword_watermark().indexed_until - dt.timedelta(seconds=30)
        )
        count, _ = update_index()
        assert count == 1 and found("Committed late by a long transaction")


def test_a_follower_never_indexes_a_bulk_import_again_as_its_look_back_slides_past():
    """The soak saw a follower re-index a whole 20,000-paper import in one 48 s round, two
    minutes after it: papers between this round's look-back and the next one's had been
    forgotten as indexed."""
    with time_machine.travel("2026-08-21 09:00:00+00:00", tick=False) as clock:
        for _ in range(30):
            PaperFactory()  # a bulk import, all stamped at once
        update_index(rebuild=True)
        counts = []
        for _ in range(40):  # rounds 5 s apart, each with a new paper, past the look-back
            clock.shift(dt.timedelta(seconds=5))
            PaperFactory()
            counts.append(update_index()[0])
        assert max(counts) <= 2, counts


@pytest.mark.django_db(transaction=True)
def test_a_follower_keeps_following_once_the_node_has_a_vector_index(settings, monkeypatch):
    """`index follow` crashed on its first round that found an approximate vector index
    (found by bench/replicas.py --synthetic, which is the first to follow with one)."""
    from io import StringIO

    from paperboy.management.commands import index as index_command
    from search.services.embedding import store_embeddings

    settings.PAPERBOY_VECTOR_INDEX_MIN = 3
    store_embeddings([PaperFactory() for _ in range(4)])
    call_command("index", "vectors", "--force", stdout=StringIO())
    monkeypatch.setattr(
        index_command, "run_rounds", lambda round_, every, **_: [round_() for _ in range(2)]
    )
    out = StringIO()
    call_command("index", "follow", verbosity=2, stdout=out)
    assert "vector index holds 4" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_follower_keeps_indexing_papers_while_it_extends_its_vector_index(monkeypatch):
    """`index follow` extends the vector index in a thread of its own: a long extension
    (tens of seconds during a backfill) no longer holds back the keyword rounds, which keep
    papers searchable within seconds. One SIGTERM stops both."""
    import threading

    from paperboy.loops import StopSignal
    from paperboy.management.commands import index as index_command

    extending, released = threading.Event(), threading.Event()
    stops, keyword_rounds, released_in_time = [], [], []

    class CapturedStop(StopSignal):
        def install(self):
            stops.append(self)
            return super().install()

    def slow_extension(**_):
        extending.set()
        released_in_time.append(released.wait(20))  # in line, no keyword round would free it
        return None

    def keyword_round():
        keyword_rounds.append(extending.is_set() and not released.is_set())
        if sum(keyword_rounds) == 3:  # three rounds while the extension runs: the test holds
            PaperFactory(title="Written while the vector index grows")
        if sum(keyword_rounds) >= 4:
            released.set()
            stops[0].event.set()  # as SIGTERM does
        return update_index()

    monkeypatch.setattr(index_command, "StopSignal", CapturedStop)
    monkeypatch.setattr(index_command, "refresh_vector_index", slow_extension)
    monkeypatch.setattr(index_command, "update_index", keyword_round)
    call_command("index", "follow", "--interval", "0.1", stdout=io.StringIO())
    assert released_in_time[0] and sum(keyword_rounds) >= 4
    assert found("Written while the vector index grows")
