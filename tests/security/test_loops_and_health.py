"""Long-running loops stop cleanly on SIGTERM and outlive a database restart; /healthz says
503 in JSON while the database is away and recovers by itself.

The "restart" is real to the processes under test: they reach PostgreSQL through a TCP
relay that the test cuts (every connection dropped, new ones refused) and restores.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.relay import Relay

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
    env.update(
        DATABASE_URL=database_url,
        PAPERBOY_DATA_DIR=str(tmp_path),
        PAPERBOY_INDEX_DIR=str(tmp_path / "index"),
        PAPERBOY_EMAIL_URL="memory:",
        PAPERBOY_WORKER_INTERVAL="5",
        PYTHONUNBUFFERED="1",
    )
    return env


def _paperboy(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "paperboy.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(process: subprocess.Popen, timeout: float = 30) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


@pytest.fixture(scope="module")
def sqlite_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("loops")
    env = _env(folder, f"sqlite:///{folder}/site.sqlite3")
    subprocess.run(
        [sys.executable, "-m", "paperboy.cli", "migrate", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    return env


LOOPS = [
    ["index", "update", "--loop", "0.5"],
    ["index", "follow", "--interval", "0.5"],
    ["index", "embed", "--loop", "0.5"],
    ["digests", "send", "--loop", "0.5"],
    ["worker"],
]


@pytest.mark.parametrize("command", LOOPS, ids=lambda c: " ".join(c[:2]))
def test_sigterm_finishes_the_round_and_exits_0(sqlite_site, command):
    process = _paperboy(command, sqlite_site)
    time.sleep(4)  # start-up, and at least one round
    assert process.poll() is None, process.communicate()[0]
    code, output = _stop(process)
    assert code == 0, output


def _postgres_url() -> tuple[str, tuple[str, int], str]:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (a database server to restart)")
    db = django_settings.DATABASES["default"]
    return db["NAME"], (db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)), db["USER"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_loops_survive_a_database_restart(tmp_path):
    name, target, user = _postgres_url()
    relay = Relay(target)
    env = _env(tmp_path, f"postgres://{user}@127.0.0.1:{relay.port}/{name}")
    process = _paperboy(["digests", "send", "--loop", "0.5"], env)
    try:
        time.sleep(3)
        relay.cut()  # PostgreSQL "goes down"
        time.sleep(4)
        assert process.poll() is None, "the loop died with the database"
        relay.start()  # and comes back
        time.sleep(8)
        assert process.poll() is None
        code, output = _stop(process)
    finally:
        relay.close()
        if process.poll() is None:
            process.kill()
    assert code == 0, output
    assert "database unavailable" in output
    down_at = output.index("database unavailable")
    assert "sent 0" in output[down_at:], "no successful round after the database returned"


HEALTH = """
import django, json, os, sys, time
django.setup()
from django.test import Client
client = Client()
def health():
    r = client.get("/healthz")
    return r.status_code, r["Content-Type"], r.content.decode()
print(json.dumps(health()), flush=True)
sys.stdin.readline()          # the test cuts the database
print(json.dumps(health()), flush=True)
sys.stdin.readline()          # the test restores it
time.sleep(1)
print(json.dumps(health()), flush=True)
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_healthz_says_503_in_json_while_the_database_is_away(tmp_path):
    import json

    name, target, user = _postgres_url()
    relay = Relay(target)
    env = _env(tmp_path, f"postgres://{user}@127.0.0.1:{relay.port}/{name}")
    env["DJANGO_SETTINGS_MODULE"] = "paperboy.settings"
    env["PAPERBOY_ALLOWED_HOSTS"] = "testserver"
    probe = subprocess.Popen(
        [sys.executable, "-c", HEALTH],
        cwd=ROOT,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        up = json.loads(probe.stdout.readline())
        relay.cut()
        probe.stdin.write("\n")
        probe.stdin.flush()
        down = json.loads(probe.stdout.readline())
        relay.start()
        probe.stdin.write("\n")
        probe.stdin.flush()
        again = json.loads(probe.stdout.readline())
    finally:
        relay.close()
        probe.kill()
    assert up[0] == 200 and json.loads(up[2])["status"] == "ok"
    assert down[0] == 503 and down[1].startswith("application/json")
    assert json.loads(down[2])["down"]["database"].startswith("unreachable")
    assert again[0] == 200


FILL = """
import django
django.setup()
from catalog.records import PaperRecord
from catalog.services.upsert import write_papers
write_papers(
    [PaperRecord(arxiv_id=f"2601.{40000 + n}", title=f"Paper {n} on graph networks",
                 abstract="A long enough abstract about message passing. " * 8)
     for n in range(2000)],
    "arxiv-api",
)
"""


def test_sigterm_stops_a_long_embedding_backlog_after_the_batch_in_progress(sqlite_site):
    """2,000 papers are minutes of embedding on 2 cores: a stop must not wait for them."""
    env = {**sqlite_site, "DJANGO_SETTINGS_MODULE": "paperboy.settings"}
    subprocess.run([sys.executable, "-c", FILL], cwd=ROOT, env=env, check=True, timeout=120)
    process = _paperboy(["index", "embed", "--loop", "60"], sqlite_site)
    time.sleep(8)  # the model loads and a batch or two are stored
    started = time.monotonic()
    code, output = _stop(process, timeout=60)
    assert code == 0, output
    assert time.monotonic() - started < 30
    count = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from search.models import PaperEmbedding as E; print(E.objects.count())",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert 0 < int(count.stdout) < 2000  # stopped part-way, every stored batch kept
