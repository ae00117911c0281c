"""The embedded default cache: DiskCache's Django backend, one per process, kept open.

Django makes a cache backend per thread and closes every cache at the end of each request.
For DiskCache both are costly: its constructor opens each shard's SQLite file and writes its
settings there (about 13 ms for four shards, paid by every new server thread on its first
request), and a closed connection is opened again on the next request, with its pragmas
(about 0.8 ms). DiskCache keeps a connection per thread itself, so this backend shares one
DiskCache per process between threads and leaves the connections open; `drop_connections`
closes this thread's (paperboy.ratelimit does after an error, when a connection that raised
stays broken). docs/decisions.md, 2026-12-02.
"""

from __future__ import annotations

import threading

from diskcache import DjangoCache, FanoutCache
from django.core.cache.backends.base import BaseCache

_lock = threading.Lock()
_shared: dict[tuple[str, int, float, str], FanoutCache] = {}


def _fanout(directory: str, params: dict) -> FanoutCache:
    shards = params.get("SHARDS", 8)
    timeout = params.get("DATABASE_TIMEOUT", 0.010)
    options = params.get("OPTIONS", {})
    key = (directory, shards, timeout, repr(sorted(options.items())))
    with _lock:
        if key not in _shared:
            _shared[key] = FanoutCache(directory, shards, timeout, **options)
        return _shared[key]


class SharedDiskCache(DjangoCache):
    """DjangoCache over the process's one FanoutCache for its folder and settings."""

    def __init__(self, directory: str, params: dict) -> None:
        BaseCache.__init__(self, params)  # DjangoCache's own would open the files again
        self._cache = _fanout(directory, params)  # the attribute DjangoCache's methods use

    def close(self, **kwargs) -> None:
        """Django calls this after every request: the connections stay open."""

    def drop_connections(self) -> None:
        """Close this thread's connections; the next call opens new ones."""
        self._cache.close()
