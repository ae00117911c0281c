"""Rate limits, counted by django-ratelimit in the shared cache (docs/decisions.md).

The embedded default cache is DiskCache (SQLite files in the data folder), whose `add` and
`incr` are atomic across processes, so every gunicorn worker of one machine counts into the
same buckets; with PAPERBOY_CACHE_URL=redis://... every app server does.

The client's address comes from REMOTE_ADDR, which `paperboy.proxy.TrustedProxyMiddleware`
has already replaced with the right-most untrusted X-Forwarded-For hop when the request came
through a proxy in PAPERBOY_TRUSTED_PROXIES.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
import unicodedata

from diskcache import Timeout as DiskCacheTimeout
from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from community.services.tokens import user_for_token

logger = logging.getLogger("paperboy.ratelimit")
# What a cache may raise for a moment: DiskCache's SQLite files under concurrent writers
# (the web benchmark saw "disk I/O error" about once in 3,000 counted API requests), a lost
# connection to Redis.
CACHE_ERRORS: tuple[type[BaseException], ...] = (OSError, sqlite3.Error, DiskCacheTimeout)
try:
    from redis.exceptions import RedisError
except ImportError:  # Redis is optional
    pass
else:
    CACHE_ERRORS += (RedisError,)
ATTEMPTS = 3


def client_address(request: HttpRequest) -> str:
    """The client's address (already resolved through trusted proxies)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def allow(scope: str, identity: str, limit: int, window_seconds: int) -> bool:
    """Count one hit for `identity` in `scope`; False once more than `limit` hits fall in
    the window. A cache error is tried again, twice, after a short pause; a cache that
    cannot count three times refuses (fails closed: the caller answers 429, never 500)."""
    failure: BaseException | None = None
    for attempt in range(1, ATTEMPTS + 1):
        try:
            usage = get_usage(
                None,
                group=f"paperboy:{scope}",
                key=lambda _group, _request: identity,
                rate=(limit, window_seconds),
                increment=True,
            )
            return usage is None or not usage["should_limit"]
        except CACHE_ERRORS as error:
            failure = error
            if attempt < ATTEMPTS:
                _reopen_cache()
                time.sleep(0.02 * attempt)  # the failures come in bursts of a few ms
    logger.error(
        "the rate-limit cache failed %d times; refusing %s", ATTEMPTS, scope, exc_info=failure
    )
    return False


def _reopen_cache() -> None:
    """A DiskCache connection that raised stays broken ("cannot rollback - no transaction
    is active" on the next call): this thread's are dropped and reopened. For Redis it
    drops the pooled connections."""
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    with contextlib.suppress(*CACHE_ERRORS):
        getattr(cache, "drop_connections", cache.close)()


def login_identity(username: str) -> str:
    """The user name as the authentication backend compares it: stripped and NFKC-normalised
    (what Django's UsernameField does), then case-folded so `Name` and `name` share a bucket."""
    return unicodedata.normalize("NFKC", (username or "").strip()).casefold()


def bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def token_user(request: HttpRequest):
    """The active member whose token the request carries, or None (looked up once)."""
    if not hasattr(request, "api_token_user"):
        raw = bearer_token(request)
        request.api_token_user = user_for_token(raw) if raw else None
    return request.api_token_user
