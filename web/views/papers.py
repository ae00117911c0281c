"""Paper and author pages, and the actions on a paper: upvote and comments."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, InterfaceError, connection
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from catalog import citations
from catalog.models import Paper
from catalog.queries import paper_by_arxiv_id, papers_in_category
from catalog.taxonomy import ARCHIVES, category_name, is_category
from community.following import is_following
from community.models import Comment, DailyListing
from community.permissions import is_curator
from community.queries import (
    comments_of_paper,
    listings_of_paper,
    member_upvoted,
    paper_upvote_counts,
)
from community.services.comments import (
    add_comment,
    delete_comment,
    edit_comment,
    set_comment_hidden,
)
from community.services.errors import NotAllowed
from community.services.submissions import set_listing_flags
from community.services.upvotes import toggle_upvote, upvote_count
from paperboy.loops import forget_connections
from search.queries import similar_papers
from search.replica import lag_seconds
from search.services.indexing import keyword_watermark
from web.cards import vote_button
from web.htmx import back, is_htmx
from web.params import positive_id


def _paper_or_404(arxiv_id: str) -> Paper:
    paper = paper_by_arxiv_id(arxiv_id)
    if paper is None:
        raise Http404("No such paper")
    return paper


@require_GET
def paper(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    found = _paper_or_404(arxiv_id)
    return render(
        request,
        "web/paper.html",
        {
            "paper": found,
            "votes": upvote_count(found),
            "upvoted": bool(member_upvoted(request.user, [found.pk])),
            "listings": listings_of_paper(found),
            "comments": comments_of_paper(found),
            "curator": is_curator(request.user),
            "similar": similar_papers(found),
            "collect_into": (
                list(request.user.collections.order_by("name"))
                if request.user.is_authenticated
                else None
            ),
        },
    )


@require_GET
def citation(request: HttpRequest, arxiv_id: str, kind: str) -> HttpResponse:
    """`/papers/2608.18580.bib` (or `.ris`, `.json` for CSL-JSON): the paper's citation."""
    found = _paper_or_404(arxiv_id)
    response = HttpResponse(
        citations.render(kind, [citations.from_paper(found)]),
        content_type=citations.FORMATS[kind],
    )
    name = found.arxiv_id.replace("/", "_")
    response["Content-Disposition"] = f'inline; filename="{name}.{kind}"'
    return response


@require_GET
def markdown(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """`/papers/2608.18580.md`: the paper as Markdown (title, authors, links, abstract), as
    Hugging Face serves it at that address for `hf papers read`."""
    found = _paper_or_404(arxiv_id)
    context = {
        "paper": found,
        "votes": upvote_count(found),
        "page_url": request.build_absolute_uri(found.get_absolute_url()),
    }
    response = render(request, "web/paper.md", context, content_type="text/markdown")
    response["Content-Type"] = "text/markdown; charset=utf-8"
    return response


@require_GET
def versioned(request: HttpRequest, arxiv_id: str, version: str) -> HttpResponse:
    """`/papers/2608.18580v2`: the paper's page (one page serves every version)."""
    return redirect("web:paper", arxiv_id=_paper_or_404(arxiv_id).arxiv_id, permanent=True)


@require_POST
@login_required
def upvote(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    found = get_object_or_404(Paper, arxiv_id=arxiv_id)
    htmx = is_htmx(request)
    try:
        upvoted, votes = toggle_upvote(request.user, found)
    except NotAllowed as error:
        if htmx:
            votes = paper_upvote_counts([found.pk]).get(found.pk, 0)
            return HttpResponse(
                vote_button(request, arxiv_id, on=False, votes=votes, error=error.message)
            )
        messages.error(request, error.message)
        return back(request, reverse("web:paper", args=[arxiv_id]))
    if htmx:  # just the button, with its new count
        return HttpResponse(vote_button(request, arxiv_id, on=upvoted, votes=votes))
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"upvoted": upvoted, "upvotes": votes})
    return back(request, reverse("web:paper", args=[arxiv_id]))


@require_POST
@login_required
def comment(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    found = get_object_or_404(Paper, arxiv_id=arxiv_id)
    parent = None
    if request.POST.get("parent"):
        parent_id = positive_id(request.POST["parent"])
        if parent_id is None:
            return HttpResponseBadRequest("parent must be a comment id.")
        parent = get_object_or_404(Comment, pk=parent_id, paper=found)
    htmx = is_htmx(request)
    try:
        added = add_comment(request.user, found, request.POST.get("body", ""), parent)
    except NotAllowed as error:
        if htmx:
            return render(request, "web/_inline_error.html", {"message": error.message})
        messages.error(request, error.message)
    else:
        if htmx:  # the new comment, appended to the list in place
            context = {
                "comment": added,
                "paper": found,
                "curator": is_curator(request.user),
                "oob_clear_empty": True,  # drops "No comments yet." from the page
            }
            return render(request, "web/_comment.html", context)
    return HttpResponseRedirect(reverse("web:paper", args=[arxiv_id]) + "#comments")


@require_POST
@login_required
def comment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    found = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    try:
        if action == "edit":
            edit_comment(request.user, found, request.POST.get("body", ""))
        elif action == "delete":
            delete_comment(request.user, found)
        elif action in ("hide", "unhide"):
            set_comment_hidden(request.user, found, hidden=action == "hide")
        else:
            raise Http404("No such action")
    except NotAllowed as error:
        messages.error(request, error.message)
    return HttpResponseRedirect(reverse("web:paper", args=[found.paper.arxiv_id]) + "#comments")


@require_POST
@login_required
def listing_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    listing = get_object_or_404(DailyListing.objects.select_related("paper"), pk=pk)
    flags = {
        "feature": {"featured": True},
        "unfeature": {"featured": False},
        "hide": {"hidden": True},
        "unhide": {"hidden": False},
    }
    if action not in flags:
        raise Http404("No such action")
    try:
        set_listing_flags(request.user, listing, **flags[action])
    except NotAllowed as error:
        return HttpResponse(error.message, status=error.status)
    return back(request, reverse("web:paper", args=[listing.paper.arxiv_id]))


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness for load balancers: 200 once the database answers and this node's search
    index keeps up; JSON 503 saying what is down when not. `index_lag_seconds` is how long
    the oldest catalogue change this node's index has not taken in has waited (null: no
    index yet); past PAPERBOY_MAX_INDEX_LAG (when set) the node is drained. A broken
    database connection is dropped, so the next check reconnects by itself."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        lag = lag_seconds(keyword_watermark())
    except (DatabaseError, InterfaceError) as error:
        forget_connections()
        return _unavailable({"database": f"unreachable: {type(error).__name__}"})
    limit = settings.PAPERBOY_MAX_INDEX_LAG
    if limit and (lag is None or lag > limit):
        behind = "not built" if lag is None else f"{lag:.0f} s behind the catalogue"
        return _unavailable({"search index": behind}, index_lag_seconds=lag)
    return JsonResponse({"status": "ok", "index_lag_seconds": lag})


def _unavailable(down: dict, **extra) -> JsonResponse:
    response = JsonResponse({"status": "unavailable", "down": down, **extra}, status=503)
    response["Retry-After"] = "5"
    return response


CATEGORY_PAGE = 25


@require_GET
def category(request: HttpRequest, code: str) -> HttpResponse:
    """The newest papers of a category or a whole archive (`cs`), a page at a time. No
    total count: counting a large category costs more than showing it."""
    if not (is_category(code) or code in ARCHIVES):
        raise Http404(f"{code} is not an arXiv category.")
    try:
        number = max(1, min(int(request.GET.get("page", "1")), 400))
    except ValueError:
        number = 1
    start = (number - 1) * CATEGORY_PAGE
    papers = list(papers_in_category(code)[start : start + CATEGORY_PAGE + 1])
    name = ARCHIVES[code] if code in ARCHIVES else category_name(code)
    context = {
        "code": code,
        "name": name,
        "papers": papers[:CATEGORY_PAGE],
        "next_page": number + 1 if len(papers) > CATEGORY_PAGE else None,
        "following": is_following(request.user, "category", code),
    }
    return render(request, "web/category.html", context)
