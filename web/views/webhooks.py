"""`/accounts/webhooks`: a member's webhooks for saved searches and collections."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from community.models import Collection, Follow
from community.services.errors import NotAllowed
from digests.models import Webhook
from digests.services import webhooks as service
from web.params import positive_id


def _source(request: HttpRequest) -> dict:
    """The saved search or collection a form names, as `source=search:<id>` or
    `collection:<id>`; the member's own only."""
    kind, _, number = request.POST.get("source", "").partition(":")
    pk = positive_id(number)
    if kind == "search" and pk:
        found = Follow.objects.filter(pk=pk, user=request.user, kind=Follow.Kind.SEARCH).first()
        if found:
            return {"search": found}
    if kind == "collection" and pk:
        found = Collection.objects.filter(pk=pk, owner=request.user).first()
        if found:
            return {"collection": found}
    raise NotAllowed("Choose one of your saved searches or collections.")


def _change(request: HttpRequest) -> None:
    action = request.POST.get("action", "add")
    if action == "add":
        service.add_webhook(
            request.user,
            request.POST.get("url", "").strip(),
            request.POST.get("format", Webhook.Format.JSON),
            **_source(request),
        )
        messages.success(request, "Webhook added: new papers are posted to it from now on.")
        return
    number = positive_id(request.POST.get("webhook"))
    webhook = Webhook.objects.filter(pk=number or 0, owner=request.user).first()
    if webhook is None:
        raise NotAllowed("No such webhook.")
    if action == "delete":
        webhook.delete()
        messages.success(request, "Webhook removed.")
    elif action == "enable":
        service.enable_webhook(webhook)
        messages.success(request, "Webhook switched on again.")
    else:
        raise NotAllowed("Unknown action.")


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            _change(request)
        except NotAllowed as error:
            messages.error(request, error.message)
        return redirect("web:webhooks")
    context = {
        "webhooks": Webhook.objects.filter(owner=request.user).select_related(
            "search", "collection"
        ),
        "searches": Follow.objects.filter(user=request.user, kind=Follow.Kind.SEARCH),
        "collections": Collection.objects.filter(owner=request.user).order_by("name"),
        "formats": Webhook.Format.choices,
        "max_failures": settings.PAPERBOY_WEBHOOK_MAX_FAILURES,
    }
    return render(request, "web/webhooks.html", context)
