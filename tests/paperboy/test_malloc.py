"""Long-running processes share two malloc arenas between their threads (paperboy/malloc.py):
a follower's memory swung by a fifth with one arena per busy thread."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import ctypes, sys, threading
import django
django.setup()
from paperboy.loops import StopSignal, run_rounds
if sys.argv[1] == "loop":  # what every long-running loop does first
    stop = StopSignal()
    run_rounds(stop.event.set, every=0.01, stop=stop)
kept, ready = [], threading.Barrier(8)
def allocate():
    ready.wait()  # all at once: each thread would get an arena of its own
    kept.append([bytes(2048) for _ in range(2000)])
threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ctypes.CDLL(None).malloc_stats()  # one "Arena N:" block per arena, on stderr
"""

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.environ.get("MALLOC_ARENA_MAX"),
    reason="glibc's arenas, on Linux",
)


def arenas(tmp_path, mode: str, **extra: str) -> int:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "paperboy.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "PAPERBOY_DATA_DIR": str(tmp_path),
        **extra,
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return sum(line.startswith("Arena ") for line in done.stderr.splitlines())


def test_threads_of_a_long_running_loop_share_two_arenas(tmp_path):
    assert arenas(tmp_path, "plain") > 2  # what glibc does unasked
    assert arenas(tmp_path, "loop") <= 2


def test_an_operators_own_arena_setting_is_left_alone(tmp_path):
    assert arenas(tmp_path, "loop", MALLOC_ARENA_MAX="4") > 2
