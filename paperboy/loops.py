"""Long-running loops (`--loop` commands and the worker) that stop cleanly and outlive the
database going away.

SIGTERM or SIGINT ends the loop after the round in progress (a systemd stop, a container
shutdown, Ctrl-C): the process exits 0 with nothing half-done. Each round starts and ends
by closing stale database connections, and a round that fails because the database is
unreachable (a restart, a fail-over) is logged and retried after a pause instead of ending
the process: it carries on by itself once the database is back.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable

from django.db import close_old_connections, connections
from django.db.utils import InterfaceError, OperationalError

from paperboy.malloc import cap_arenas

logger = logging.getLogger("paperboy.loops")
DATABASE_DOWN = (OperationalError, InterfaceError)
MAX_BACKOFF = 30.0


def forget_connections() -> None:
    """Drop every database connection, broken or not, so the next query reconnects."""
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(DATABASE_DOWN):
            connection.close()


class StopSignal:
    """Set by SIGTERM/SIGINT; `wait` sleeps until the next round or until a stop."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def install(self) -> StopSignal:
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGTERM, signal.SIGINT):
                signal.signal(number, self._handle)
        return self

    def _handle(self, number: int, _frame) -> None:
        logger.warning("%s: finishing the current round, then stopping", signal.strsignal(number))
        self.event.set()

    @property
    def stopped(self) -> bool:
        return self.event.is_set()

    def wait(self, seconds: float) -> None:
        self.event.wait(seconds)


def wait_out_database(error: Exception, stop: StopSignal, backoff: float) -> float:
    """After a lost database: log it, drop the broken connections, pause (a stop signal
    cuts the pause short) and return the next, longer pause."""
    logger.warning("database unavailable (%s); trying again in %.0f s", error, backoff)
    forget_connections()
    stop.wait(backoff)
    return min(backoff * 2, MAX_BACKOFF)


def run_rounds(
    round_: Callable[[], None],
    *,
    every: float | None,
    stop: StopSignal | None = None,
    retry: float = 5.0,
) -> None:
    """Run `round_` once (every=None), or again every `every` seconds until a stop signal.
    In a loop, a round that finds the database down is retried with a growing pause."""
    if every is None:
        round_()
        return
    cap_arenas()  # a process that runs for days (paperboy/malloc.py)
    stop = stop or StopSignal().install()
    backoff = retry
    while not stop.stopped:
        close_old_connections()
        try:
            round_()
        except DATABASE_DOWN as error:
            backoff = wait_out_database(error, stop, backoff)
            continue
        finally:
            close_old_connections()
        backoff = retry
        stop.wait(every)
    logger.info("stopped")
