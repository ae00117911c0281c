"""Fewer malloc arenas for long-running processes.

glibc gives each thread that allocates at the same moment as another an arena of its own,
up to eight per core, and hands little of an arena's freed memory back. A follower opens
tantivy writers (threads of their own) every round and runs its vector loop in a second
thread: its resident memory swung between 175 and 212 MB in a 7-minute run where, with two
arenas, it stayed at 143-150 MB (docs/decisions.md). The soak counted that as growth.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_ARENA_MAX = -8  # mallopt's parameter number for the arena count (glibc's malloc.h)
ARENAS = 2


def cap_arenas(count: int = ARENAS) -> bool:
    """Let glibc's malloc use at most `count` arenas from now on (threads started later
    share them). Leaves an operator's own MALLOC_ARENA_MAX alone; on other systems and C
    libraries does nothing. True when the cap was set."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt(M_ARENA_MAX, count) == 1
