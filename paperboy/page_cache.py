"""A short-lived cache of whole pages for anonymous visitors.

Lists, paper pages, feeds and API reads are the same for every anonymous visitor, so each app
server keeps its last rendering for PAPERBOY_PAGE_CACHE_SECONDS. Members always get fresh
pages (their own upvotes show on them; web/cards.py keeps those cheap), and a response that
sets a cookie is never cached.

The API's public reads answer every caller alike, so token holders (and signed-in browsers)
share the visitors' renderings of them, after the rate limit has counted them by account:
an API client gains nothing by sending its token, and loses nothing either.
tests/api/test_token_holders.py checks that no GET route under these prefixes needs a token.
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
PUBLIC_API_PREFIXES = ("/api/daily_papers", "/api/papers", "/api/v1/search")
# Set again for each answer; the view's other headers are kept with the body.
NOT_KEPT = {"content-length"}


def _cacheable_request(request: HttpRequest) -> bool:
    path = request.path
    if request.method not in ("GET", "HEAD"):
        return False
    if path.startswith(PUBLIC_API_PREFIXES):
        # The same answer for every caller: visitors, token holders, signed-in browsers.
        return True
    return (
        (path == "/" or path.startswith(CACHED_PREFIXES))
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
        # The whole address: answers may carry absolute links (the API's Link header).
        key = "page:" + hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
        hit = cache.get(key)
        if hit is not None:
            content, headers = hit
            response = HttpResponse(content, headers=headers)
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            # The view's own headers travel with the body: Content-Type, the API's Link to
            # the next page, a citation's Content-Disposition.
            headers = {k: v for k, v in response.items() if k.lower() not in NOT_KEPT}
            cache.set(key, (response.content, headers), seconds)
        return response
