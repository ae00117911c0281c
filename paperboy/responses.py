"""Error answers given before any view runs: JSON under /api/ (every API answer is), plain
text elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse


def plain_error(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
