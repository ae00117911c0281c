"""`paperboy backup` and `paperboy restore`: the database comes back as it was, a database
with papers is not overwritten without --yes, and every node's search index rebuilds
itself after a restore (a new catalogue epoch)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from catalog.models import Paper
from search.replica import current_epoch, new_epoch
from search.services.indexing import update_index
from tests.factories import PaperFactory

ROOT = Path(__file__).resolve().parents[2]


def paperboy(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "paperboy.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def sqlite_site(folder: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
    env.update(DATABASE_URL=f"sqlite:///{folder}/site.sqlite3", PAPERBOY_DATA_DIR=str(folder))
    assert paperboy(env, "migrate", "-v", "0").returncode == 0
    return env


COUNT = "from catalog.models import Paper; print(Paper.objects.count())"
ADD = (
    "from tests.factories import PaperFactory; "
    "[PaperFactory(arxiv_id=f'2701.{{n:05d}}') for n in range({start}, {start} + {n})]"
)


def shell(env: dict, code: str) -> str:
    done = paperboy(env, "shell", "--no-imports", "-c", code)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_an_sqlite_site_is_backed_up_and_restored(tmp_path):
    env = sqlite_site(tmp_path / "site")
    shell(env, ADD.format(start=0, n=3))
    backup = tmp_path / "backups" / "monday.sqlite3"
    made = paperboy(env, "backup", str(backup))
    assert made.returncode == 0 and "backed up the database" in made.stdout
    shell(env, ADD.format(start=10, n=2))
    refused = paperboy(env, "restore", str(backup))
    assert refused.returncode != 0 and "add --yes" in refused.stderr
    assert shell(env, COUNT) == "5"
    restored = paperboy(env, "restore", str(backup), "--yes")
    assert (
        restored.returncode == 0 and "restored" in restored.stdout and "3 papers" in restored.stdout
    )
    assert shell(env, COUNT) == "3"


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    env = sqlite_site(tmp_path / "site")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a database at all" * 100)
    answer = paperboy(env, "restore", str(junk), "--yes")
    assert answer.returncode != 0 and "not an SQLite backup" in answer.stderr
    missing = paperboy(env, "restore", str(tmp_path / "nope"), "--yes")
    assert missing.returncode != 0 and "is not a backup file" in missing.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_postgres_backup_restores_into_a_new_database(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore need PostgreSQL")
    PaperFactory(title="Kept in the backup")
    backup = tmp_path / "nightly.dump"
    call_command("backup", str(backup))
    db = connection.settings_dict
    scratch = f"{db['NAME']}_restore_{os.getpid()}"
    server = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"]}
    with psycopg.connect(**server, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
        env.update(
            DATABASE_URL=f"postgres://{server['user']}@{server['host']}:{server['port']}/{scratch}",
            PAPERBOY_DATA_DIR=str(tmp_path / "new-server"),
        )
        restored = paperboy(env, "restore", str(backup))
        assert restored.returncode == 0, restored.stderr
        assert shell(env, "from catalog.models import Paper; print(Paper.objects.get().title)") == (
            "Kept in the backup"
        )
    finally:
        with psycopg.connect(**server, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


@pytest.mark.django_db
def test_a_restore_makes_every_replica_rebuild(settings):
    with time_machine.travel("2026-08-21 09:00:00+00:00") as clock:
        for _ in range(3):
            PaperFactory()
        update_index()
        clock.shift(dt.timedelta(minutes=5))
        update_index()  # the look-back: the first update started right after the writes
        assert update_index()[0] <= 1  # following: at most the paper at the watermark
        before = current_epoch()
        new_epoch()  # what `paperboy restore` does after putting the backup in place
        assert current_epoch() != before
        count, mark = update_index()
        assert count == Paper.objects.count() == 3 and mark.epoch == current_epoch()


def test_restore_without_a_file_says_so(db):
    with pytest.raises(CommandError, match="is not a backup file"):
        call_command("restore", "/nonexistent/backup.dump")
