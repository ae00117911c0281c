"""Submitting a paper to the daily list, and following a fetch from arXiv."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from community.models import Submission
from community.services.errors import NotAllowed
from community.services.submissions import submit_paper
from web.forms import SubmitForm
from web.htmx import is_htmx


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    form = SubmitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = submit_paper(
                request.user, form.cleaned_data["paper"], form.cleaned_data["comment"]
            )
        except NotAllowed as error:
            form.add_error("paper", error.message)
        else:
            if isinstance(result, Submission):  # not in the catalogue: fetched in the back
                return redirect("web:submission", pk=result.pk)
            messages.success(request, f"Listed “{result.paper.title}” on today's papers.")
            return redirect("web:paper", arxiv_id=result.paper.arxiv_id)
    return render(request, "web/submit.html", {"form": form})


@login_required
@require_GET
def submission(request: HttpRequest, pk: int) -> HttpResponse:
    """Where a fetch from arXiv stands; the page polls itself (htmx) until it is done."""
    found = get_object_or_404(
        Submission.objects.select_related("listing__paper"), pk=pk, user=request.user
    )
    template = "web/_submission_status.html" if is_htmx(request) else "web/submission.html"
    return render(request, template, {"submission": found})
