"""Server-rendered pages: thin views over the apps' query modules."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.queries import latest_papers, paper_by_arxiv_id
from community.queries import latest_listing_day, listings_on, neighbour_days


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The latest day with listings; the newest catalogue papers when nothing is listed yet."""
    day = latest_listing_day()
    if day is None:
        return render(request, "web/latest.html", {"papers": latest_papers()})
    return _render_day(request, day)


@require_GET
def day(request: HttpRequest, day: dt.date) -> HttpResponse:
    return _render_day(request, day)


def _render_day(request: HttpRequest, wanted: dt.date) -> HttpResponse:
    previous, following = neighbour_days(wanted)
    return render(
        request,
        "web/day.html",
        {
            "day": wanted,
            "listings": listings_on(wanted),
            "previous_day": previous,
            "next_day": following,
        },
    )


@require_GET
def latest(request: HttpRequest) -> HttpResponse:
    return render(request, "web/latest.html", {"papers": latest_papers()})


@require_GET
def paper(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    found = paper_by_arxiv_id(arxiv_id)
    if found is None:
        raise Http404("No such paper")
    return render(request, "web/paper.html", {"paper": found})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: answers once the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
