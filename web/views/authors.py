"""Author pages: the author's papers, co-authors and categories, a follow button, and the
claim ("this is me") a curator approves on the same page or in the admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Author
from catalog.queries import categories_of_author, coauthors_of, papers_of_author
from community.following import is_following
from community.models import AuthorClaim, Follow
from community.permissions import is_curator
from community.services import claims
from community.services.errors import NotAllowed
from web.htmx import back
from web.params import positive_id


@require_GET
def author(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Author, pk=pk)
    page = Paginator(papers_of_author(found), 50).get_page(request.GET.get("page"))
    everyone = list(AuthorClaim.objects.filter(author=found).select_related("user"))
    approved = next((c for c in everyone if c.status == AuthorClaim.Status.APPROVED), None)
    mine = next((c for c in everyone if c.user_id == request.user.pk), None)
    curator = is_curator(request.user)
    following = is_following(request.user, Follow.Kind.AUTHOR, found.pk)
    context = {
        "author": found,
        "page": page,
        "coauthors": coauthors_of(found) if page.number == 1 else [],
        "categories": categories_of_author(found) if page.number == 1 else [],
        "claimed_by": approved.user if approved else None,
        "my_claim": mine,
        "pending": [c for c in everyone if c.status == AuthorClaim.Status.PENDING]
        if curator
        else [],
        "following": following,
    }
    return render(request, "web/author.html", context)


@login_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    """The member's side of a claim: ask, withdraw, or switch notifications."""
    found = get_object_or_404(Author, pk=pk)
    action = request.POST.get("action", "claim")
    try:
        if action == "claim":
            claims.claim_author(request.user, found, request.POST.get("message", ""))
            messages.success(request, "Thanks: a curator will look at your claim.")
        elif action == "withdraw":
            claims.withdraw_claim(request.user, found)
            messages.success(request, "Your claim is withdrawn.")
        elif action == "notify":
            mine = get_object_or_404(AuthorClaim, author=found, user=request.user)
            claims.set_notify(mine, request.POST.get("notify") == "1")
            messages.success(request, "Saved.")
        else:
            raise Http404("No such action")
    except NotAllowed as error:
        messages.error(request, error.message)
    return back(request, found.get_absolute_url())


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """A curator approves or rejects a claim from the author page."""
    number = positive_id(request.POST.get("claim"))
    found = get_object_or_404(AuthorClaim, pk=number or 0, author_id=pk)
    try:
        claims.decide_claim(found, request.user, approve=request.POST.get("approve") == "1")
        messages.success(request, f"Claim by {found.user} {found.status}.")
    except NotAllowed as error:
        if error.status == 403:
            return HttpResponse(error.message, status=403)
        messages.error(request, error.message)
    return back(request, found.author.get_absolute_url())
