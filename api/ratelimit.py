"""Per-client request limits for /api/ (token holders by user, others by address)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from paperboy.ratelimit import allow, client_address

EXEMPT = ("/api/docs", "/api/openapi.json")


class ApiRateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and not request.path.startswith(EXEMPT):
            header = request.headers.get("Authorization", "")
            identity = header[-16:] if header.startswith("Bearer ") else client_address(request)
            if not allow("api", identity, settings.PAPERBOY_RATE_API, 60):
                response = JsonResponse(
                    {"detail": f"Rate limit: {settings.PAPERBOY_RATE_API} requests a minute."},
                    status=429,
                )
                response["Retry-After"] = "60"
                return response
        return self.get_response(request)
