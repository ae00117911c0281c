"""Per-client request limits for /api/: holders of a token that verifies are counted by
their account, everyone else (no token, or one that does not verify) by client address.

The verified member is kept on the request (`paperboy.ratelimit.token_user`) so that the API's
authentication does not look the token up a second time, and so that the page cache can
tell a real token holder from a request that merely carries an Authorization header.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from paperboy.ratelimit import allow, client_address, token_user

EXEMPT = ("/api/docs", "/api/openapi.json")


class ApiRateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and not request.path.startswith(EXEMPT):
            user = token_user(request)
            identity = f"user:{user.pk}" if user else f"addr:{client_address(request)}"
            if not allow("api", identity, settings.PAPERBOY_RATE_API, 60):
                response = JsonResponse(
                    {"detail": f"Rate limit: {settings.PAPERBOY_RATE_API} requests a minute."},
                    status=429,
                )
                response["Retry-After"] = "60"
                return response
        return self.get_response(request)
