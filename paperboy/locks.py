"""Named locks held for the life of a job, across processes and machines.

On PostgreSQL a session-level advisory lock (`pg_try_advisory_lock`): every process on
every machine that uses the database sees it, and it is released when the job ends or its
connection closes, so a killed job never leaves it behind. On SQLite, where every process
is on one machine, an exclusive `flock` on a file in the data folder, released by the
kernel when the process exits.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
from collections.abc import Iterator

from django.conf import settings
from django.db import connection


class LockHeld(RuntimeError):
    """Another process holds the lock; the message says which job."""


def _key(name: str) -> int:
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def exclusive(name: str) -> Iterator[None]:
    """Hold the lock `name` for the block; LockHeld at once if someone else has it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_key(name)])
            if not cursor.fetchone()[0]:
                raise LockHeld(f"{name} is already running in another process")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(name)])
        return
    folder = settings.DATA_DIR / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.lock"
    with path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(f"{name} is already running in another process") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
