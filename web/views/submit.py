"""Submitting a paper to the daily list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from community.services.errors import NotAllowed
from community.services.submissions import submit_paper
from web.forms import SubmitForm


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    form = SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            listing = submit_paper(
                request.user, form.cleaned_data["paper"], form.cleaned_data["comment"]
            )
        except NotAllowed as error:
            form.add_error("paper", error.message)
        else:
            messages.success(request, f"Listed “{listing.paper.title}” on today's papers.")
            return redirect("web:paper", arxiv_id=listing.paper.arxiv_id)
    return render(request, "web/submit.html", {"form": form})
