"""Backing up and restoring the database, the one source of truth (search indexes are
derived: a restore starts a new catalogue epoch and every node's index rebuilds itself).

PostgreSQL: `pg_dump --format=custom` and `pg_restore --single-transaction` (the server's
own tools, so large objects, sequences and constraints come back exactly); the client
tools must be installed where the command runs. SQLite: the online backup API, which
copies a consistent state while the site keeps running."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says why."""


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    args = ["--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name) or (
        f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None
    )
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    # The server's own client tools, with arguments from our settings only.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise BackupError(lines[-1] if lines else f"{Path(command[0]).name} failed")


def backup(target: Path) -> int:
    """Write a consistent copy of the database to `target`; returns its size in bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        name = connection.settings_dict["NAME"]
        _run(
            [
                _tool("pg_dump"),
                *args,
                "--format=custom",
                "--no-owner",
                "--file",
                str(partial),
                name,
            ],
            env,
        )
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(partial) as copy:
            connection.connection.backup(copy)
        copy.close()
    else:
        raise BackupError(f"backups of {connection.vendor} databases are not supported")
    partial.replace(target)
    return target.stat().st_size


def restore(source: Path) -> None:
    """Replace the database's contents with the backup at `source`."""
    if not source.is_file():
        raise BackupError(f"{source} is not a backup file")
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        name = connection.settings_dict["NAME"]
        connection.close()  # pg_restore drops and recreates the tables this process uses
        command = [_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner"]
        _run([*command, "--single-transaction", "--dbname", name, str(source)], env)
    elif connection.vendor == "sqlite":
        try:
            with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as backup_file:
                backup_file.execute("PRAGMA schema_version").fetchone()
                connection.ensure_connection()
                backup_file.backup(connection.connection)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} is not an SQLite backup: {error}") from None
    else:
        raise BackupError(f"restoring {connection.vendor} databases is not supported")
