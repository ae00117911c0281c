"""The search page, and the suggestions shown while typing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog import citations
from catalog.queries import papers_with_details
from community.following import is_following
from community.queries import paper_upvote_counts
from paperboy.responses import plain_error
from search.lexical import IndexUnavailable
from search.queries import explanation, search_papers
from search.query import MAX_DOCUMENT_LENGTH, SORTS, QueryError, with_filters
from search.spelling import did_you_mean

PAGE_SIZE = 20
SUGGESTIONS = 6


def _year(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and 1991 <= int(raw) <= 2100 else None


def _asked(request: HttpRequest) -> tuple[str, dict[str, object], int]:
    """The search page's parameters, read the same way by the page and its exports: the
    text, the filters for with_filters, and the page number (1-50)."""
    text = request.GET.get("q", "")[:MAX_DOCUMENT_LENGTH]
    sort = request.GET.get("sort", "relevance")
    filters = {
        "sort": sort if sort in SORTS else "relevance",
        "category": request.GET.get("cat", "").strip()[:40],
        "year": _year(request.GET.get("year", "").strip()),
        "has_code": request.GET.get("has_code") == "1",
    }
    try:
        page_number = max(1, min(int(request.GET.get("page", "1")), 50))
    except ValueError:
        page_number = 1
    return text, filters, page_number


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    text, filters, page_number = _asked(request)
    explain = request.GET.get("explain") == "1"
    context: dict[str, object] = {
        "q": text,
        "page_number": page_number,
        "filters": filters,
        "sorts": SORTS,
        "explain": explain,
    }
    full = with_filters(text, **filters) if text.strip() else ""
    if full:
        try:
            page = search_papers(
                full,
                limit=PAGE_SIZE,
                offset=(page_number - 1) * PAGE_SIZE,
                popularity=paper_upvote_counts,
            )
            context["page"] = page
            if explain:
                for result in page.results:
                    result.explained = explanation(page, result)
            if not page.results:
                context["suggestion"] = did_you_mean(text)
        except QueryError as error:
            context["error"] = str(error)
        except IndexUnavailable as error:
            context["error"] = f"{error} An operator can run `paperboy index rebuild`."
    page = context.get("page")
    context["more"] = bool(page and page.total > page_number * PAGE_SIZE)
    context["export_params"] = _export_params(request)
    context["saved_query"] = full
    context["following"] = bool(full) and is_following(request.user, "search", full)
    return render(request, "web/search.html", context)


def _export_params(request: HttpRequest) -> str:
    keep = ("q", "sort", "cat", "year", "has_code", "page")
    params = request.GET.copy()
    for key in list(params):
        if key not in keep:
            del params[key]
    return params.urlencode()


@require_GET
def export(request: HttpRequest, kind: str) -> HttpResponse:
    """`/search.bib?q=...` (or `.ris`, `.json`): the citations of a page of results, with the
    search page's parameters (`q`, `sort`, `cat`, `year`, `has_code`, `page`)."""
    text, filters, page_number = _asked(request)
    if not text.strip():
        return plain_error(request, 400, "Give the search as ?q=, e.g. ?q=diffusion+cat:cs.CV")
    try:
        page = search_papers(
            with_filters(text, **filters),
            limit=PAGE_SIZE,
            offset=(page_number - 1) * PAGE_SIZE,
            popularity=paper_upvote_counts,
        )
    except QueryError as error:
        return plain_error(request, 400, str(error))
    except IndexUnavailable as error:
        return plain_error(request, 503, str(error))
    ids = [result.paper.pk for result in page.results]
    papers = papers_with_details().in_bulk(ids)  # every author, not a card's first few
    items = [citations.from_paper(papers[pk]) for pk in ids if pk in papers]
    response = HttpResponse(citations.render(kind, items), content_type=citations.FORMATS[kind])
    response["Content-Disposition"] = f'inline; filename="paperboy-search.{kind}"'
    return response


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """A few matching titles for the box under the search field (keyword side only: fast)."""
    text = request.GET.get("q", "")[:200]
    results = []
    if len(text.strip()) >= 3:
        try:
            results = search_papers(text, limit=SUGGESTIONS, semantic=False).results
        except (QueryError, IndexUnavailable):
            results = []
    return render(request, "web/_suggestions.html", {"results": results, "q": text})
