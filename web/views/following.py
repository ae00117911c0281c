"""Following: the follow buttons on author, category and search pages, and /following."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from catalog.queries import papers_for_cards
from community.following import followed_papers, follows_of
from community.services import following as service
from community.services.errors import NotAllowed
from web.htmx import back, is_htmx

SHOWN = 50


@login_required
@require_GET
def following(request: HttpRequest) -> HttpResponse:
    """`/following`: what the member follows, and the newest papers it brings."""
    follows = follows_of(request.user)
    found = followed_papers(follows, limit=SHOWN)
    papers = papers_for_cards().in_bulk([pk for pk, _ in found])
    rows = [(papers[pk], why) for pk, why in found if pk in papers]
    return render(request, "web/following.html", {"follows": follows, "rows": rows})


@login_required
@require_POST
def follow(request: HttpRequest) -> HttpResponse:
    """Follow or stop following (`kind`: author, category or search; `value`: the author's
    number, the category's code or the query). htmx gets the button back."""
    kind, value = request.POST.get("kind", ""), request.POST.get("value", "")
    error = ""
    try:
        if request.POST.get("action") == "unfollow":
            service.unfollow(request.user, kind, value)
            followed = False
        else:
            service.follow(request.user, kind, value)
            followed = True
    except NotAllowed as problem:
        error, followed = problem.message, False
    if is_htmx(request):
        context = {"kind": kind, "value": value, "followed": followed, "error": error}
        return HttpResponse(render_to_string("web/_follow_button.html", context, request))
    if error:
        messages.error(request, error)
    return back(request, reverse("web:following"))
