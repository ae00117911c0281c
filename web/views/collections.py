"""Collections on the site: a member's list of them, each one's page, its citations, and
the forms that change them (plain forms; htmx swaps the "add to collection" box in place)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import citations
from catalog.models import Paper
from catalog.sources.citation_files import MAX_BYTES
from community.models import CitationImport, Collection
from community.queries import collection_items, collections_of, visible_collection
from community.services import collections as service
from community.services.citation_imports import start_import
from community.services.errors import NotAllowed
from web.htmx import back, is_htmx
from web.params import positive_id


def _visible(request: HttpRequest, username: str, slug: str) -> Collection:
    viewer = request.user if request.user.is_authenticated else None
    found = visible_collection(username, slug, viewer)
    if found is None:
        raise Http404("No such collection")
    return found


def _owned(request: HttpRequest, pk: object) -> Collection:
    number = positive_id(pk)
    if number is None:
        raise Http404("No such collection")
    return get_object_or_404(
        Collection.objects.select_related("owner"), pk=number, owner=request.user
    )


@login_required
@require_http_methods(["GET", "POST"])
def mine(request: HttpRequest) -> HttpResponse:
    """`/collections`: the member's collections, and a form to start one."""
    if request.method == "POST":
        try:
            made = service.create_collection(
                request.user,
                request.POST.get("name", ""),
                description=request.POST.get("description", ""),
                public=request.POST.get("public") == "1",
            )
        except NotAllowed as error:
            messages.error(request, error.message)
            return redirect("web:collections")
        return redirect(made.get_absolute_url())
    found = collections_of(request.user, request.user)
    return render(request, "web/collections.html", {"collections": found})


@require_GET
def collection(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    """A collection's page: public for everyone, private for its owner alone."""
    found = _visible(request, username, slug)
    own = request.user.is_authenticated and request.user.pk == found.owner_id
    return render(
        request,
        "web/collection.html",
        {"collection": found, "items": list(collection_items(found)), "own": own},
    )


@require_GET
def export(request: HttpRequest, username: str, slug: str, kind: str) -> HttpResponse:
    """`/collections/<user>/<slug>.bib` (or `.ris`, `.json`): every paper's citation."""
    found = _visible(request, username, slug)
    items = [citations.from_paper(item.paper) for item in collection_items(found)]
    response = HttpResponse(citations.render(kind, items), content_type=citations.FORMATS[kind])
    response["Content-Disposition"] = f'inline; filename="{found.slug}.{kind}"'
    return response


@login_required
@require_POST
def change(request: HttpRequest, pk: str) -> HttpResponse:
    """The owner's forms on a collection page: rename, describe, publish, delete, and per
    paper a note, a move up or down, or removal."""
    found = _owned(request, pk)
    action = request.POST.get("action", "")
    try:
        if action == "delete":
            found.delete()
            messages.success(request, f"Deleted the collection {found.name}.")
            return redirect("web:collections")
        if action == "edit":
            service.change_collection(
                found,
                name=request.POST.get("name", found.name),
                description=request.POST.get("description", ""),
                public=request.POST.get("public") == "1",
            )
        elif action in ("note", "remove", "up", "down"):
            _change_paper(found, action, request.POST)
        else:
            return HttpResponseBadRequest("Unknown action.")
    except NotAllowed as error:
        messages.error(request, error.message)
    return redirect(found.get_absolute_url())


def _change_paper(found: Collection, action: str, form) -> None:
    paper = Paper.objects.filter(arxiv_id=form.get("paper", "")).first()
    if paper is None:
        raise NotAllowed("No such paper.")
    if action == "remove":
        service.remove_paper(found, paper)
    elif action == "note":
        service.add_paper(found, paper, note=form.get("note", ""))
    else:
        service.move_paper(found, paper, -1 if action == "up" else 1)


@require_http_methods(["GET", "POST"])
def collect(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """The "add to collection" box on paper pages and cards: into a chosen collection, or a
    new one named in the same form. A card's "Save" link GETs the box (htmx swaps it in;
    without JavaScript it is a small page), so the cached card stays the same for all."""
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    if not request.user.is_authenticated:
        if is_htmx(request):  # a card's Save link: a log-in link in its place, not a page
            login = f"{reverse('web:login')}?{urlencode({'next': paper.get_absolute_url()})}"
            return HttpResponse(f'<a class="save" href="{escape(login)}">Log in to save</a>')
        return redirect_to_login(request.get_full_path())
    if request.method == "GET":
        context = {
            "paper": paper,
            "collect_into": list(request.user.collections.order_by("name")),
            "next": _safe_next(request, request.GET.get("next", "")),
        }
        template = "web/_collect_form.html" if is_htmx(request) else "web/collect.html"
        return render(request, template, context)
    try:
        if request.POST.get("new_name", "").strip():
            target = service.create_collection(request.user, request.POST["new_name"])
        else:
            target = _owned(request, request.POST.get("collection"))
        service.add_paper(target, paper, note=request.POST.get("note") or None)
        done = f"Added to {target.name}."
    except (NotAllowed, Http404) as error:
        done = getattr(error, "message", "No such collection.")
        if not is_htmx(request):
            messages.error(request, done)
            return redirect(paper.get_absolute_url())
        return HttpResponse(f'<p class="errors" role="alert">{escape(done)}</p>')
    if is_htmx(request):
        return HttpResponse(f'<p class="meta" role="status">{escape(done)}</p>')
    messages.success(request, done)
    return back(request, paper.get_absolute_url())


def _safe_next(request: HttpRequest, target: str) -> str:
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if allowed else ""


@login_required
@require_POST
def import_file(request: HttpRequest, pk: str) -> HttpResponse:
    """Upload a BibTeX or RIS file into one of the member's collections; the report page
    follows the background import."""
    found = _owned(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a BibTeX (.bib) or RIS (.ris) file to import.")
        return redirect(found.get_absolute_url())
    try:
        job = start_import(request.user, found, upload.read(MAX_BYTES + 1), upload.name)
    except NotAllowed as error:
        messages.error(request, error.message)
        return redirect(found.get_absolute_url())
    return redirect("web:citation_import", pk=found.pk, number=job.pk)


@login_required
@require_GET
def import_report(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """What an import matched, fetched and did not find (it refreshes while it runs)."""
    job = get_object_or_404(
        CitationImport.objects.select_related("collection__owner"),
        pk=number,
        collection__pk=pk,
        owner=request.user,
    )
    return render(request, "web/citation_import.html", {"job": job, "counts": job.counts()})
