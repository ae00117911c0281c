"""A background task only the tests queue: it notes its start and end in a file, with a
pause between, so a test can kill the worker running it."""

from __future__ import annotations

import time

from django_tasks import task


@task()
def slow_note(path: str, seconds: float) -> str:
    with open(path, "a") as notes:
        notes.write("start\n")
    time.sleep(seconds)
    with open(path, "a") as notes:
        notes.write("done\n")
    return "done"
