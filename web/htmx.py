"""Requests made by htmx, which get a page fragment instead of a whole page or redirect."""

from __future__ import annotations

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
