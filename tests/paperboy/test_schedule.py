"""The worker's schedule: each run of a job is queued once however many schedulers race for
it, a job still busy is not piled up, and scheduled harvests import through the queue."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from catalog.models import ImportRun, Paper
from paperboy.models import ScheduledRun
from paperboy.schedule import queue_due
from tests.conftest import Reply

NOW = dt.datetime(2026, 8, 24, 9, 0, tzinfo=dt.UTC)
ROUNDS = ["digests", "webhooks", "author notices", "mail retries"]


@pytest.mark.django_db
def test_each_run_is_queued_once_and_a_busy_job_is_not_piled_up(settings):
    settings.PAPERBOY_WORKER_INTERVAL = 300
    assert queue_due(NOW) == ROUNDS
    assert queue_due(NOW + dt.timedelta(seconds=10)) == []  # the same slot: already queued
    assert DBTaskResult.objects.count() == 4
    assert queue_due(NOW + dt.timedelta(minutes=5)) == []  # the last runs have not run yet
    assert ScheduledRun.objects.filter(skipped=True).count() == 4
    DBTaskResult.objects.update(status="SUCCESSFUL")
    assert queue_due(NOW + dt.timedelta(minutes=10)) == ROUNDS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_schedulers_on_several_machines_queue_a_run_once():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent schedulers need PostgreSQL's concurrent writers")
    start = threading.Barrier(4)
    queued: list[str] = []

    def scheduler() -> None:
        start.wait()
        try:
            queued.extend(queue_due(NOW))
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(queued) == sorted(ROUNDS)
    assert DBTaskResult.objects.count() == 4


@pytest.mark.django_db(transaction=True)  # the worker closes connections between jobs
def test_a_scheduled_rss_harvest_imports_through_the_queue(settings, http_server, data_dir):
    feed = (data_dir / "formats" / "arxiv-rss-cs.AI.xml").read_bytes()
    server = http_server(
        lambda path, query: (
            Reply(200, feed, content_type="application/atom+xml")
            if path == "/atom/cs.AI"
            else Reply(404, b"no such feed")
        )
    )
    settings.PAPERBOY_ARXIV_RSS_URL = f"{server.url}/atom"
    settings.PAPERBOY_HARVEST_RSS = ["cs.AI"]
    with time_machine.travel(NOW):
        assert "harvest rss cs.AI" in queue_due()
        call_command("worker", "--once")
    run = ImportRun.objects.get()
    assert run.status == "completed" and run.target.endswith("/atom/cs.AI")
    assert Paper.objects.count() > 0
