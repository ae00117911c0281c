"""The search page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from community.queries import paper_upvote_counts
from search.lexical import IndexUnavailable
from search.queries import search_papers
from search.query import QueryError

PAGE_SIZE = 20


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    try:
        page_number = max(1, min(int(request.GET.get("page", "1")), 50))
    except ValueError:
        page_number = 1
    context: dict[str, object] = {"q": text, "page_number": page_number}
    if text.strip():
        try:
            context["page"] = search_papers(
                text,
                limit=PAGE_SIZE,
                offset=(page_number - 1) * PAGE_SIZE,
                popularity=paper_upvote_counts,
            )
        except QueryError as error:
            context["error"] = str(error)
        except IndexUnavailable as error:
            context["error"] = f"{error} An operator can run `paperboy index rebuild`."
    page = context.get("page")
    context["more"] = bool(page and page.total > page_number * PAGE_SIZE)
    return render(request, "web/search.html", context)
