"""A worker killed with SIGKILL in the middle of a task loses nothing: once its heartbeat
is older than the lease, another worker runs the task again; a long task of a live worker
is left alone."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from paperboy import leases
from paperboy.models import WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[2]

ENQUEUE = """
import django, sys
django.setup()
from tests.jobs_for_tests import slow_note
print(slow_note.enqueue(sys.argv[1], float(sys.argv[2])).id)
"""

RESULT = """
import django, sys
django.setup()
from django_tasks_db.models import DBTaskResult
row = DBTaskResult.objects.get(pk=sys.argv[1])
print(row.status, len(row.worker_ids))
"""


def _python(env: dict, code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _worker(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "paperboy.cli", "worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def _wait(check, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_a_task_of_a_killed_worker_is_run_by_another(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path}/site.sqlite3",
        PAPERBOY_DATA_DIR=str(tmp_path),
        PAPERBOY_WORKER_LEASE_SECONDS="3",
        PAPERBOY_WORKER_INTERVAL="3600",
        PAPERBOY_WARM_UP="false",
        DJANGO_SETTINGS_MODULE="paperboy.settings",
        PYTHONUNBUFFERED="1",
    )
    subprocess.run(
        [sys.executable, "-m", "paperboy.cli", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    notes = tmp_path / "notes.txt"
    task_id = _python(env, ENQUEUE, str(notes), "4")
    first = _worker(env, tmp_path / "first.log")
    try:
        assert _wait(lambda: notes.exists() and "start" in notes.read_text())
        first.send_signal(signal.SIGKILL)  # mid-task: it never writes "done"
        first.wait(timeout=10)
        assert _python(env, RESULT, task_id) == "RUNNING 1"
        second = _worker(env, tmp_path / "second.log")
        try:
            assert _wait(lambda: notes.read_text().count("done") == 1)
            assert _wait(lambda: _python(env, RESULT, task_id) == "SUCCESSFUL 2", 30)
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0
    finally:
        if first.poll() is None:
            first.kill()
    assert notes.read_text() == "start\nstart\ndone\n"  # begun twice, finished once
    assert "requeued 1 task(s)" in (tmp_path / "second.log").read_text()


@pytest.mark.django_db
def test_a_long_task_of_a_live_worker_is_left_alone(settings):
    settings.PAPERBOY_WORKER_LEASE_SECONDS = 60
    from tests.jobs_for_tests import slow_note

    long_ago = timezone.now() - dt.timedelta(minutes=10)
    alive, dead = slow_note.enqueue("/dev/null", 0), slow_note.enqueue("/dev/null", 0)
    DBTaskResult.objects.filter(pk=alive.id).update(
        status="RUNNING", started_at=long_ago, worker_ids=["host:1:alive"]
    )
    DBTaskResult.objects.filter(pk=dead.id).update(
        status="RUNNING", started_at=long_ago, worker_ids=["host:2:dead"]
    )
    leases.beat("host:1:alive")
    WorkerHeartbeat.objects.create(worker_id="host:2:dead", beat_at=long_ago)
    assert leases.requeue_abandoned() == 1
    assert DBTaskResult.objects.get(pk=alive.id).status == "RUNNING"
    assert DBTaskResult.objects.get(pk=dead.id).status == "READY"
    assert leases.requeue_abandoned() == 0  # once


@pytest.mark.django_db
def test_old_results_are_pruned(settings):
    from tests.jobs_for_tests import slow_note

    done = slow_note.enqueue("/dev/null", 0)
    DBTaskResult.objects.filter(pk=done.id).update(
        status="SUCCESSFUL", finished_at=timezone.now() - dt.timedelta(days=30)
    )
    fresh = slow_note.enqueue("/dev/null", 0)
    assert leases.prune_finished() == 1
    assert [str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)] == [fresh.id]


@pytest.mark.django_db
def test_a_task_the_database_interrupted_goes_back_to_the_queue_of_its_own_worker(settings):
    """The worker's job ended with the database gone, so its row still says RUNNING under
    this worker, whose heartbeat goes on: it is put back once the database returns."""
    settings.PAPERBOY_WORKER_LEASE_SECONDS = 60
    from tests.jobs_for_tests import slow_note

    mine, other = slow_note.enqueue("/dev/null", 0), slow_note.enqueue("/dev/null", 0)
    started = timezone.now()
    DBTaskResult.objects.filter(pk=mine.id).update(
        status="RUNNING", started_at=started, worker_ids=["host:1:me"]
    )
    DBTaskResult.objects.filter(pk=other.id).update(
        status="RUNNING", started_at=started, worker_ids=["host:2:busy"]
    )
    leases.beat("host:1:me")
    assert leases.requeue_abandoned() == 0  # its worker is alive: left alone, as before
    assert leases.requeue_own("host:1:me") == 1
    assert DBTaskResult.objects.get(pk=mine.id).status == "READY"
    assert DBTaskResult.objects.get(pk=other.id).status == "RUNNING"
