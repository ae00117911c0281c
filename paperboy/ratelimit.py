"""Fixed-window rate limits kept in the cache (Redis when several app servers run)."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address as the app server sees it (set a proxy to pass REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR", "unknown")


def allow(scope: str, identity: str, limit: int, window_seconds: int) -> bool:
    """Count one hit for `identity` in `scope`; False once `limit` hits fall in the window."""
    window = int(time.time() // window_seconds)
    digest = hashlib.sha256(identity.encode()).hexdigest()[:24]
    key = f"rate:{scope}:{digest}:{window}"
    if cache.add(key, 1, timeout=window_seconds + 1):
        return True
    try:
        hits = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds + 1)
        return True
    return hits <= limit
