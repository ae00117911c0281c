"""Faults in a running cluster on PostgreSQL.

- Two workers share the queue. One is SIGKILLed in the middle of an embedding range: the
  other takes the range over once the lease runs out, and every paper is embedded once
  (what was stored before the kill is kept, not computed again). A replacement worker
  joins; one of the two is SIGKILLed in the middle of a digest round: the other finishes
  it and every subscriber gets the digest once (a real SMTP server counts them).
- PostgreSQL "restarts" under load (every process reaches it through a relay the test
  cuts and restores): through nginx, the site answers 503, never 500, while it is away,
  and is back by itself within 10 s of its return; followers and workers carry on.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from catalog.models import Paper
from search.models import PaperEmbedding
from tests.cluster.nodes import (
    Cluster,
    balance,
    free_port,
    get,
    needs_postgres,
    node_env,
    start_node,
    wait_for,
)
from tests.factories import DailyListingFactory, PaperFactory, SubscriptionFactory
from tests.relay import Relay

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ABSTRACT = (
    "We study how message passing networks generalise across graph sizes, relate their "
    "expressive power to the Weisfeiler-Lehman test, and report experiments on molecules, "
    "citation graphs and road networks with a careful analysis of the failure modes. "
)


def worker_env(folder: Path, database_port: int | None = None) -> dict[str, str]:
    env = node_env(folder, database_port)
    env.update(
        PAPERBOY_EMAIL_URL=f"smtp://127.0.0.1:{settings.EMAIL_PORT}",
        PAPERBOY_WORKER_INTERVAL="5",  # the schedule's rounds (the least allowed)
        PAPERBOY_WORKER_LEASE_SECONDS="4",
        PAPERBOY_DIGEST_CLAIM_SECONDS="10",
        PAPERBOY_EMBED_TASKS="1",
    )
    return env


def start_worker(cluster: Cluster, env: dict, name: str) -> subprocess.Popen:
    return cluster.start(["worker", "--interval", "0.2"], env, f"{name}.log")


def holder(task_path: str, workers: list[subprocess.Popen]) -> subprocess.Popen | None:
    """The worker process running a task of `task_path` now (worker ids carry the pid)."""
    running = DBTaskResult.objects.filter(task_path=task_path, status="RUNNING")
    for ids in running.values_list("worker_ids", flat=True):
        pid = int(ids[-1].split(":")[1]) if ids else None
        for worker in workers:
            if worker.pid == pid and worker.poll() is None:
                return worker
    return None


def kill_mid_way(task_path: str, workers: list[subprocess.Popen], started) -> subprocess.Popen:
    """SIGKILL the worker running `task_path` as soon as `started()` says it is under way."""
    victim = None

    def under_way() -> bool:
        nonlocal victim
        if all(worker.poll() is not None for worker in workers):
            pytest.fail("every worker exited (see worker-*.log)")
        victim = holder(task_path, workers) if started() else None
        return victim is not None

    wait_for(under_way, f"{task_path} to be under way", seconds=120)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    return victim


def test_a_worker_killed_mid_range_and_mid_round_loses_nothing(tmp_path, smtp_server):
    needs_postgres()
    papers = [PaperFactory(abstract=ABSTRACT * 2) for _ in range(400)]
    cluster = Cluster(tmp_path)
    env = worker_env(tmp_path / "workers")
    workers = [start_worker(cluster, env, f"worker-{n}") for n in (1, 2)]
    try:
        # 1. The embedding backfill: one range of 400 papers, written batch by batch.
        total = len(papers)
        kill_mid_way(
            "search.tasks.embed_backfill",
            workers,
            lambda: 0 < PaperEmbedding.objects.count() < total - 100,
        )
        before = dict(PaperEmbedding.objects.values_list("paper_id", "created"))
        assert 0 < len(before) < total
        wait_for(lambda: PaperEmbedding.objects.count() == total, "the range taken over", 180)
        after = dict(PaperEmbedding.objects.values_list("paper_id", "created"))
        assert set(after) == {paper.pk for paper in papers}
        assert all(after[pk] == created for pk, created in before.items())  # kept, not redone

        # 2. A digest round to 30 subscribers through a slow mail server.
        workers.append(start_worker(cluster, env, "worker-3"))  # as systemd would restart
        smtp_server.delay = 0.25
        listed_on = timezone.now().date() - dt.timedelta(days=7)  # in last week's digest
        for paper in papers[:5]:
            DailyListingFactory(paper=paper, listed_on=listed_on, imported_upvotes=10)
        readers = [
            SubscriptionFactory(email=f"reader{n}@example.org", time_zone="UTC", send_hour=0)
            for n in range(30)
        ]
        kill_mid_way(
            "digests.tasks.send_due_digests", workers, lambda: len(smtp_server.messages) >= 3
        )
        assert len({m["To"] for m in smtp_server.messages}) < len(readers)
        wanted = {reader.email for reader in readers}
        wait_for(lambda: {m["To"] for m in smtp_server.messages} == wanted, "every digest", 120)
        time.sleep(3)  # a round that would send again has had its chance
    finally:
        cluster.stop()
    by_reader: dict[str, set[str]] = {}
    for message in smtp_server.messages:
        by_reader.setdefault(message["To"], set()).add(message["Message-ID"])
    assert all(len(ids) == 1 for ids in by_reader.values()), by_reader  # one digest each
    # The one window the design leaves (killed between the server's acceptance and the
    # row's update) re-sends that message with the same Message-ID: at most one.
    assert len(smtp_server.messages) <= len(readers) + 1
    assert len(list(tmp_path.glob("worker-*.log"))) == 3


def timed_reads(url: str, readers: int, stop: threading.Event) -> list[tuple[float, int]]:
    answers: list[tuple[float, int]] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                status = get(url, timeout=15)[0]
            except OSError:
                status = 0
            answers.append((time.monotonic(), status))

    threads = [threading.Thread(target=reader) for _ in range(readers)]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join()
    return answers


def test_a_database_restart_under_load_answers_503_and_recovers_by_itself(
    tmp_path, nginx, smtp_server
):
    needs_postgres()
    db = settings.DATABASES["default"]
    relay = Relay((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    PaperFactory(title="Wombats before the restart")
    cluster = Cluster(tmp_path)
    ports = [free_port(), free_port()]
    try:
        for number, port in enumerate(ports):
            env = node_env(tmp_path / f"node-{number}", relay.port)
            start_node(cluster, env, port, number)
            wait_for(lambda p=port: get(f"http://127.0.0.1:{p}/healthz")[0] == 200, "a node")
        start_worker(cluster, worker_env(tmp_path / "worker", relay.port), "worker")
        static = Path(env["PAPERBOY_DATA_DIR"]) / "static"
        front = balance(cluster, nginx, ports, static)

        stop = threading.Event()
        answers: list[tuple[float, int]] = []
        load = threading.Thread(
            target=lambda: answers.extend(timed_reads(f"{front}/papers", 4, stop))
        )
        load.start()
        time.sleep(3)
        down_at = time.monotonic()
        relay.cut()  # PostgreSQL goes away for 5 s
        time.sleep(5)
        back_at = time.monotonic()
        relay.start()
        time.sleep(15)
        stop.set()
        load.join()

        during = [status for at, status in answers if down_at + 0.5 < at < back_at]
        assert during and set(during) <= {200, 503}, sorted(set(during))
        assert 503 in during
        assert all(status in (200, 503) for _, status in answers), sorted({s for _, s in answers})
        failing = [at for at, status in answers if status != 200]
        assert max(failing) - back_at <= 10, max(failing) - back_at  # back by itself
        assert [status for at, status in answers if at > back_at + 10][-20:] == [200] * 20

        # Followers and the worker carry on: a paper written now is embedded and found on
        # both nodes.
        fresh = PaperFactory(title="Numbats after the restart", abstract=ABSTRACT)
        wait_for(lambda: PaperEmbedding.objects.filter(paper=fresh).exists(), "the worker", 60)
        for port in ports:
            wait_for(
                lambda p=port: "Numbats after" in get(f"http://127.0.0.1:{p}/search?q=numbats")[1],
                "a follower",
            )
    finally:
        cluster.stop()
        relay.close()
    assert Paper.objects.count() == 2
