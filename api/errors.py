"""Every answer under /api/ is JSON, errors included: unknown paths, wrong methods, and
whatever the framework answers in HTML before a route runs."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.errors import HttpError

from community.services.errors import NotAllowed

DETAILS = {
    404: "Not found: no such API path (see /api/docs).",
    405: "Method not allowed on this path.",
}


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
            and not request.path.startswith("/api/docs")
        ):
            status = response.status_code
            detail = DETAILS.get(status) or HTTPStatus(status).phrase
            json = JsonResponse({"detail": detail}, status=status)
            for header in ("Allow", "Retry-After"):
                if header in response:
                    json[header] = response[header]
            return json
        return response


def allowed(call, *args, **kwargs):
    """Run a community service; its NotAllowed becomes the API's error with the same status
    and message."""
    try:
        return call(*args, **kwargs)
    except NotAllowed as error:
        raise HttpError(error.status, error.message) from None
