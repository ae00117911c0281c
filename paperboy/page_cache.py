"""A short-lived cache of whole pages for anonymous visitors.

Lists, paper pages, feeds and API reads are the same for every anonymous visitor, so each app
server keeps its last rendering for PAPERBOY_PAGE_CACHE_SECONDS. Members always get fresh
pages (their own upvotes show on them), and a response that sets a cookie is never cached.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse

from paperboy.ratelimit import token_user

CACHED_PREFIXES = (
    "/papers",
    "/authors/",
    "/feeds/",
    "/search",
    "/api/daily_papers",
    "/api/papers",
    "/api/v1/search",
)


def _cacheable_request(request: HttpRequest) -> bool:
    path = request.path
    return (
        request.method in ("GET", "HEAD")
        and (path == "/" or path.startswith(CACHED_PREFIXES))
        and not request.user.is_authenticated
        and "messages" not in request.COOKIES
        # A made-up token is an anonymous visitor, served from the cache like one.
        and token_user(request) is None
    )


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = settings.PAPERBOY_PAGE_CACHE_SECONDS
        if seconds <= 0 or not _cacheable_request(request):
            return self.get_response(request)
        cache = caches["pages"]
        key = "page:" + hashlib.sha256(request.get_full_path().encode()).hexdigest()
        hit = cache.get(key)
        if hit is not None:
            content, content_type = hit
            response = HttpResponse(content, content_type=content_type)
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            cache.set(key, (response.content, response["Content-Type"]), seconds)
        return response
