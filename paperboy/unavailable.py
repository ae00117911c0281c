"""While the database is unreachable every page answers 503 with Retry-After, never 500:
a load balancer or a client knows to come back, and the broken connection is dropped so
that the first request after the database returns reconnects by itself."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from paperboy.loops import DATABASE_DOWN, forget_connections
from paperboy.responses import plain_error

MESSAGE = "The database is unavailable for a moment. Try again in a few seconds."


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        except DATABASE_DOWN:
            return self.unavailable(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, DATABASE_DOWN):
            return self.unavailable(request)
        return None

    @staticmethod
    def unavailable(request: HttpRequest) -> HttpResponse:
        forget_connections()
        response = plain_error(request, 503, MESSAGE)  # /healthz answers for itself
        response["Retry-After"] = "5"
        return response
